import { Writable } from "node:stream";
import type { ReservationBatchJob, ReservationBatchResult } from "@promo/contracts";
import { PartitionFenceError } from "@promo/db";
import { createLogger } from "@promo/observability";
import { describe, expect, it } from "vitest";
import {
  createPartitionRunner,
  type PartitionLedger,
  type RunnerJob,
  RunnerStoppedError,
} from "./partition-runner.ts";

const logger = createLogger({ service: "runner-test", level: "silent" });

function batch(jobId: number): ReservationBatchJob {
  return { batchId: `00000000-0000-4000-8000-${String(jobId).padStart(12, "0")}`, requests: [] };
}

/** The record as a plain list: decided job ids in commit order, and a cursor. */
function memoryLedger(
  options: { cursor?: number; failCommits?: number; willArrive?: (jobId: number) => boolean } = {},
) {
  const state = {
    cursor: options.cursor ?? 0,
    decided: [] as number[],
    /** The batch ids decided, as the record knows them (by their requests). */
    decidedBatches: [] as string[],
    commits: 0,
    late: [] as number[],
    skipped: [] as number[],
  };
  let failures = options.failCommits ?? 0;
  const result = (job: RunnerJob): ReservationBatchResult => ({
    batchId: job.batch?.batchId ?? "",
    decisions: [],
  });
  const ledger: PartitionLedger = {
    readCursor: async () => state.cursor,
    async commitInOrder(cursor, jobs) {
      if (failures > 0) {
        failures -= 1;
        throw new Error("database unavailable");
      }
      if (cursor !== state.cursor) throw new PartitionFenceError(cursor, state.cursor);
      expect(jobs.map((job) => job.jobId)).toEqual(jobs.map((_, index) => cursor + 1 + index));
      state.commits += 1;
      state.decided.push(...jobs.map((job) => job.jobId));
      state.decidedBatches.push(...jobs.map((job) => job.batch?.batchId ?? ""));
      state.cursor = jobs.at(-1)?.jobId ?? cursor;
      return new Map(jobs.map((job) => [job.jobId, result(job)]));
    },
    async recover(jobs) {
      return new Map(
        jobs.map((job) => [
          job.jobId,
          state.decidedBatches.includes(job.batch?.batchId ?? "") ? result(job) : null,
        ]),
      );
    },
    async commitLate(jobs) {
      state.late.push(...jobs.map((job) => job.jobId));
      return new Map(jobs.map((job) => [job.jobId, result(job)]));
    },
    async skip(cursor, jobId) {
      if (cursor !== state.cursor) throw new PartitionFenceError(cursor, state.cursor);
      state.skipped.push(jobId);
      state.cursor = jobId;
    },
    jobWillArrive: async (jobId) => options.willArrive?.(jobId) ?? true,
  };
  return { ledger, state };
}

function runnerFor(ledger: PartitionLedger, gapGiveUpMs = 60_000) {
  return createPartitionRunner({
    partition: 0,
    ledger,
    logger,
    maxRequestsPerCommit: 1_000,
    gapCheckMs: 20,
    gapGiveUpMs,
  });
}

