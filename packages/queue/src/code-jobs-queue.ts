import { CODE_JOB_NAMES, CODE_JOBS_QUEUE, type CodeJobPayload, CodeJobPayloadSchema } from "@promo/contracts";
import { type Job, Worker } from "bullmq";
import { queueOnSharedConnection, type RedisConnection } from "./redis.ts";

/**
 * Producer side of the code jobs queue (generation, import). The job carries only a pointer to the
 * `job` row; PostgreSQL holds the state, so a job that runs twice resumes instead of redoing work.
 */
export function createCodeJobsQueue(options: { connection: RedisConnection; prefix: string }) {
  const queue = queueOnSharedConnection(CODE_JOBS_QUEUE, {
    connection: options.connection,
    prefix: options.prefix,
    defaultJobOptions: {
      attempts: 5,
      backoff: { type: "exponential", delay: 2_000 },
      removeOnComplete: { count: 1_000 },
      removeOnFail: { count: 10_000 },
    },
  });
  return {
    queue,
    async enqueue(payload: CodeJobPayload): Promise<void> {
      const data = CodeJobPayloadSchema.parse(payload);
      // The job row's id is the BullMQ job id: enqueueing the same job twice adds it once.
      await queue.add(CODE_JOB_NAMES[data.kind], data, { jobId: data.jobId });
    },
    close: () => queue.close(),
  };
}
export type CodeJobsQueue = ReturnType<typeof createCodeJobsQueue>;

/**
 * Consumer side. A crashed worker's job comes back after `lockMs` (BullMQ's stalled-job check) and
 * runs again from what PostgreSQL recorded. A payload that does not parse fails the job, it never
 * crashes the process.
 */
export function createCodeJobsWorker(options: {
  connection: RedisConnection;
  prefix: string;
  concurrency: number;
  lockMs: number;
  /** `token` is the worker's lock on the job (needed to hand it back to the queue). */
  handle: (payload: CodeJobPayload, job: Job, token: string | undefined) => Promise<unknown>;
}): Worker {
  return new Worker(
    CODE_JOBS_QUEUE,
    async (job, token) => {
      const payload = CodeJobPayloadSchema.safeParse(job.data);
      if (!payload.success) throw new Error(`invalid code job payload: ${payload.error.message}`);
      return options.handle(payload.data, job, token);
    },
    {
      connection: options.connection,
      prefix: options.prefix,
      concurrency: options.concurrency,
      lockDuration: options.lockMs,
      stalledInterval: options.lockMs,
      maxStalledCount: 5,
    },
  );
}
