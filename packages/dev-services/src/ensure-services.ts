import type { DevServicesEnv } from "@promo/config";
import { ensureKafka } from "./kafka/broker.ts";
import { ensurePostgres } from "./postgres.ts";
import { ensureRedis } from "./redis.ts";
import type { ServiceReport } from "./report.ts";

/** Redis, PostgreSQL and Kafka reachable at the configured addresses, started locally when needed. */
export async function ensureServices(env: DevServicesEnv, root?: string): Promise<ServiceReport[]> {
  const [redis, postgres] = await Promise.all([ensureRedis(env.REDIS_URL), ensurePostgres(env.DATABASE_URL)]);
  const kafka = await ensureKafka({
    brokers: env.KAFKA_BROKERS,
    controllerPort: env.KAFKA_CONTROLLER_PORT,
    root,
  });
  return [redis, postgres, kafka];
}
