import { z } from "zod";
import {
  BooleanFlagSchema,
  DatabaseUrlSchema,
  LogLevelSchema,
  MetricsPortSchema,
  PositiveIntSchema,
  RedisUrlSchema,
  RetentionHoursSchema,
} from "./common.ts";

/** Settings shared by the gateway (producer) and the reservation workers (consumers). */
export const ReservationQueueEnvSchema = z.object({
  /** Redis key prefix of every queue; tests use a unique one per file. */
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, "letters, digits, _ . - only")
    .default("promo"),
  /** Number of reservation queue partitions. Must be the same for every process; change only on an empty queue. */
  RESERVATION_PARTITIONS: z.coerce.number().int().min(1).max(256).default(16),
});

export const ReservationWorkerEnvSchema = ReservationQueueEnvSchema.extend({
  DATABASE_URL: DatabaseUrlSchema,
  DATABASE_POOL_SIZE: PositiveIntSchema.default(10),
  REDIS_URL: RedisUrlSchema,
  /** REDIS_URL is one node of a Redis Cluster (the client finds the others); false: a single Redis. */
  REDIS_CLUSTER: BooleanFlagSchema,
  /** How long a RESERVED hold lasts before it expires (SPEC default 15 minutes). */
  RESERVATION_TTL_MS: PositiveIntSchema.default(15 * 60_000),
  /**
   * Jobs one partition worker holds at once (BullMQ concurrency). It is the reorder window: after a
   * crash, jobs of the dead worker come back while later ones are already held, so keep it large.
   */
  WORKER_CONCURRENCY: PositiveIntSchema.default(10_000),
  /** Most requests decided in one transaction. */
  MAX_REQUESTS_PER_COMMIT: PositiveIntSchema.default(2_000),
  /** BullMQ job lock; a crashed worker's jobs return to the queue after about this long. */
  JOB_LOCK_MS: PositiveIntSchema.default(10_000),
  /** Partition lease; a crashed worker's partitions move to others after about this long. */
  PARTITION_LEASE_MS: PositiveIntSchema.default(10_000),
  EXPIRY_SWEEP_INTERVAL_MS: PositiveIntSchema.default(1_000),
  /**
   * Idempotency-Key records older than this are removed (by the worker that sweeps expired holds);
   * a repeat of such a key is a new request. 0 keeps them for good.
   */
  IDEMPOTENCY_RETENTION_HOURS: RetentionHoursSchema.default(168),
  /** Leak alerts on member-only codes: window length (fixed windows from the campaign's start). */
  OUTSIDE_GROUPS_ALERT_WINDOW_SECONDS: PositiveIntSchema.default(3_600),
  /** ... fewest accounts trying the code in a window before an alert is considered. */
  OUTSIDE_GROUPS_ALERT_MIN_ACCOUNTS: PositiveIntSchema.default(20),
  /** Its name before the alert counted accounts: refused, naming the new one, rather than ignored. */
  OUTSIDE_GROUPS_ALERT_MIN_ATTEMPTS: z
    .undefined({
      error:
        "was renamed OUTSIDE_GROUPS_ALERT_MIN_ACCOUNTS: the outside-member-groups alert counts accounts, not attempts",
    })
    .optional(),
  /** ... alert when strictly more than this percentage of those accounts were refused for their groups. */
  OUTSIDE_GROUPS_ALERT_PERCENT: z.coerce.number().int().min(0).max(99).default(50),
  /** Name of this worker in leases and logs (default: random). */
  WORKER_ID: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/)
    .optional(),
  LOG_LEVEL: LogLevelSchema,
  METRICS_PORT: MetricsPortSchema,
});
export type ReservationWorkerEnv = z.output<typeof ReservationWorkerEnvSchema>;
