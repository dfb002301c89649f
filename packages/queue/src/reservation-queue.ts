import {
  findUnstorableText,
  RESERVATION_QUEUE_CATALOG,
  type ReservationBatchJob,
  type ReservationBatchResult,
  type ReservationBatchSummary,
  type ReservationResultsMessage,
  ReservationResultsMessageSchema,
} from "@promo/contracts";
import { type Job, type Queue, WaitingError, Worker, type WorkerOptions } from "bullmq";
import { ensureJobIdFloor } from "./id-floor.ts";
import { parseJsonMessage } from "./json.ts";
import { partitionKey, reservationQueueName } from "./partitions.ts";
import { queueOnSharedConnection, type RedisConnection } from "./redis.ts";
import { assertRedisNotLost } from "./unavailable.ts";

export const RESERVE_BATCH_JOB = "reserve-batch";
const CATALOG_ENTRY = RESERVATION_QUEUE_CATALOG[RESERVE_BATCH_JOB];

export type ReservationQueueOptions = {
  connection: RedisConnection;
  /** Key prefix; tests use a unique one per file. */
  prefix: string;
  /** Last job id PostgreSQL recorded as decided for the partition (see ensureJobIdFloor). */
  readJobIdFloor: (partition: number) => Promise<number>;
};

/** Producer side of the partitioned reservation queues. */
export function createReservationQueues(options: ReservationQueueOptions) {
  const queues = new Map<number, Queue>();

  function queueFor(partition: number): Queue {
    let queue = queues.get(partition);
    if (!queue) {
      queue = queueOnSharedConnection(reservationQueueName(partition), {
        connection: options.connection,
        prefix: options.prefix,
        defaultJobOptions: {
          attempts: 1,
          removeOnComplete: { count: 1_000 },
          removeOnFail: { count: 10_000 },
        },
      });
      queues.set(partition, queue);
    }
    return queue;
  }

  return {
    /**
     * Adds one batch; resolves to its job id, which is its position in the partition's queue. The
     * batch is typed, built from validated requests, and parsed again by the worker that takes it
     * (createPartitionWorker): not re-parsed here, on the gateway's hot path.
     */
    async enqueue(partition: number, batch: ReservationBatchJob): Promise<QueuedBatch> {
      // Redis away: refused at once, so a partition's batches waiting their turn fail in moments
      // (503 with Retry-After) instead of one reconnect cycle each.
      assertRedisNotLost(options.connection);
      await ensureJobIdFloor(options.connection, partitionKey(options.prefix, partition, "id"), () =>
        options.readJobIdFloor(partition),
      );
      const job = await queueFor(partition).add(RESERVE_BATCH_JOB, batch);
      const jobId = Number(job.id);
      if (!Number.isSafeInteger(jobId)) throw new Error(`unexpected job id ${String(job.id)}`);
      return { jobId, queuedAt: job.timestamp };
    },
    queueFor,
    /**
     * When the partition's job `jobId` was queued (its BullMQ `timestamp`, ms), or null when the
     * queue holds no such job: decided and removed since, or lost with Redis's data. After a loss
     * BullMQ numbers jobs again from the last decided id, so the same id may come to name another
     * batch, queued at another time. One field is read, not the batch (up to 500 requests).
     */
    async queuedAtOf(partition: number, jobId: number): Promise<number | null> {
      const stamp = await options.connection.hget(queueFor(partition).toKey(String(jobId)), "timestamp");
      return stamp === null ? null : Number(stamp);
    },
    async close(): Promise<void> {
      await Promise.all([...queues.values()].map((queue) => queue.close()));
    },
  };
}
export type ReservationQueues = ReturnType<typeof createReservationQueues>;

/** A batch as queued: its job id (its position in the partition) and when it was queued (ms). */
export type QueuedBatch = { jobId: number; queuedAt: number };

/** The pub/sub channel on which one gateway hears the results of the batches it enqueued. */
export function reservationResultsChannel(prefix: string, gatewayId: string): string {
  return `${prefix}:reservation-results:${gatewayId}`;
}

/**
 * Batch results addressed to this gateway (its own channel, so a gateway reads its own answers
 * only, however many gateways there are), delivered to one callback. A message that does not parse
 * is reported as an error, not thrown. The connection becomes a subscriber: give it a dedicated one.
 * A result missed while the connection was down is not replayed: its requests answer 202 PENDING
 * after their wait and the record in PostgreSQL has the decision.
 */
