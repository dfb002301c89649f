import { randomUUID } from "node:crypto";
import { createHistoryCleanup, type Database, pingDatabase, poolSql } from "@promo/db";
import type { OutsideGroupsAlertSettings } from "@promo/domain";
import { createOutageLog, type Logger } from "@promo/observability";
import {
  acquireLease,
  createPartitionWorker,
  createRedisConnection,
  DELIVERABLE_JOB_STATES,
  HAND_BACK,
  isRedisConnectionFailure,
  isRedisUnavailable,
  partitionKey,
  publishReservationResults,
  queueOnSharedConnection,
  type RedisTarget,
  releaseLease,
  renewLease,
  reservationQueueName,
  watchRedisConnection,
} from "@promo/queue";
import { sweepExpiredHolds } from "./handlers/expire-holds.ts";
import { createReservationLedger } from "./handlers/reservation-ledger.ts";
import type { WorkerMetrics } from "./metrics.ts";
import { createPartitionOwnership, type OwnedPartition } from "./partition-ownership.ts";
import { createPartitionRunner, RunnerStoppedError } from "./partition-runner.ts";
import { createResultPublisher } from "./result-publisher.ts";

export type ReservationWorkerDeps = {
  database: Database;
  redis: RedisTarget;
  logger: Logger;
  clock: () => Date;
  settings: {
    prefix: string;
    partitionCount: number;
    holdMs: number;
    concurrency: number;
    maxRequestsPerCommit: number;
    jobLockMs: number;
    leaseMs: number;
    sweepIntervalMs: number;
    /** Idempotency-Key records older than this are removed by the sweeper; 0 keeps them. */
    idempotencyRetentionMs: number;
    outsideGroupsAlert: OutsideGroupsAlertSettings;
  };
  workerId?: string;
  /** Told about group commits, committed runs and queue waits. */
  metrics?: Pick<WorkerMetrics, "committed" | "groupCommitted" | "jobTaken">;
};

/** How long a partition given up normally may take to decide the jobs it holds. */
const SHUTDOWN_DRAIN_MS = 10_000;
/** How long undecided jobs may take to go back to the queue (Redis round trips) before the fallback. */
const HAND_BACK_MS = 5_000;

/**
 * The reservation worker: owns a fair share of the queue partitions and decides their jobs in
 * order; one of the workers (by lease) also sweeps run-out holds and removes old Idempotency-Key
 * records.
 */
