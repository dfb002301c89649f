// Composition root of the code jobs worker: bulk generation and file imports.
import { CodeJobsWorkerEnvSchema, parseEnv } from "@promo/config";
import { createDatabase } from "@promo/db";
import { createLogger } from "@promo/observability";
import { createCodeJobsRunner } from "./worker.ts";

const env = parseEnv(CodeJobsWorkerEnvSchema, process.env);
const logger = createLogger({ service: "code-jobs-worker", level: env.LOG_LEVEL });
const database = createDatabase({
  databaseUrl: env.DATABASE_URL,
  maxConnections: env.DATABASE_POOL_SIZE,
  applicationName: "promo-code-jobs-worker",
  onPoolError: (error) => logger.warn({ err: error }, "postgres pool error"),
});

const runner = createCodeJobsRunner({
  database,
  redisUrl: env.REDIS_URL,
  logger,
  clock: () => new Date(),
  settings: {
    prefix: env.QUEUE_PREFIX,
    concurrency: env.CODE_JOBS_CONCURRENCY,
    lockMs: env.CODE_JOB_LOCK_MS,
    generationBatchSize: env.GENERATION_BATCH_SIZE,
  },
});
runner.start();
logger.info({ concurrency: env.CODE_JOBS_CONCURRENCY }, "code jobs worker started");

const SHUTDOWN_DEADLINE_MS = 60_000;
let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  setTimeout(() => {
    logger.error("shutdown took too long; exiting (the job resumes elsewhere)");
    process.exit(1);
  }, SHUTDOWN_DEADLINE_MS).unref();
  logger.info({ signal }, "code jobs worker stopping: finishing the batch in hand");
  await runner.stop();
  await database.close();
  logger.info("code jobs worker stopped");
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
