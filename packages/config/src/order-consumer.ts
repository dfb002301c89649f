import { z } from "zod";
import {
  DatabaseUrlSchema,
  KafkaBrokersSchema,
  LogLevelSchema,
  MetricsPortSchema,
  PositiveIntSchema,
  RetentionHoursSchema,
} from "./common.ts";
import { KafkaTopicsEnvSchema } from "./kafka.ts";

export const OrderConsumerEnvSchema = KafkaTopicsEnvSchema.extend({
  DATABASE_URL: DatabaseUrlSchema,
  DATABASE_POOL_SIZE: PositiveIntSchema.default(5),
  KAFKA_BROKERS: KafkaBrokersSchema,
  /** Consumer group of the order consumers (several processes share the topic's partitions). */
  ORDER_CONSUMER_GROUP: z.string().min(1).default("promo-order-consumer"),
  /** Partitions this process works on at once (each in its own transaction). */
  ORDER_CONSUMER_CONCURRENCY: PositiveIntSchema.default(3),
  /**
   * Processed event ids older than this are removed; keep it at least as long as the orders topic
   * keeps its messages (Kafka's default: 7 days), or a replay could apply an old event again. 0 keeps
   * them for good.
   */
  PROCESSED_EVENT_RETENTION_HOURS: RetentionHoursSchema.default(168),
  LOG_LEVEL: LogLevelSchema,
  METRICS_PORT: MetricsPortSchema,
});
export type OrderConsumerEnv = z.output<typeof OrderConsumerEnvSchema>;
