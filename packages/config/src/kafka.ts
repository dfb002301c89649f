import { z } from "zod";

const TopicNameSchema = z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, "a Kafka topic name");

/** Physical topic names (tests use unique ones) and how the project creates them. */
export const KafkaTopicsEnvSchema = z.object({
  TOPIC_ORDERS: TopicNameSchema.default("orders"),
  TOPIC_ORDERS_DLQ: TopicNameSchema.default("orders.dlq"),
  TOPIC_REDEMPTIONS: TopicNameSchema.default("promo.redemptions"),
  TOPIC_ALERTS: TopicNameSchema.default("promo.alerts"),
  KAFKA_TOPIC_PARTITIONS: z.coerce.number().int().min(1).max(1_000).default(3),
  KAFKA_REPLICATION_FACTOR: z.coerce.number().int().min(1).max(10).default(1),
});
export type KafkaTopicsEnv = z.output<typeof KafkaTopicsEnvSchema>;
