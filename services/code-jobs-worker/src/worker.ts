import type { CodeJobPayload } from "@promo/contracts";
import {
  type Database,
  failUnfinishedJob,
  type JobProblem,
  poolSql,
  refreshCodeStatistics,
  requeueJob,
  startJob,
} from "@promo/db";
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

/** Tries at recording a job the queue gave up on, a second apart, then more apart. */
const GIVE_UP_RECORD_TRIES = 4;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Why a job ends failed once the queue gave up on it (its attempts ran out, or it stalled too
 * often). The cause stays in the worker's log: it may be an internal error, not the merchant's.
 */
export function gaveUpProblem(kind: string | undefined, attempts: number): JobProblem {
  const after =
    kind === "import_codes"
      ? "nothing was imported; upload the file again"
      : kind === "generate_codes"
        ? "the codes made before it stopped are kept (result.generated); start a new job for the rest"
        : "start a new job";
  return {
    row: null,
    value: "",
    reason: "job_gave_up",
    message: `the job could not be finished after ${attempts} attempt${attempts === 1 ? "" : "s"} and was given up: ${after}`,
  };
}

/**
 * Runs generation and import jobs from their own queue, so a merchant's million-code job never
 * competes with checkout reservations for a worker. The `job` row decides what is left to do.
 */
export function createCodeJobsRunner(deps: CodeJobsWorkerDeps) {
  const { logger } = deps;
  let worker: Worker | null = null;
  let connection: RedisConnection | null = null;
  let stopping = false;
  /** Jobs the queue gave up on, being recorded as failed (stop() waits for them). */
  const recording = new Set<Promise<void>>();

  /**
   * Fails the job row of a BullMQ job whose attempts ran out (any reason: an error on each attempt,
   * too many stalls), so that no job reads running for good, and deletes its upload. Tried again a
   * few times when PostgreSQL is away; logged at error when it still cannot be recorded.
   */
  async function recordGivenUp(bullJob: Job, error: Error): Promise<void> {
    const jobId = bullJob.id ?? "";
    const data = bullJob.data as Partial<CodeJobPayload> | undefined;
    const log = logger.child({ jobId, kind: data?.kind });
    if (!UUID.test(jobId)) {
      log.error({ err: error.message }, "code job given up; it names no job row");
      return;
    }
    for (let tried = 1; ; tried += 1) {
      try {
        const failed = await failUnfinishedJob(poolSql(deps.database.pool), jobId, {
          problem: gaveUpProblem(data?.kind, bullJob.attemptsMade),
          now: deps.clock(),
        });
        if (failed) {
          log.error(
            { err: error.message, attempts: bullJob.attemptsMade },
            "code job given up: marked failed",
          );
          if (data?.kind) deps.observer?.finished({ id: jobId, kind: data.kind }, "gave_up");
        }
        return;
      } catch (recordError) {
        if (tried >= GIVE_UP_RECORD_TRIES || stopping) {
          log.error(
            { err: error.message, recordErr: (recordError as Error).message },
            "code job given up, but could not be marked failed: it reads queued or running",
          );
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 1_000 * 2 ** (tried - 1)));
      }
    }
  }

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
      worker.on("failed", (job, error) => {
        logger.warn(
          { jobId: job?.data?.jobId, err: error.message, attempts: job?.attemptsMade },
          "code job attempt failed",
        );
        // BullMQ sets finishedOn only when the job failed for good (no attempt left, or one it
        // may not retry, such as a job that stalled too often); a retried attempt has none.
        if (job && typeof job.finishedOn === "number") {
          const recorded = recordGivenUp(job, error).finally(() => recording.delete(recorded));
          recording.add(recorded);
        }
      });
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
      await Promise.all(recording);
      // BullMQ leaves a connection it was handed open.
      await connection?.quit().catch(() => undefined);
    },
  };
}
