import { z } from "zod";
import { DatabaseUrlSchema, KafkaBrokersSchema, RedisUrlSchema } from "./common.ts";

/** What `npm run services` needs: where Redis, PostgreSQL and Kafka should answer. */
export const DevServicesEnvSchema = z.object({
  DATABASE_URL: DatabaseUrlSchema,
  REDIS_URL: RedisUrlSchema,
  KAFKA_BROKERS: KafkaBrokersSchema,
  /** Port of the local broker's KRaft controller listener. */
  KAFKA_CONTROLLER_PORT: z.coerce.number().int().min(1).max(65_535).default(9093),
});
export type DevServicesEnv = z.output<typeof DevServicesEnvSchema>;
