import { Redis } from "ioredis";

/**
 * A Redis connection as BullMQ wants it. Workers and subscribers wait on Redis, so they get
 * `maxRetriesPerRequest: null` (never give up on a command, reconnect forever); producers fail
 * fast instead so an HTTP request is not held hostage by a dead Redis.
 */
export function createRedisConnection(url: string, role: "producer" | "blocking", name?: string): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: role === "blocking" ? null : 2,
    enableOfflineQueue: true,
    connectionName: name,
    retryStrategy: (attempt) => Math.min(200 * attempt, 2_000),
  });
  // Connection errors are reported by the clients using it (BullMQ emits them as "error");
  // without a listener ioredis would print them as unhandled.
  redis.on("error", () => undefined);
  return redis;
}
