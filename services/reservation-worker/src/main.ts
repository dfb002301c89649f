// Composition root of a reservation worker process.
import { parseServiceEnv, ReservationWorkerEnvSchema } from "@promo/config";
import { createDatabase } from "@promo/db";
import { createLogger, exitOnStopSignals, type MetricsServer, serveMetrics } from "@promo/observability";
import { createWorkerMetrics } from "./metrics.ts";
import { createReservationWorker } from "./worker.ts";

const env = parseServiceEnv(ReservationWorkerEnvSchema, "reservation-worker");
const logger = createLogger({ service: "reservation-worker", level: env.LOG_LEVEL });
const database = createDatabase({
  databaseUrl: env.DATABASE_URL,
  maxConnections: env.DATABASE_POOL_SIZE,
  applicationName: "promo-reservation-worker",
  // A group commit's BEGIN and COMMIT ride with its statements (withPgTransaction).
  pipeline: true,
  onPoolError: (error) => logger.warn({ err: error }, "postgres pool error"),
});

let ownedPartitions: () => readonly number[] = () => [];
const metrics = createWorkerMetrics({ ownedPartitions: () => ownedPartitions() });
const worker = createReservationWorker({
  metrics,
  database,
  redis: { url: env.REDIS_URL, cluster: env.REDIS_CLUSTER },
  logger,
  clock: () => new Date(),
  workerId: env.WORKER_ID,
  settings: {
    prefix: env.QUEUE_PREFIX,
    partitionCount: env.RESERVATION_PARTITIONS,
    holdMs: env.RESERVATION_TTL_MS,
    concurrency: env.WORKER_CONCURRENCY,
    maxRequestsPerCommit: env.MAX_REQUESTS_PER_COMMIT,
    jobLockMs: env.JOB_LOCK_MS,
    leaseMs: env.PARTITION_LEASE_MS,
    sweepIntervalMs: env.EXPIRY_SWEEP_INTERVAL_MS,
    idempotencyRetentionMs: env.IDEMPOTENCY_RETENTION_HOURS * 3_600_000,
    outsideGroupsAlert: {
      windowSeconds: env.OUTSIDE_GROUPS_ALERT_WINDOW_SECONDS,
      minAccounts: env.OUTSIDE_GROUPS_ALERT_MIN_ACCOUNTS,
      outsidePercent: env.OUTSIDE_GROUPS_ALERT_PERCENT,
    },
  },
});
await worker.start();
ownedPartitions = worker.ownedPartitions;
const metricsServer: MetricsServer | null =
  env.METRICS_PORT > 0 ? await serveMetrics(metrics.registry, { port: env.METRICS_PORT, logger }) : null;

exitOnStopSignals(logger, async (signal) => {
  logger.info({ signal }, "reservation worker stopping: finishing decided batches, handing the rest back");
  await worker.stop();
  await Promise.allSettled([database.close(), metricsServer?.close()]);
  logger.info("reservation worker stopped");
});
