import type { DevServicesEnv } from "@promo/config";
import { ensureKafka } from "./kafka/broker.ts";
import { ensurePostgres } from "./postgres.ts";
import { ensureRedis } from "./redis.ts";
import { REPO_ROOT } from "./repo-root.ts";
import { DevServicesError, type ServiceFailure, type ServiceName, type ServiceReport } from "./report.ts";

export type EnsureServicesOptions = {
  /** Repository root (default: found from this package's location). */
  rootDir?: string;
  /** Told about slow steps while they run (jar download, broker start). */
  onProgress?: (name: ServiceName, message: string) => void;
};

/**
 * Makes Redis, PostgreSQL and Kafka reachable at the configured addresses, starting local ones when
 * they do not answer. Idempotent: services that answer are left alone ("already running"). Throws a
 * DevServicesError naming each service that could not be made reachable, and why.
 */
export async function ensureServices(
  env: DevServicesEnv,
  options: EnsureServicesOptions = {},
): Promise<ServiceReport[]> {
  const rootDir = options.rootDir ?? REPO_ROOT;
  const attempts: [ServiceName, Promise<ServiceReport>][] = [
    ["redis", ensureRedis(env.REDIS_URL, rootDir)],
    ["postgres", ensurePostgres(env.DATABASE_URL)],
    [
      "kafka",
      ensureKafka({
        brokers: env.KAFKA_BROKERS,
        controllerPort: env.KAFKA_CONTROLLER_PORT,
        rootDir,
        onProgress: (message) => options.onProgress?.("kafka", message),
      }),
    ],
  ];
  const settled = await Promise.allSettled(attempts.map(([, attempt]) => attempt));
  const reports: ServiceReport[] = [];
  const failures: ServiceFailure[] = [];
  settled.forEach((result, index) => {
    const name = attempts[index]?.[0] ?? "kafka";
    if (result.status === "fulfilled") reports.push(result.value);
    else {
      const reason: unknown = result.reason;
      failures.push({ name, message: reason instanceof Error ? reason.message : String(reason) });
    }
  });
  if (failures.length > 0) throw new DevServicesError(reports, failures);
  return reports;
}
