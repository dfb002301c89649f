import type { ReservationBatchJob, ReservationBatchResult, ReservationDecision } from "@promo/contracts";
import { PartitionFenceError } from "@promo/db";
import type { Logger } from "@promo/observability";

export type RunnerJob = { jobId: number; batch: ReservationBatchJob | null };

/** What the runner needs from the record (PostgreSQL) and the queue. */
export type PartitionLedger = {
  /** Last job id decided for the partition. */
  readCursor(): Promise<number>;
  /**
   * Decides `jobs` (contiguous, starting at cursor + 1) in one transaction and advances the cursor
   * to the last of them. Throws PartitionFenceError when the cursor is not `cursor` any more.
   */
  commitInOrder(cursor: number, jobs: readonly RunnerJob[]): Promise<Map<number, ReservationBatchResult>>;
  /** Results already recorded for jobs at or below the cursor; null for a job never decided. */
  recover(jobs: readonly RunnerJob[]): Promise<Map<number, ReservationBatchResult | null>>;
  /** Decides jobs that arrive below the cursor yet were never decided, without moving the cursor. */
  commitLate(jobs: readonly RunnerJob[]): Promise<Map<number, ReservationBatchResult>>;
  /** Moves the cursor past a job id that exists nowhere (fenced like commitInOrder). */
  skip(cursor: number, jobId: number): Promise<void>;
  /** Whether the queue will still deliver the job (it is waiting, active or delayed). */
  jobWillArrive(jobId: number): Promise<boolean>;
};

export type PartitionRunnerOptions = {
  partition: number;
  ledger: PartitionLedger;
  logger: Logger;
  /** Upper bound of requests decided in one transaction. */
  maxRequestsPerCommit: number;
  /** How long a gap (a missing next job) is waited for before the record is read again. */
  gapCheckMs: number;
  /** After this long, a missing next job that the queue no longer has is skipped. */
  gapGiveUpMs: number;
  /** Told after each in-order run of this partition is committed (metrics). */
  onCommitted?: (results: readonly ReservationBatchResult[], seconds: number) => void;
};

type Entry = {
  job: RunnerJob;
  settle: Array<{ resolve: (result: ReservationBatchResult) => void; reject: (error: Error) => void }>;
};

/** Why an undecided job's submission ends: the runner stopped; the job goes back to the queue. */
export class RunnerStoppedError extends Error {
  override readonly name = "RunnerStoppedError";
}

const RETRY_BASE_MS = 50;
/** Most missing job ids one gap check skips (each is asked of the queue); the next check goes on. */
const GAP_SKIP_MAX = 10_000;
const RETRY_MAX_MS = 2_000;

/**
 * What a decision log line says: the reservation id the gateway logged for the request (an
 * idempotent replay also names the reservation it replays) and the outcome, never the cart.
 */
function decisionLogFields(decision: ReservationDecision) {
  const reservationId = decision.requestId;
  if (decision.kind === "refused") return { reservationId, outcome: decision.errorCode };
  const decided =
    decision.kind === "decided"
      ? {
          id: decision.reservation.id,
          sequence: decision.reservation.sequence,
          outcome: decision.reservation.status,
        }
      : { id: decision.id, sequence: decision.sequence, outcome: decision.errorCode };
  return {
    reservationId,
    sequence: decided.sequence,
    outcome: decided.outcome,
    ...(decided.id !== reservationId ? { replayOf: decided.id } : {}),
  };
}

/**
 * Decides one partition's jobs strictly in job-id order, whatever order BullMQ hands them over in
 * (a stalled job comes back at the front, several stalled ones in any order). Jobs wait in a
 * reorder buffer until every earlier id is decided; whatever is contiguous is decided together in
 * one transaction, so the batch grows with the load (group commit) while the order stays fixed.
 */
