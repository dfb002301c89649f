import {
  DatabaseUrlSchema,
  KafkaBrokersSchema,
  LogLevelSchema,
  MetricsPortSchema,
  PositiveIntSchema,
} from "./common.ts";
import { KafkaTopicsEnvSchema } from "./kafka.ts";

export const OutboxRelayEnvSchema = KafkaTopicsEnvSchema.extend({
  DATABASE_URL: DatabaseUrlSchema,
  KAFKA_BROKERS: KafkaBrokersSchema,
  /** Most outbox rows published in one round. */
  OUTBOX_BATCH_SIZE: PositiveIntSchema.default(1_000),
  /** Pause between polls when the outbox is empty. */
  OUTBOX_IDLE_POLL_MS: PositiveIntSchema.default(20),
  /** Published rows are kept this long (history), then deleted. */
  OUTBOX_RETENTION_HOURS: PositiveIntSchema.default(24),
  LOG_LEVEL: LogLevelSchema,
  METRICS_PORT: MetricsPortSchema,
});
