import type { CodeJobPayload } from "@promo/contracts";
import { type Database, poolSql, refreshCodeStatistics, requeueJob, startJob } from "@promo/db";
import { createOutageLog, type Logger } from "@promo/observability";
import {
  createCodeJobsWorker,
  createRedisConnection,
  isRedisConnectionFailure,
  type RedisConnection,
  type RedisTarget,
  watchRedisConnection,
} from "@promo/queue";
import { type Job, WaitingError, type Worker } from "bullmq";
import { GenerationInterrupted, runGeneration } from "./handlers/generate-codes.ts";
import { runImport } from "./handlers/import-codes.ts";

export type CodeJobsWorkerDeps = {
  database: Database;
  redis: RedisTarget;
  logger: Logger;
  clock: () => Date;
  settings: { prefix: string; concurrency: number; lockMs: number; generationBatchSize: number };
  /** Told about job progress and ends (metrics). */
  observer?: {
    progress(job: { id: string; kind: string }, percent: number): void;
    finished(job: { id: string; kind: string }, outcome: string): void;
  };
};

/**
 * Runs generation and import jobs from their own queue, so a merchant's million-code job never
 * competes with checkout reservations for a worker. The `job` row decides what is left to do.
 */
export function createCodeJobsRunner(deps: CodeJobsWorkerDeps) {
  const { logger } = deps;
  let worker: Worker | null = null;
  let connection: RedisConnection | null = null;
  let stopping = false;

  async function handle(
    payload: CodeJobPayload,
    bullJob: Job,
    token: string | undefined,
  ): Promise<{ state: string }> {
    const job = await startJob(poolSql(deps.database.pool), payload.jobId, deps.clock());
    if (!job) {
      logger.warn({ jobId: payload.jobId }, "code job row not found; dropping the queue job");
      return { state: "missing" };
    }
    if (job.state === "succeeded" || job.state === "failed") return { state: job.state };
    const log = logger.child({ jobId: job.id, kind: job.kind, campaignId: job.campaignId });
    log.info("code job started");
    const started = Date.now();
    const observed = { id: job.id, kind: job.kind };
    deps.observer?.progress(observed, job.progress);
    let insertedCodes = 0;
    if (job.kind === "generate_codes") {
      insertedCodes = await runGeneration(
        {
          database: deps.database,
          batchSize: deps.settings.generationBatchSize,
          clock: deps.clock,
          onProgress: (progress) => {
            deps.observer?.progress(observed, progress);
            return bullJob.updateProgress(progress);
          },
          stopping: () => stopping,
        },
        job,
      ).catch(async (error: unknown) => {
        if (!(error instanceof GenerationInterrupted)) throw error;
        // Back to the front of the queue without spending an attempt; the next worker resumes it.
        // The job row says queued meanwhile (GET /v1/jobs/:id), not running.
        await requeueJob(poolSql(deps.database.pool), job.id, deps.clock());
        await bullJob.moveToWait(token);
        log.info("code job handed back to the queue (shutting down)");
        throw new WaitingError();
      });
    } else {
      insertedCodes = await runImport({ database: deps.database, clock: deps.clock }, job);
    }
    deps.observer?.finished(observed, "finished");
    log.info(
      { ms: Date.now() - started, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1_024) },
      "code job finished",
    );
    await refreshCodeStatistics(poolSql(deps.database.pool), insertedCodes).then(
      (analyzed) => analyzed && log.info({ insertedCodes }, "code table statistics refreshed"),
      (error: unknown) => log.warn({ err: error }, "could not refresh the code table's statistics"),
    );
    return { state: "finished" };
  }

  return {
    start(): void {
      connection = createRedisConnection(deps.redis, "blocking", "code-jobs-worker");
      // One warn per Redis outage; the worker's "error" event below repeats each of this
      // connection's errors and its own blocking connection's, so failures to connect go to debug.
      watchRedisConnection(
        connection,
        createOutageLog({ logger, dependency: "redis" }),
        "code jobs",
        () => undefined,
      );
      worker = createCodeJobsWorker({
        connection,
        prefix: deps.settings.prefix,
        concurrency: deps.settings.concurrency,
        lockMs: deps.settings.lockMs,
        handle,
      });
      worker.on("failed", (job, error) =>
        logger.warn(
          { jobId: job?.data?.jobId, err: error.message, attempts: job?.attemptsMade },
          "code job attempt failed",
        ),
      );
      worker.on("error", (error) =>
        logger[isRedisConnectionFailure(error) ? "debug" : "warn"](
          { err: error.message },
          "code jobs worker error",
        ),
      );
    },
    /**
     * Running generations stop after the batch in hand and go back to the queue (no attempt spent;
     * the next worker resumes from the codes already made); an import finishes its transaction.
     */
    async stop(): Promise<void> {
      stopping = true;
      await worker?.close();
      // BullMQ leaves a connection it was handed open.
      await connection?.quit().catch(() => undefined);
    },
  };
}
