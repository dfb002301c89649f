import { randomUUID } from "node:crypto";
import {
  MAX_BATCH_SIZE,
  type ReservationBatchResult,
  type ReservationCommand,
  type ReservationDecision,
  SEQUENCE_STRIDE,
} from "@promo/contracts";
import type { Logger } from "@promo/observability";
import { levelOfRedisFailure } from "@promo/queue";
import type { GateAdmission, ReservationGuessGate } from "../misuse/reservation-guess-gate.ts";

/** What became of a submitted request: queued at a position, or refused by the guess limit. */
export type Admission =
  | { kind: "queued"; jobId: number; queuedAt: number; sequence: number }
  | { kind: "limited"; blockedForMs: number };

type Waiter = {
  command: ReservationCommand;
  /** What the guess limit did when it let the request through (null: not checked). */
  admission: GateAdmission | null;
  accepted: (value: Admission) => void;
  failed: (error: Error) => void;
  decided: (decision: ReservationDecision) => void;
};

type Buffer = { waiters: Waiter[]; timer: NodeJS.Timeout | null };

type InFlight = { waiters: Waiter[]; since: number };

const FORGET_AFTER_MS = 10 * 60_000;

export type DispatcherOptions = {
  /** Resolves to the batch's job id (its position) and when the queue took it (ms). */
  enqueue: (
    partition: number,
    batch: { batchId: string; requests: ReservationCommand[] },
  ) => Promise<{ jobId: number; queuedAt: number }>;
  /**
   * The guess limit: asked once per batch, before anything is queued (a failure lets the batch
   * through), and told each batch's decisions.
   */
  guessGate?: Pick<ReservationGuessGate, "admit" | "decided">;
  /** How long requests for one partition are gathered into one job (0: until the next tick). */
  batchWindowMs: number;
  logger: Logger;
};

/**
 * Gathers reservation requests per partition for a couple of milliseconds and enqueues them as one
 * BullMQ job, so the queue and the worker pay per batch, not per request. The job id BullMQ
 * assigns atomically with the push fixes the requests' order: sequence = jobId × 1000 + index.
 * Batches of one partition are handed to `enqueue` in the order they were cut. Decisions come
 * back through `deliver` (results published by the worker on this gateway's channel).
 */
export function createReservationDispatcher(options: DispatcherOptions) {
  const buffers = new Map<number, Buffer>();
  /** Per partition, the turn of the last batch cut: settles once that batch is enqueued (or dropped). */
  const turns = new Map<number, Promise<void>>();
  const inFlight = new Map<string, InFlight>();
  let sweepTimer: NodeJS.Timeout | null = null;

  function submit(partition: number, command: ReservationCommand) {
    let accepted!: (value: Admission) => void;
    let failed!: (error: Error) => void;
    let decided!: (decision: ReservationDecision) => void;
    const acceptance = new Promise<Admission>((resolve, reject) => {
      accepted = resolve;
      failed = reject;
    });
    const decision = new Promise<ReservationDecision>((resolve) => {
      decided = resolve;
    });
    const buffer = buffers.get(partition) ?? { waiters: [], timer: null };
    buffers.set(partition, buffer);
    buffer.waiters.push({ command, admission: null, accepted, failed, decided });
    if (buffer.waiters.length >= MAX_BATCH_SIZE) {
      void flush(partition);
    } else if (!buffer.timer) {
      buffer.timer =
        options.batchWindowMs > 0
          ? setTimeout(() => void flush(partition), options.batchWindowMs)
          : (setImmediate(() => void flush(partition)) as unknown as NodeJS.Timeout);
    }
    return { acceptance, decision };
  }

  async function flush(partition: number): Promise<void> {
    const buffer = buffers.get(partition);
    if (!buffer || buffer.waiters.length === 0) return;
    if (buffer.timer) clearTimeout(buffer.timer);
    buffers.delete(partition);
    // Job ids are positions: a batch is enqueued only after the one cut before it on this partition.
    const previous = turns.get(partition);
    let release!: () => void;
    const turn = new Promise<void>((resolve) => {
      release = resolve;
    });
    turns.set(partition, turn);
    try {
      const waiters = await admit(buffer.waiters);
      await previous;
      if (waiters.length > 0) await enqueue(partition, waiters);
    } finally {
      release();
      if (turns.get(partition) === turn) turns.delete(partition);
    }
  }

  async function enqueue(partition: number, waiters: Waiter[]): Promise<void> {
    const batchId = randomUUID();
    inFlight.set(batchId, { waiters, since: Date.now() });
    try {
      const { jobId, queuedAt } = await options.enqueue(partition, {
        batchId,
        requests: waiters.map((waiter) => waiter.command),
      });
      waiters.forEach((waiter, index) => {
        waiter.accepted({ kind: "queued", jobId, queuedAt, sequence: jobId * SEQUENCE_STRIDE + index });
      });
    } catch (error) {
      inFlight.delete(batchId);
      const failure = error instanceof Error ? error : new Error(String(error));
      // Redis away is a moment's condition (each request answers 503 with Retry-After); anything
      // else is a fault.
      options.logger[levelOfRedisFailure(failure, "error")](
        { err: failure, partition, requests: waiters.length },
        "enqueue failed",
      );
      for (const waiter of waiters) waiter.failed(failure);
    }
  }

  /** The waiters the guess limit lets through; the others are answered `limited` now. */
  async function admit(waiters: Waiter[]): Promise<Waiter[]> {
    const gate = options.guessGate;
    if (!gate) return waiters;
    const admissions = await gate
      .admit(waiters.map((waiter) => waiter.command))
      .catch((error: unknown): GateAdmission[] => {
        options.logger[levelOfRedisFailure(error, "warn")]({ err: error }, "guess limit not checked");
        return [];
      });
    const passed: Waiter[] = [];
    waiters.forEach((waiter, index) => {
      const admission = admissions[index] ?? null;
      if (admission && admission.blockedForMs > 0) {
        waiter.accepted({ kind: "limited", blockedForMs: admission.blockedForMs });
        return;
      }
      waiter.admission = admission;
      passed.push(waiter);
    });
    return passed;
  }

  /** A batch result from any gateway's batch: only ours are waited for. */
  function deliver(result: ReservationBatchResult): void {
    const batch = inFlight.get(result.batchId);
    if (!batch) return;
    inFlight.delete(result.batchId);
    const byRequest = new Map(result.decisions.map((decision) => [decision.requestId, decision]));
    const checked: Parameters<ReservationGuessGate["decided"]>[0][number][] = [];
    for (const waiter of batch.waiters) {
      const decision = byRequest.get(waiter.command.id);
      if (!decision) continue;
      if (waiter.admission) checked.push({ command: waiter.command, admission: waiter.admission, decision });
      waiter.decided(decision);
    }
    if (checked.length > 0) options.guessGate?.decided(checked);
  }

  function forgetStale(): void {
    const cutoff = Date.now() - FORGET_AFTER_MS;
    for (const [batchId, batch] of inFlight) if (batch.since < cutoff) inFlight.delete(batchId);
  }

  return {
    submit,
    deliver,
    start(): void {
      sweepTimer = setInterval(forgetStale, 60_000);
      sweepTimer.unref();
    },
    /** Sends whatever is buffered now (used on shutdown). */
    async flushAll(): Promise<void> {
      await Promise.all([...buffers.keys()].map((partition) => flush(partition)));
    },
    stop(): void {
      if (sweepTimer) clearInterval(sweepTimer);
    },
    get inFlightBatches(): number {
      return inFlight.size;
    },
  };
}
export type ReservationDispatcher = ReturnType<typeof createReservationDispatcher>;
