import type { OutageLog } from "@promo/observability";
import { Queue, type QueueOptions } from "bullmq";
import { Cluster, Redis, type RedisOptions } from "ioredis";
import { isRedisConnectionFailure } from "./unavailable.ts";

/** A connection to one Redis server or to a Redis Cluster: every queue, lease and limit works on both. */
export type RedisConnection = Redis | Cluster;

/**
 * Where Redis is. With `cluster`, `url` is any one node of a Redis Cluster: the client learns the
 * others (and every move of a slot) from it. Every key the project writes carries a hash tag per
 * partition, queue or store, so each script's keys live in one slot.
 */
export type RedisTarget = { url: string; cluster: boolean };

/**
 * A Redis connection as BullMQ wants it. Workers and subscribers wait on Redis, so they get
 * `maxRetriesPerRequest: null` (never give up on a command, reconnect forever); producers fail
 * fast instead so an HTTP request is not held hostage by a dead Redis.
 */
export function createRedisConnection(
  target: RedisTarget,
  role: "producer" | "blocking",
  name?: string,
): RedisConnection {
  const maxRetriesPerRequest = role === "blocking" ? null : 2;
  const redis = target.cluster
    ? connectCluster(target.url, { maxRetriesPerRequest, connectionName: name })
    : new Redis(target.url, {
        maxRetriesPerRequest,
        connectionName: name,
        enableOfflineQueue: true,
        retryStrategy: reconnectDelay,
      });
  // Connection errors are reported by the clients using it (BullMQ emits them as "error");
  // without a listener ioredis would print them as unhandled.
  redis.on("error", () => undefined);
  return redis;
}

/**
 * A BullMQ Queue on a connection someone else owns (and logs the errors of). A Queue re-emits each
 * of its connection's errors as its own "error" event and, with no listener, prints it with
 * console.error: while Redis is away that is a stack trace per queue per reconnect attempt, outside
 * the structured log. What fails for a caller still fails its call (add, getJobState).
 */
export function queueOnSharedConnection(
  name: string,
  options: QueueOptions & { connection: RedisConnection },
): Queue {
  const queue = new Queue(name, options);
  queue.on("error", () => undefined);
  return queue;
}

function reconnectDelay(attempt: number): number {
  return Math.min(200 * attempt, 2_000);
}

/** The cluster reconnects and queues commands itself; the per-node options carry the rest. */
function connectCluster(
  url: string,
  nodeOptions: Pick<RedisOptions, "maxRetriesPerRequest" | "connectionName">,
): Cluster {
  const seed = new URL(url);
  const db = seed.pathname.replace(/^\//, "");
  if (db !== "" && db !== "0") throw new Error(`a Redis Cluster has only database 0, not ${db} (REDIS_URL)`);
  return new Cluster([{ host: seed.hostname.replace(/^\[(.*)\]$/, "$1"), port: Number(seed.port || 6379) }], {
    enableOfflineQueue: true,
    clusterRetryStrategy: reconnectDelay,
    redisOptions: {
      ...nodeOptions,
      ...(seed.username ? { username: decodeURIComponent(seed.username) } : {}),
      ...(seed.password ? { password: decodeURIComponent(seed.password) } : {}),
      ...(seed.protocol === "rediss:" ? { tls: {} } : {}),
    },
  });
}

/**
 * Reports a connection's failures to reach Redis, and its return, to the process's outage log
 * (one warn per outage rather than one per reconnect attempt); any other error goes to `otherError`.
 */
export function watchRedisConnection(
  connection: RedisConnection,
  outages: OutageLog,
  source: string,
  otherError: (error: Error) => void,
): void {
  connection.on("error", (error: Error) =>
    isRedisConnectionFailure(error) ? outages.failed(source, error) : otherError(error),
  );
  connection.on("ready", () => outages.recovered(source));
  connection.on("end", () => outages.forget(source));
}