describe("partition runner", () => {
  it("decides jobs in id order whatever order they arrive in", async () => {
    const { ledger, state } = memoryLedger();
    const runner = runnerFor(ledger);
    await runner.start();
    const order = [5, 3, 1, 4, 2, 7, 6];
    await Promise.all(order.map((jobId) => runner.submit({ jobId, batch: batch(jobId) })));
    expect(state.decided).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(state.commits).toBeLessThan(order.length);
    runner.stop();
  });

  it("answers redelivered jobs from the record without deciding them again", async () => {
    const { ledger, state } = memoryLedger();
    const runner = runnerFor(ledger);
    await runner.start();
    await Promise.all([1, 2, 3].map((jobId) => runner.submit({ jobId, batch: batch(jobId) })));
    await runner.submit({ jobId: 2, batch: batch(2) });
    expect(state.decided).toEqual([1, 2, 3]);
    runner.stop();
  });

  it("decides late jobs (below the cursor, never decided) without moving the cursor", async () => {
    const { ledger, state } = memoryLedger({ cursor: 10 });
    const runner = runnerFor(ledger);
    await runner.start();
    await runner.submit({ jobId: 4, batch: batch(4) });
    expect(state.late).toEqual([4]);
    expect(state.cursor).toBe(10);
    runner.stop();
  });

  it("decides a new batch that came under the id of one it still holds (Redis lost its data) after it", async () => {
    const { ledger, state } = memoryLedger();
    const runner = runnerFor(ledger);
    await runner.start();
    const held = batch(1);
    const newcomer = { ...batch(1), batchId: "00000000-0000-4000-8000-0000000000ff" };
    const [first, second, again] = await Promise.all([
      runner.submit({ jobId: 1, batch: held }),
      runner.submit({ jobId: 1, batch: newcomer }),
      runner.submit({ jobId: 1, batch: newcomer }),
    ]);
    expect([first.batchId, second.batchId, again.batchId]).toEqual([
      held.batchId,
      newcomer.batchId,
      newcomer.batchId,
    ]);
    expect([state.decided, state.late, state.cursor]).toEqual([[1], [1], 1]);
    expect(runner.pendingCount).toBe(0);
    runner.stop();
  });

  it("re-reads the cursor when another owner moved it (fence) and carries on", async () => {
    const { ledger, state } = memoryLedger();
    const runner = runnerFor(ledger);
    await runner.start();
    state.cursor = 2;
    state.decided.push(1, 2);
    const results = await Promise.all(
      [1, 2, 3].map((jobId) => runner.submit({ jobId, batch: batch(jobId) })),
    );
    expect(results).toHaveLength(3);
    expect(state.decided).toEqual([1, 2, 3]);
    runner.stop();
  });

  it("keeps jobs through failed commits and decides them once the database is back", async () => {
    const { ledger, state } = memoryLedger({ failCommits: 2 });
    const runner = runnerFor(ledger);
    await runner.start();
    await Promise.all([1, 2].map((jobId) => runner.submit({ jobId, batch: batch(jobId) })));
    expect(state.decided).toEqual([1, 2]);
    runner.stop();
  });

  it("on stop, rejects every undecided job (and any submitted after) so it can go back to the queue", async () => {
    const { ledger, state } = memoryLedger({ failCommits: 1_000 });
    const runner = runnerFor(ledger);
    await runner.start();
    // Job 2 waits for job 1, and job 1's commits keep failing.
    const undecided = [1, 2, 4].map((jobId) =>
      runner.submit({ jobId, batch: batch(jobId) }).then(
        () => "decided",
        (error: unknown) => error,
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(runner.pendingCount).toBe(3);
    runner.stop();
    const outcomes = await Promise.all(undecided);
    for (const outcome of outcomes) expect(outcome).toBeInstanceOf(RunnerStoppedError);
    expect(runner.pendingCount).toBe(0);
    await expect(runner.submit({ jobId: 5, batch: batch(5) })).rejects.toBeInstanceOf(RunnerStoppedError);
    expect(state.decided).toEqual([]);
  });

  it("waits for a missing job, and skips it only once the queue no longer has it", async () => {
    const { ledger, state } = memoryLedger({ willArrive: (jobId) => jobId !== 1 });
    const runner = runnerFor(ledger, 50);
    await runner.start();
    await runner.submit({ jobId: 2, batch: batch(2) });
    expect(state.skipped).toEqual([1]);
    expect(state.decided).toEqual([2]);
    runner.stop();
  });

  it("skips a run of missing jobs at once, up to the first the queue still has", async () => {
    const { ledger, state } = memoryLedger({ willArrive: (jobId) => jobId === 30 });
    const runner = runnerFor(ledger, 50);
    await runner.start();
    const decided = runner.submit({ jobId: 40, batch: batch(40) });
    await new Promise((resolve) => setTimeout(resolve, 200));
    // 1-29 at once; 30 is still to come, so the runner waits for it.
    expect([state.skipped, state.cursor]).toEqual([[29], 29]);
    const late = runner.submit({ jobId: 30, batch: batch(30) });
    await late;
    // 31-39 go once 30 is decided and they have been missing as long.
    await decided;
    expect(state.skipped).toEqual([29, 39]);
    expect(state.decided).toEqual([30, 40]);
    runner.stop();
  });

  it("decides an unparseable job as empty so the partition has no gap", async () => {
    const { ledger, state } = memoryLedger();
    const runner = runnerFor(ledger);
    await runner.start();
    const [first] = await Promise.all([
      runner.submit({ jobId: 1, batch: null }),
      runner.submit({ jobId: 2, batch: batch(2) }),
    ]);
    expect(first?.decisions).toEqual([]);
    expect(state.decided).toEqual([1, 2]);
    runner.stop();
  });

  it("logs each decision with its reservation id at debug level", async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(String(chunk));
        callback();
      },
    });
    const { ledger } = memoryLedger();
    const ids = ["11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"];
    const runner = createPartitionRunner({
      partition: 3,
      logger: createLogger({ service: "runner-test", level: "debug", destination }),
      maxRequestsPerCommit: 1_000,
      gapCheckMs: 20,
      gapGiveUpMs: 60_000,
      ledger: {
        ...ledger,
        async commitInOrder(cursor, jobs) {
          const results = await ledger.commitInOrder(cursor, jobs);
          for (const result of results.values())
            result.decisions.push(
              {
                kind: "rejected",
                requestId: ids[0] ?? "",
                replayed: false,
                id: ids[0] ?? "",
                sequence: 1_000,
                errorCode: "USAGE_LIMIT_REACHED",
                campaignId: null,
              },
              { kind: "refused", requestId: ids[1] ?? "", errorCode: "CODE_NOT_FOUND" },
            );
          return results;
        },
      },
    });
    await runner.start();
    await runner.submit({ jobId: 1, batch: batch(1) });
    runner.stop();
    const decided = lines.map((line) => JSON.parse(line)).filter((entry) => entry.msg === "decided");
    expect(decided).toEqual([
      expect.objectContaining({
        partition: 3,
        reservationId: ids[0],
        outcome: "USAGE_LIMIT_REACHED",
        sequence: 1_000,
      }),
      expect.objectContaining({ partition: 3, reservationId: ids[1], outcome: "CODE_NOT_FOUND" }),
    ]);
  });
});
