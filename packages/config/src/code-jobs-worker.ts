import { z } from "zod";
import {
  BooleanFlagSchema,
  DatabaseUrlSchema,
  LogLevelSchema,
  MetricsPortSchema,
  PositiveIntSchema,
  RedisUrlSchema,
} from "./common.ts";
import { ReservationQueueEnvSchema } from "./reservation-worker.ts";

export const CodeJobsWorkerEnvSchema = ReservationQueueEnvSchema.pick({ QUEUE_PREFIX: true }).extend({
  DATABASE_URL: DatabaseUrlSchema,
  DATABASE_POOL_SIZE: PositiveIntSchema.default(4),
  REDIS_URL: RedisUrlSchema,
  /** REDIS_URL is one node of a Redis Cluster (the client finds the others); false: a single Redis. */
  REDIS_CLUSTER: BooleanFlagSchema,
  /** Jobs one process runs at once. */
  CODE_JOBS_CONCURRENCY: PositiveIntSchema.default(2),
  /** Codes generated and inserted per transaction (progress moves after each). */
  GENERATION_BATCH_SIZE: z.coerce.number().int().min(100).max(50_000).default(10_000),
  /** BullMQ job lock; a crashed worker's job runs again after about this long. */
  CODE_JOB_LOCK_MS: PositiveIntSchema.default(30_000),
  /**
   * How often the worker puts back on the queue the unfinished jobs it no longer holds (Redis lost
   * its data), looking at jobs untouched for as long. At least a second.
   */
  CODE_JOB_RECOVERY_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(60_000),
  LOG_LEVEL: LogLevelSchema,
  METRICS_PORT: MetricsPortSchema,
});
export type CodeJobsWorkerEnv = z.output<typeof CodeJobsWorkerEnvSchema>;