export function createPartitionRunner(options: PartitionRunnerOptions) {
  const { ledger, logger } = options;
  const pending = new Map<number, Entry>();
  /**
   * Jobs that came under the id of another batch still pending: after Redis lost its data, BullMQ
   * numbers new jobs from the last decided id again, so a new batch can take the id of one this
   * runner still holds. Each is decided once the holder is (then below the cursor, as a late job).
   */
  const behind = new Map<number, Entry[]>();
  let cursor = 0;
  let draining: Promise<void> | null = null;
  let gapTimer: NodeJS.Timeout | null = null;
  let gapSince: number | null = null;
  let stopped = false;
  let failures = 0;

  function submit(job: RunnerJob): Promise<ReservationBatchResult> {
    return new Promise((resolve, reject) => {
      if (stopped) {
        reject(new RunnerStoppedError(`partition ${options.partition} runner stopped`));
        return;
      }
      const existing = pending.get(job.jobId);
      const waiter = { resolve, reject };
      if (!existing) pending.set(job.jobId, { job, settle: [waiter] });
      else if (sameBatch(existing.job, job)) existing.settle.push(waiter);
      else {
        const queued = behind.get(job.jobId) ?? [];
        const twin = queued.find((entry) => sameBatch(entry.job, job));
        if (twin) twin.settle.push(waiter);
        else behind.set(job.jobId, [...queued, { job, settle: [waiter] }]);
      }
      kick();
    });
  }

  function settle(entry: Entry, result: ReservationBatchResult): void {
    pending.delete(entry.job.jobId);
    for (const waiter of entry.settle) waiter.resolve(result);
    const queued = behind.get(entry.job.jobId);
    const next = queued?.shift();
    if (next) pending.set(next.job.jobId, next);
    if (queued?.length === 0) behind.delete(entry.job.jobId);
  }

  function kick(): void {
    if (draining || stopped) return;
    clearGapTimer();
    draining = drain()
      .catch((error: unknown) =>
        logger.error({ err: error, partition: options.partition }, "partition drain failed"),
      )
      .finally(() => {
        draining = null;
        if (stopped) return;
        if (hasStale() || pending.has(cursor + 1)) kick();
        else if (pending.size > 0) armGapTimer();
      });
  }

  function hasStale(): boolean {
    for (const id of pending.keys()) if (id <= cursor) return true;
    return false;
  }

  function contiguousRun(): Entry[] {
    const run: Entry[] = [];
    let size = 0;
    for (let next = cursor + 1; pending.has(next); next += 1) {
      const entry = pending.get(next);
      if (!entry) break;
      const requests = entry.job.batch?.requests.length ?? 0;
      if (run.length > 0 && size + requests > options.maxRequestsPerCommit) break;
      run.push(entry);
      size += requests;
    }
    return run;
  }

  async function drain(): Promise<void> {
    while (!stopped) {
      const stale = [...pending.values()].filter((entry) => entry.job.jobId <= cursor);
      if (stale.length > 0) {
        await settleStale(stale);
        continue;
      }
      const run = contiguousRun();
      if (run.length === 0) return;
      const started = performance.now();
      try {
        const results = await ledger.commitInOrder(
          cursor,
          run.map((entry) => entry.job),
        );
        const last = run.at(-1);
        if (last) cursor = last.job.jobId;
        failures = 0;
        options.onCommitted?.([...results.values()], (performance.now() - started) / 1_000);
        logDecisions(results.values());
        logger.debug(
          {
            jobs: run.length,
            requests: run.reduce((sum, entry) => sum + (entry.job.batch?.requests.length ?? 0), 0),
            ms: Math.round((performance.now() - started) * 10) / 10,
          },
          "committed",
        );
        gapSince = null;
        for (const entry of run) {
          const result = results.get(entry.job.jobId);
          if (result) settle(entry, result);
        }
      } catch (error) {
        if (error instanceof PartitionFenceError) {
          logger.warn(
            { partition: options.partition, expected: error.expected, actual: error.actual },
            "cursor moved; re-reading",
          );
          cursor = error.actual;
          continue;
        }
        failures += 1;
        const delay = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.min(failures, 6));
        logger.error(
          { err: error, partition: options.partition, attempt: failures, retryInMs: delay },
          "commit failed; retrying",
        );
        await sleep(delay);
      }
    }
  }

  /** One debug line per decision, carrying the reservation id (nothing is built unless debug is on). */
  function logDecisions(results: Iterable<ReservationBatchResult>): void {
    if (!logger.isLevelEnabled("debug")) return;
    for (const result of results)
      for (const decision of result.decisions)
        logger.debug(
          { partition: options.partition, batchId: result.batchId, ...decisionLogFields(decision) },
          "decided",
        );
  }

  /** Jobs at or below the cursor: redeliveries answered from the record, or late jobs decided now. */
  async function settleStale(stale: Entry[]): Promise<void> {
    try {
      const recovered = await ledger.recover(stale.map((entry) => entry.job));
      const late: Entry[] = [];
      for (const entry of stale) {
        const result = recovered.get(entry.job.jobId);
        if (result) settle(entry, result);
        else late.push(entry);
      }
      if (late.length === 0) return;
      logger.warn(
        { partition: options.partition, jobIds: late.map((entry) => entry.job.jobId), cursor },
        "jobs below the cursor were never decided (Redis lost data?); deciding them now",
      );
      const results = await ledger.commitLate(late.map((entry) => entry.job));
      logDecisions(results.values());
      for (const entry of late) {
        const result = results.get(entry.job.jobId);
        if (result) settle(entry, result);
      }
    } catch (error) {
      failures += 1;
      logger.error(
        { err: error, partition: options.partition },
        "recovering redelivered jobs failed; retrying",
      );
      await sleep(Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.min(failures, 6)));
    }
  }

  function armGapTimer(): void {
    if (gapTimer || stopped) return;
    gapSince ??= Date.now();
    gapTimer = setTimeout(() => {
      gapTimer = null;
      void checkGap();
    }, options.gapCheckMs);
  }

  function clearGapTimer(): void {
    if (gapTimer) clearTimeout(gapTimer);
    gapTimer = null;
  }

  /** The next job has not arrived: maybe another worker decided it, maybe it is gone for good. */
  async function checkGap(): Promise<void> {
    try {
      const recorded = await ledger.readCursor();
      if (recorded > cursor) {
        cursor = recorded;
        gapSince = null;
        kick();
        return;
      }
      const waited = Date.now() - (gapSince ?? Date.now());
      if (waited >= options.gapGiveUpMs && !(await ledger.jobWillArrive(cursor + 1))) {
        // The rest of the gap below the next job held has been missing as long: the ids the queue
        // does not have go with it, at once (after PostgreSQL was restored from a backup, or Redis
        // kept a counter PostgreSQL never saw, the gap can be thousands of ids: one by one, each
        // waited gapGiveUpMs).
        const held = Math.min(...[...pending.keys()].filter((id) => id > cursor));
        let last = cursor + 1;
        while (last + 1 < held && last - cursor < GAP_SKIP_MAX && !(await ledger.jobWillArrive(last + 1)))
          last += 1;
        logger.error(
          {
            partition: options.partition,
            jobId: cursor + 1,
            ...(last > cursor + 1 ? { lastJobId: last } : {}),
          },
          last > cursor + 1
            ? "jobs missing from the queue; skipping them"
            : "job missing from the queue; skipping it",
        );
        await ledger.skip(cursor, last);
        cursor = last;
        gapSince = null;
        kick();
        return;
      }
    } catch (error) {
      logger.warn({ err: error, partition: options.partition }, "gap check failed");
    }
    if (pending.size > 0 && !pending.has(cursor + 1)) armGapTimer();
    else kick();
  }

  return {
    async start(): Promise<void> {
      cursor = await ledger.readCursor();
    },
    submit,
    /**
     * Stops deciding. Every buffered job's submission, and any submitted later, rejects with
     * RunnerStoppedError: the caller gives those jobs back to the queue undecided, for the next
     * owner. A commit already in flight may still land; the next owner then finds its results in
     * the record (the cursor fences it).
     */
    stop(): void {
      stopped = true;
      clearGapTimer();
      const undecided = [...pending.values(), ...[...behind.values()].flat()];
      pending.clear();
      behind.clear();
      for (const entry of undecided)
        for (const waiter of entry.settle)
          waiter.reject(new RunnerStoppedError(`partition ${options.partition} runner stopped`));
    },
    /** Resolves once nothing is buffered, or after `timeoutMs`. */
    async settled(timeoutMs: number): Promise<boolean> {
      const deadline = Date.now() + timeoutMs;
      while (pending.size > 0 && Date.now() < deadline) await sleep(20);
      return pending.size === 0;
    },
    get cursor(): number {
      return cursor;
    },
    get pendingCount(): number {
      let waiting = 0;
      for (const queued of behind.values()) waiting += queued.length;
      return pending.size + waiting;
    },
  };
}
export type PartitionRunner = ReturnType<typeof createPartitionRunner>;

/** Whether two deliveries of a job id carry the same batch (a batch that does not parse matches any). */
function sameBatch(a: RunnerJob, b: RunnerJob): boolean {
  return a.batch === null || b.batch === null || a.batch.batchId === b.batch.batchId;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
