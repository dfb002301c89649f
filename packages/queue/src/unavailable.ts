/**
 * Refused without asking Redis: the connection is down (reconnecting) right now. Waiting for a
 * command to run out of reconnect attempts would hold the caller for seconds, and each caller
 * waiting its turn behind it (the gateway's dispatcher enqueues a partition's batches one after
 * another) for as long again.
 */
export class RedisUnavailableError extends Error {
  override readonly name = "RedisUnavailableError";
}

/** ioredis's errors for a Redis it could not reach in time, or a whole cluster it could not; ours. */
const CLIENT_ERROR_NAMES = new Set([
  "MaxRetriesPerRequestError",
  "ClusterAllFailedError",
  "RedisUnavailableError",
]);
/** ioredis's words for a command on a connection that closed or cannot write (it gives no code). */
const CLIENT_MESSAGES = /^(Connection is closed\.|Stream isn't writeable)/;
/** Replies of a Redis that cannot serve now: loading its data, or a failover under way. */
const UNAVAILABLE_REPLIES = /^(LOADING|CLUSTERDOWN|MASTERDOWN|TRYAGAIN|READONLY)\b/;
const UNAVAILABLE_MESSAGES = [CLIENT_MESSAGES, UNAVAILABLE_REPLIES];

/**
 * Whether `error` says Redis could not be reached or could not serve (a restart, a network cut, a
 * failover): a moment's condition, worth a retry, not a fault of the request. Looks through `cause`
 * and a cluster's `lastNodeError`. Raw socket codes are not counted: ioredis reports those on the
 * connection, and callers see the errors above, while PostgreSQL's clients report the same codes.
 */
export function isRedisUnavailable(error: unknown): boolean {
  const pending: unknown[] = [error];
  const seen = new Set<unknown>();
  while (pending.length > 0) {
    const current = pending.pop();
    if (typeof current !== "object" || current === null || seen.has(current)) continue;
    seen.add(current);
    const fields = current as { name?: unknown; message?: unknown; cause?: unknown; lastNodeError?: unknown };
    if (typeof fields.name === "string" && CLIENT_ERROR_NAMES.has(fields.name)) return true;
    if (
      typeof fields.message === "string" &&
      UNAVAILABLE_MESSAGES.some((words) => words.test(String(fields.message)))
    )
      return true;
    pending.push(fields.cause, fields.lastNodeError);
  }
  return false;
}

/** A Redis connection as far as telling whether it was lost goes (ioredis Redis and Cluster). */
type WatchableConnection = { status: string; on(event: "close" | "ready", listener: () => void): unknown };

/** Connections lost (closed) and not ready again since. */
const lostConnections = new WeakSet<object>();
const watchedConnections = new WeakSet<object>();
const LOST_STATUSES = new Set(["reconnecting", "close", "end"]);

/**
 * Throws RedisUnavailableError while the connection is lost: closed, and not ready again since. A
 * connection still making its first connection is not refused (its commands wait in the offline
 * queue for moments); one that was lost is, however its reconnect attempts are going.
 */
export function assertRedisNotLost(connection: WatchableConnection): void {
  if (!watchedConnections.has(connection)) {
    watchedConnections.add(connection);
    connection.on("close", () => lostConnections.add(connection));
    connection.on("ready", () => lostConnections.delete(connection));
  }
  if (LOST_STATUSES.has(connection.status) || lostConnections.has(connection))
    throw new RedisUnavailableError(`Redis connection lost (${connection.status})`);
}

/** Socket failures a Redis connection reports on its own "error" event while Redis is away. */
const SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/**
 * Whether an error that came from a Redis connection (a BullMQ Worker's "error" event, say) is the
 * connection failing: a socket error, or Redis away as isRedisUnavailable says. Only for errors
 * known to come from Redis: PostgreSQL's clients report the same socket codes.
 */
export function isRedisConnectionFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (typeof code === "string" && SOCKET_CODES.has(code)) || isRedisUnavailable(error);
}

/**
 * The level of a log line for a Redis call that failed: `debug` when Redis is away, which the
 * process's outage log (@promo/observability) already warns of once per outage (a line per failed
 * call wrote some 50 a second, each with its stack, in a gateway under load); `otherwise` for
 * anything else.
 */
export function levelOfRedisFailure<Level extends "warn" | "error">(
  error: unknown,
  otherwise: Level,
): "debug" | Level {
  return isRedisUnavailable(error) ? "debug" : otherwise;
}
