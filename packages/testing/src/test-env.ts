import {
  DatabaseUrlSchema,
  DevServicesEnvSchema,
  KafkaBrokersSchema,
  parseEnv,
  RedisUrlSchema,
} from "@promo/config";
import { z } from "zod";

/** Where the test suites find the real services: the same variables (and defaults) as the app. */
export const TestEnvSchema = z.object({
  DATABASE_URL: DatabaseUrlSchema,
  REDIS_URL: RedisUrlSchema,
  KAFKA_BROKERS: KafkaBrokersSchema,
});
export type TestEnv = z.output<typeof TestEnvSchema>;

export function readTestEnv(): TestEnv {
  return parseEnv(TestEnvSchema, process.env);
}

export { DevServicesEnvSchema };

/** The same server as `url`, another database. */
export function databaseUrlFor(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
