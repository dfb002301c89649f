import type { CodeJobPayload } from "@promo/contracts";
import {
  type Database,
  failUnfinishedJob,
  findUntouchedUnfinishedJobs,
  type JobProblem,
  poolSql,
  refreshCodeStatistics,
  requeueJob,
  startJob,
} from "@promo/db";
import { jobProblem } from "@promo/domain";
import { createOutageLog, type Logger } from "@promo/observability";
import {
  type CodeJobsQueue,
  createCodeJobsQueue,
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
  settings: {
    prefix: string;
    concurrency: number;
    lockMs: number;
    generationBatchSize: number;
    /**
     * How often the worker looks for jobs the queue no longer holds (Redis lost its data, or a
     * gateway stopped between recording a job and queueing it); a job is looked at once its row has
     * not moved for this long.
     */
    recoveryMs: number;
  };
  /** Told about job progress and ends (metrics). */
  observer?: {
    progress(job: { id: string; kind: string }, percent: number): void;
    finished(job: { id: string; kind: string }, outcome: string): void;
  };
};

/** Tries at recording a job the queue gave up on, a second apart, then more apart. */
const GIVE_UP_RECORD_TRIES = 4;
/** Most unfinished jobs one recovery round looks at (the oldest first; the next round goes on). */
const RECOVERY_BATCH = 500;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Why a job ends failed once the queue gave up on it (its attempts ran out, or it stalled too
 * often). The cause stays in the worker's log: it may be an internal error, not the merchant's.
 */
export function gaveUpProblem(kind: string | undefined, attempts: number): JobProblem {
  return {
    row: null,
    value: "",
    ...jobProblem("job_gave_up", {
      attempts,
      ...(kind === "import_codes" || kind === "generate_codes" ? { kind } : {}),
    }),
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
  /** The queue as a producer sees it, for the recovery rounds. */
  let queue: CodeJobsQueue | null = null;
  let producer: RedisConnection | null = null;
  let recoveryTimer: NodeJS.Timeout | null = null;
  let recovery: Promise<void> = Promise.resolve();

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

  /**
   * The `job` row is the record; the queue only carries work. A job whose row is unfinished but
   * that the queue no longer holds (Redis lost its data: it keeps none on disk; or a gateway stopped
   * between recording the job and queueing it) is queued again, and the row decides what is left to
   * do. A job the queue gave up on whose failure could not be recorded then is failed now. Only
   * rows untouched for `recoveryMs` are looked at (a gateway queues a job right after recording it).
   * Every worker runs these rounds: queueing a job id twice adds it once, failing is conditional,
   * and a job queued again after it finished finds its row finished and does nothing.
   */
  async function recoverLostJobs(jobsQueue: CodeJobsQueue): Promise<void> {
    const sql = poolSql(deps.database.pool);
    const untouchedSince = new Date(deps.clock().getTime() - deps.settings.recoveryMs);
    const jobs = await findUntouchedUnfinishedJobs(sql, { untouchedSince, limit: RECOVERY_BATCH });
    for (const job of jobs) {
      if (stopping) return;
      const state = await jobsQueue.queue.getJobState(job.id);
      if (state === "unknown") {
        // Its run, if it read running, went with the queue's record of it.
        await requeueJob(sql, job.id, deps.clock());
        await jobsQueue.enqueue({ jobId: job.id, storeId: job.storeId, kind: job.kind });
        logger.warn(
          { jobId: job.id, kind: job.kind, state: job.state },
          "code job missing from the queue (Redis lost it, or it was never queued): queued again",
        );
      } else if (state === "failed") {
        const given = await jobsQueue.queue.getJob(job.id);
        if (given) await recordGivenUp(given, new Error(given.failedReason || "failed"));
      } else if (state === "completed") {
        logger.error({ jobId: job.id, kind: job.kind }, "code job completed in the queue but unfinished");
      }
    }
  }

  function scheduleRecovery(delayMs: number): void {
    if (stopping || !queue) return;
    const jobsQueue = queue;
    recoveryTimer = setTimeout(() => {
      recovery = recoverLostJobs(jobsQueue)
        .catch((error: unknown) => {
          const level = isRedisConnectionFailure(error) ? "debug" : "warn";
          logger[level]({ err: (error as Error).message }, "code job recovery round failed; trying again");
        })
        .finally(() => scheduleRecovery(deps.settings.recoveryMs));
    }, delayMs);
    recoveryTimer.unref();
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
      producer = createRedisConnection(deps.redis, "producer", "code-jobs-recovery");
      // One warn per Redis outage; the worker's "error" event below repeats each of this
      // connection's errors and its own blocking connection's, so failures to connect go to debug.
      const redisOutages = createOutageLog({ logger, dependency: "redis" });
      watchRedisConnection(connection, redisOutages, "code jobs", () => undefined);
      watchRedisConnection(producer, redisOutages, "code jobs recovery", () => undefined);
      queue = createCodeJobsQueue({ connection: producer, prefix: deps.settings.prefix });
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
      // The first round soon after start: a worker restarted after Redis lost its data finds the
      // jobs that were queued (those untouched for recoveryMs).
      scheduleRecovery(Math.min(1_000, deps.settings.recoveryMs));
    },
    /**
     * Running generations stop after the batch in hand and go back to the queue (no attempt spent;
     * the next worker resumes from the codes already made); an import finishes its transaction.
     */
    async stop(): Promise<void> {
      stopping = true;
      if (recoveryTimer) clearTimeout(recoveryTimer);
      await worker?.close();
      await recovery;
      await Promise.all(recording);
      await queue?.close();
      // BullMQ leaves a connection it was handed open.
      await Promise.all([connection, producer].map((open) => open?.quit().catch(() => undefined)));
    },
  };
}