export function createReservationWorker(deps: ReservationWorkerDeps) {
  const { settings, logger } = deps;
  const workerId = deps.workerId ?? `worker-${randomUUID().slice(0, 8)}`;
  const control = createRedisConnection(deps.redis, "producer", `${workerId}-control`);
  const redisOutages = createOutageLog({ logger, dependency: "redis" });
  watchRedisConnection(control, redisOutages, "control", (error) =>
    logger.warn({ err: error.message }, "redis control connection error"),
  );

  const reservations = createReservationLedger({
    database: deps.database,
    clock: deps.clock,
    holdMs: settings.holdMs,
    outsideGroupsAlert: settings.outsideGroupsAlert,
    onGroupCommitted: deps.metrics?.groupCommitted,
  });

  const results = createResultPublisher({
    send: (channel, committed) => publishReservationResults(control, channel, committed),
    onError: (error, channel) =>
      logger.warn({ err: error, channel }, "could not publish batch results; those requests answer 202"),
  });

  async function startPartition(partition: number): Promise<OwnedPartition> {
    const queueName = reservationQueueName(partition);
    const connection = createRedisConnection(deps.redis, "blocking", `${workerId}-p${partition}`);
    // Its other errors reach the queue worker's "error" listener below.
    watchRedisConnection(connection, redisOutages, `partition ${partition}`, () => undefined);
    const queue = queueOnSharedConnection(queueName, { connection: control, prefix: settings.prefix });
    const ledger = reservations.forPartition(partition, queueName, async (jobId) =>
      DELIVERABLE_JOB_STATES.includes(await queue.getJobState(String(jobId))),
    );
    const runner = createPartitionRunner({
      partition,
      ledger,
      logger: logger.child({ partition }),
      maxRequestsPerCommit: settings.maxRequestsPerCommit,
      gapCheckMs: 250,
      gapGiveUpMs: settings.jobLockMs * 3,
      onCommitted: deps.metrics?.committed,
    });
    await runner.start();
    const worker = createPartitionWorker({
      partition,
      connection,
      prefix: settings.prefix,
      concurrency: settings.concurrency,
      lockDurationMs: settings.jobLockMs,
      workerName: workerId,
      processor: async (job, batch) => {
        deps.metrics?.jobTaken(job.timestamp);
        if (!batch)
          logger.error({ partition, jobId: job.id }, "unparseable reservation job; deciding it as empty");
        const result = await runner
          .submit({ jobId: Number(job.id), batch })
          .catch((error: unknown): typeof HAND_BACK => {
            if (error instanceof RunnerStoppedError) return HAND_BACK;
            throw error;
          });
        // Committed: the gateway that enqueued the batch hears it now, without holding up the job.
        if (result !== HAND_BACK && batch?.replyTo) results.publish(batch.replyTo, result);
        return result;
      },
    });
    // While Redis is away each of a partition's connections fails every reconnect attempt: the
    // outage log above reports the outage once, so those failures go to debug.
    worker.on("error", (error) =>
      logger[isRedisConnectionFailure(error) ? "debug" : "warn"](
        { err: error.message, partition },
        "partition worker error",
      ),
    );
    return {
      async stop({ decideFirst }) {
        const graceMs = decideFirst ? SHUTDOWN_DRAIN_MS : 0;
        // Stop fetching and let the runner decide what it holds, for up to the grace period.
        // The runner keeps deciding until the queue worker has closed: a fetch already in flight
        // can still hand it a job.
        const closing = worker.close().then(
          () => true,
          () => true,
        );
        const drained = await runner.settled(graceMs);
        const closed =
          drained &&
          (await Promise.race([closing, sleep(graceMs).then(() => false)])) &&
          (await runner.settled(graceMs));
        // Jobs still undecided go back to the front of the queue for the next owner, never to
        // `failed` (stalled-job recovery is the fallback where that cannot be done).
        const undecided = runner.pendingCount;
        runner.stop();
        if (!closed) {
          if (undecided > 0)
            logger.warn({ partition, pending: undecided }, "handing undecided jobs back to the queue");
          const handedBack = await Promise.race([closing, sleep(HAND_BACK_MS).then(() => false)]);
          // Redis away: the jobs could not be moved. Stopping the lock renewals lets their locks
          // lapse within JOB_LOCK_MS; the next owner's stalled check then re-queues them.
          if (!handedBack) await stopLockRenewal(worker);
        }
        await queue.close().catch(() => undefined);
        connection.disconnect();
      },
    };
  }

  const heartbeatMs = Math.max(250, Math.floor(settings.leaseMs / 4));
  const ownership = createPartitionOwnership({
    redis: control,
    workerId,
    partitionCount: settings.partitionCount,
    leaseKey: (partition) => partitionKey(settings.prefix, partition, "owner"),
    registryKey: `${settings.prefix}:reservation-workers`,
    leaseMs: settings.leaseMs,
    heartbeatMs,
    logger,
    start: startPartition,
    canDecide: () => pingDatabase(deps.database.pool, Math.max(1_000, heartbeatMs)),
  });

  const sweeperLease = `${settings.prefix}:expiry-sweeper`;
  let sweepTimer: NodeJS.Timeout | null = null;
  let sweeping: Promise<void> | null = null;
  let holdsSweeper = false;
  const idempotencyCleanup = createHistoryCleanup({
    history: "idempotencyRecords",
    retentionMs: settings.idempotencyRetentionMs,
    clock: deps.clock,
  });

  async function sweep(): Promise<void> {
    if (ownership.steppedAside()) {
      // This worker cannot reach PostgreSQL: another one sweeps meanwhile.
      if (holdsSweeper) await releaseLease(control, sweeperLease, workerId);
      holdsSweeper = false;
      return;
    }
    holdsSweeper = holdsSweeper
      ? await renewLease(control, sweeperLease, workerId, settings.sweepIntervalMs * 5)
      : await acquireLease(control, sweeperLease, workerId, settings.sweepIntervalMs * 5);
    if (!holdsSweeper) return;
    const expired = await sweepExpiredHolds(deps.database, deps.clock());
    if (expired > 0) logger.info({ expired }, "expired run-out holds");
    const removed = await idempotencyCleanup.runIfDue(poolSql(deps.database.pool)).catch((error: unknown) => {
      logger.warn({ err: error }, "Idempotency-Key cleanup failed");
      return 0;
    });
    if (removed > 0) logger.info({ removed }, "removed old Idempotency-Key records");
  }

  function scheduleSweep(): void {
    sweepTimer = setTimeout(() => {
      sweeping = sweep()
        // Redis away is the outage log's to report (once), not every sweep's.
        .catch((error: unknown) =>
          logger[isRedisUnavailable(error) ? "debug" : "warn"]({ err: error }, "expiry sweep failed"),
        )
        .finally(() => {
          sweeping = null;
          if (sweepTimer) scheduleSweep();
        });
    }, settings.sweepIntervalMs);
  }

  return {
    workerId,
    async start(): Promise<void> {
      await ownership.start();
      scheduleSweep();
      logger.info({ workerId, partitions: ownership.owned() }, "reservation worker started");
    },
    ownedPartitions: () => ownership.owned(),
    async stop(): Promise<void> {
      if (sweepTimer) clearTimeout(sweepTimer);
      sweepTimer = null;
      await sweeping;
      if (holdsSweeper) await releaseLease(control, sweeperLease, workerId).catch(() => undefined);
      await ownership.stop();
      control.disconnect();
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/**
 * Stops a BullMQ worker renewing the locks of the jobs it holds. Its lock manager is not public
 * API: where it is missing, closing the worker's connection (which stop does next) makes every
 * renewal fail all the same.
 */
async function stopLockRenewal(worker: object): Promise<void> {
  const { lockManager } = worker as { lockManager?: { close?: () => Promise<void> } };
  await lockManager?.close?.().catch(() => undefined);
}