export function subscribeReservationResults(options: {
  connection: RedisConnection;
  channel: string;
  onResult: (result: ReservationBatchResult) => void;
  /** A message that does not parse; the connection's own errors are its owner's to watch. */
  onError: (error: Error) => void;
}): { ready: Promise<void>; close(): Promise<void> } {
  const { connection, channel } = options;
  connection.on("message", (from: string, message: string) => {
    if (from !== channel) return;
    const parsed = ReservationResultsMessageSchema.safeParse(parseJsonMessage(message));
    if (parsed.success) for (const result of parsed.data.results) options.onResult(result);
    else options.onError(new Error(`unparseable reservation results: ${parsed.error.message}`));
  });
  return {
    /** Resolves once Redis confirmed the subscription (the gateway serves meanwhile). */
    ready: connection.subscribe(channel).then(() => undefined),
    async close() {
      await connection.unsubscribe(channel).catch(() => undefined);
      connection.disconnect();
    },
  };
}

/** Tells the gateway waiting on `channel` committed batches' results (PUBLISH; nobody listening is fine). */
export async function publishReservationResults(
  redis: RedisConnection,
  channel: string,
  results: readonly ReservationBatchResult[],
): Promise<void> {
  const message: ReservationResultsMessage = { results: [...results] };
  await redis.publish(channel, JSON.stringify(message));
}

export type ReservationJob = Job<unknown, ReservationBatchSummary>;

/** BullMQ states in which a job will still be handed to a worker. */
export const DELIVERABLE_JOB_STATES: readonly string[] = [
  "waiting",
  "active",
  "delayed",
  "prioritized",
  "waiting-children",
];

/**
 * A partition processor's answer for a job it gives up undecided (the worker is giving the partition
 * up): the job goes back to the queue at once, for the partition's next owner.
 */
export const HAND_BACK = Symbol("hand the job back to the queue");

/**
 * A BullMQ worker on one partition. The processor gets the parsed payload, or null when it does not
 * parse (that job is then decided as empty, never retried: the partition must not keep a gap). It
 * must not throw for transient trouble: it keeps the job until decided, or answers HAND_BACK.
 * Stalled jobs go back to the queue forever rather than to `failed`, for the same reason. The job
 * keeps a summary of its result (the decisions themselves go to the gateway's channel and to
 * PostgreSQL).
 */
export function createPartitionWorker(options: {
  partition: number;
  connection: RedisConnection;
  prefix: string;
  concurrency: number;
  lockDurationMs: number;
  processor: (
    job: ReservationJob,
    batch: ReservationBatchJob | null,
  ) => Promise<ReservationBatchResult | typeof HAND_BACK>;
  workerName: string;
}): Worker<unknown, ReservationBatchSummary> {
  const workerOptions: WorkerOptions = {
    connection: options.connection,
    prefix: options.prefix,
    name: options.workerName,
    concurrency: options.concurrency,
    lockDuration: options.lockDurationMs,
    stalledInterval: Math.max(1_000, Math.floor(options.lockDurationMs / 2)),
    maxStalledCount: Number.MAX_SAFE_INTEGER,
    drainDelay: 1,
    autorun: true,
  };
  return new Worker<unknown, ReservationBatchSummary>(
    reservationQueueName(options.partition),
    async (job, token) => {
      // A batch PostgreSQL could not store (U+0000 or a lone surrogate in a string; the gateway refuses
      // those) would fail every commit of the partition: it is decided as unparseable instead.
      const parsed = CATALOG_ENTRY.payload.safeParse(job.data);
      const batch = parsed.success && findUnstorableText(parsed.data) === null ? parsed.data : null;
      const result = await options.processor(job, batch);
      if (result === HAND_BACK) {
        // Where this fails (the lock is gone, Redis is away) the job's lock lapses instead and the
        // next owner's stalled check re-queues it. Either way BullMQ leaves the job alone now.
        await job.moveToWait(token).catch(() => undefined);
        throw new WaitingError();
      }
      return { batchId: result.batchId, decisions: result.decisions.length };
    },
    workerOptions,
  );
}
