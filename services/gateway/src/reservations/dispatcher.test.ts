import type { ReservationCommand } from "@promo/contracts";
import { createLogger } from "@promo/observability";
import { describe, expect, it } from "vitest";
import { reservationCommand } from "../testing/reservation-command.ts";
import { type Admission, createReservationDispatcher } from "./dispatcher.ts";

const logger = createLogger({ service: "dispatcher-test", level: "silent" });

function command(accountId: string): ReservationCommand {
  return reservationCommand({ accountId });
}

/** A promise with its resolver, to answer admission checks in any order. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

describe("reservation dispatcher", () => {
  it("answers requests the guess limit blocks as limited and queues only the others", async () => {
    const enqueued: string[][] = [];
    const dispatcher = createReservationDispatcher({
      enqueue: async (_partition, batch) => {
        enqueued.push(batch.requests.map((request) => request.accountId));
        return { jobId: 7, queuedAt: 1_795_000_000_000 };
      },
      guessGate: {
        admit: async (commands) =>
          commands.map((request) => ({
            blockedForMs: request.accountId === "guesser" ? 30_000 : 0,
            counted: true,
            addedTo: [],
          })),
        decided: () => undefined,
      },
      batchWindowMs: 0,
      logger,
    });
    const answers = await Promise.all(
      ["first", "guesser", "second"].map((account) => dispatcher.submit(0, command(account)).acceptance),
    );
    expect(answers).toEqual<Admission[]>([
      { kind: "queued", jobId: 7, queuedAt: 1_795_000_000_000, sequence: 7_000 },
      { kind: "limited", blockedForMs: 30_000 },
      { kind: "queued", jobId: 7, queuedAt: 1_795_000_000_000, sequence: 7_001 },
    ]);
    expect(enqueued).toEqual([["first", "second"]]);
  });

  it("enqueues one partition's batches in the order they were cut, whatever order admission answers in", async () => {
    const enqueued: string[] = [];
    const checks: Array<ReturnType<typeof deferred<number[]>>> = [];
    const dispatcher = createReservationDispatcher({
      enqueue: async (_partition, batch) => {
        enqueued.push(batch.requests[0]?.accountId ?? "");
        return { jobId: enqueued.length, queuedAt: 0 };
      },
      guessGate: {
        admit: (commands) => {
          const check = deferred<number[]>();
          checks.push(check);
          return check.promise.then(() =>
            commands.map(() => ({ blockedForMs: 0, counted: true, addedTo: [] })),
          );
        },
        decided: () => undefined,
      },
      batchWindowMs: 0,
      logger,
    });
    const first = dispatcher.submit(0, command("first")).acceptance;
    await new Promise((resolve) => setImmediate(resolve));
    const second = dispatcher.submit(0, command("second")).acceptance;
    await new Promise((resolve) => setImmediate(resolve));
    expect(checks).toHaveLength(2);
    checks[1]?.resolve([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(enqueued).toEqual([]);
    checks[0]?.resolve([]);
    expect(await first).toMatchObject({ kind: "queued", jobId: 1 });
    expect(await second).toMatchObject({ kind: "queued", jobId: 2 });
    expect(enqueued).toEqual(["first", "second"]);
  });

  it("tells the guess limit each batch's decisions with each request's admission", async () => {
    const told: { accountId: string; added: readonly string[]; kind: string }[] = [];
    let batchId = "";
    const dispatcher = createReservationDispatcher({
      enqueue: async (_partition, batch) => {
        batchId = batch.batchId;
        return { jobId: 5, queuedAt: 0 };
      },
      guessGate: {
        admit: async (commands) =>
          commands.map((request) => ({
            blockedForMs: 0,
            counted: true,
            addedTo: [`sets-of-${request.accountId}`],
          })),
        decided: (entries) => {
          for (const { command, admission, decision } of entries)
            told.push({ accountId: command.accountId, added: admission.addedTo, kind: decision.kind });
        },
      },
      batchWindowMs: 0,
      logger,
    });
    const commands = ["winner", "late"].map((account) => command(account));
    const submitted = commands.map((request) => dispatcher.submit(0, request));
    await Promise.all(submitted.map((request) => request.acceptance));
    dispatcher.deliver({
      batchId,
      decisions: commands.map((request) => ({
        kind: "rejected" as const,
        requestId: request.id,
        replayed: false,
        id: request.id,
        sequence: 5_000,
        errorCode: "USAGE_LIMIT_REACHED",
        campaignId: null,
      })),
    });
    await Promise.all(submitted.map((request) => request.decision));
    expect(told).toEqual([
      { accountId: "winner", added: ["sets-of-winner"], kind: "rejected" },
      { accountId: "late", added: ["sets-of-late"], kind: "rejected" },
    ]);
  });

  it("lets a batch through when the guess limit cannot be checked", async () => {
    const dispatcher = createReservationDispatcher({
      enqueue: async () => ({ jobId: 3, queuedAt: 0 }),
      guessGate: {
        admit: async () => {
          throw new Error("redis down");
        },
        decided: () => undefined,
      },
      batchWindowMs: 0,
      logger,
    });
    expect(await dispatcher.submit(0, command("shopper")).acceptance).toMatchObject({
      kind: "queued",
      jobId: 3,
      sequence: 3_000,
    });
  });
});
