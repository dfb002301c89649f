// Composition root of the code jobs worker: bulk generation and file imports.
import { CodeJobsWorkerEnvSchema, parseServiceEnv } from "@promo/config";
import { createDatabase } from "@promo/db";
import {
  Counter,
  createLogger,
  createMetricsRegistry,
  exitOnStopSignals,
  Gauge,
  type MetricsServer,
  serveMetrics,
} from "@promo/observability";
import { createCodeJobsRunner } from "./worker.ts";

const env = parseServiceEnv(CodeJobsWorkerEnvSchema, "code-jobs-worker");
const logger = createLogger({ service: "code-jobs-worker", level: env.LOG_LEVEL });
const database = createDatabase({
  databaseUrl: env.DATABASE_URL,
  maxConnections: env.DATABASE_POOL_SIZE,
  applicationName: "promo-code-jobs-worker",
  onPoolError: (error) => logger.warn({ err: error }, "postgres pool error"),
});

const registry = createMetricsRegistry("code-jobs-worker");
const jobProgress = new Gauge({
  name: "promo_code_job_progress_percent",
  help: "Progress of each code job this worker is running (0..100); the series goes when the job ends",
  labelNames: ["job_id", "kind"],
  registers: [registry],
});
const jobsFinished = new Counter({
  name: "promo_code_jobs_finished_total",
  help: "Code jobs this worker ran to the end (success or a recorded failure), by kind",
  labelNames: ["kind"],
  registers: [registry],
});
const runner = createCodeJobsRunner({
  observer: {
    progress: (job, percent) => jobProgress.set({ job_id: job.id, kind: job.kind }, percent),
    finished: (job) => {
      jobProgress.remove({ job_id: job.id, kind: job.kind });
      jobsFinished.inc({ kind: job.kind });
    },
  },
  database,
  redis: { url: env.REDIS_URL, cluster: env.REDIS_CLUSTER },
  logger,
  clock: () => new Date(),
  settings: {
    prefix: env.QUEUE_PREFIX,
    concurrency: env.CODE_JOBS_CONCURRENCY,
    lockMs: env.CODE_JOB_LOCK_MS,
    generationBatchSize: env.GENERATION_BATCH_SIZE,
    recoveryMs: env.CODE_JOB_RECOVERY_MS,
  },
});
runner.start();
const metricsServer: MetricsServer | null =
  env.METRICS_PORT > 0 ? await serveMetrics(registry, { port: env.METRICS_PORT, logger }) : null;
logger.info({ concurrency: env.CODE_JOBS_CONCURRENCY }, "code jobs worker started");

exitOnStopSignals(
  logger,
  async (signal) => {
    logger.info({ signal }, "code jobs worker stopping: finishing the batch in hand");
    await runner.stop();
    await Promise.allSettled([database.close(), metricsServer?.close()]);
    logger.info("code jobs worker stopped");
  },
  { deadlineMs: 60_000, lateMessage: "shutdown took too long; exiting (the job resumes elsewhere)" },
);
