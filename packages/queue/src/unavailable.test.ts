import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import {
  assertRedisNotLost,
  isRedisConnectionFailure,
  isRedisUnavailable,
  levelOfRedisFailure,
  RedisUnavailableError,
} from "./unavailable.ts";

function named(name: string, message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { name }, extra);
}

describe("isRedisUnavailable", () => {
  it("knows a command that ran out of reconnect attempts, against a Redis that is not there", async () => {
    // Nothing listens on port 1: the command fails as it does while Redis is away.
    const redis = new Redis(1, "127.0.0.1", { maxRetriesPerRequest: 1, retryStrategy: () => 10 });
    redis.on("error", () => undefined);
    try {
      const error = await redis.ping().then(
        () => null,
        (failure: unknown) => failure,
      );
      expect(error).toBeInstanceOf(Error);
      expect(isRedisUnavailable(error)).toBe(true);
    } finally {
      redis.disconnect();
    }
  });

  it("knows a closed connection, a cluster that failed whole, and a server loading or failing over", () => {
    expect(isRedisUnavailable(new Error("Connection is closed."))).toBe(true);
    expect(
      isRedisUnavailable(new Error("Stream isn't writeable and enableOfflineQueue options is false")),
    ).toBe(true);
    expect(isRedisUnavailable(named("ClusterAllFailedError", "Failed to refresh slots cache."))).toBe(true);
    expect(isRedisUnavailable(named("ReplyError", "LOADING Redis is loading the dataset in memory"))).toBe(
      true,
    );
    expect(
      isRedisUnavailable(named("ReplyError", "READONLY You can't write against a read only replica.")),
    ).toBe(true);
    expect(
      isRedisUnavailable(new Error("enqueue failed", { cause: new Error("Connection is closed.") })),
    ).toBe(true);
  });

  it("leaves everything else to be a fault: script errors, wrong types, and socket codes PostgreSQL shares", () => {
    expect(isRedisUnavailable(named("ReplyError", "ERR Error running script (call to f_1234)"))).toBe(false);
    expect(
      isRedisUnavailable(
        named("ReplyError", "WRONGTYPE Operation against a key holding the wrong kind of value"),
      ),
    ).toBe(false);
    expect(
      isRedisUnavailable(
        Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" }),
      ),
    ).toBe(false);
    expect(isRedisUnavailable(new Error("unexpected job id undefined"))).toBe(false);
    expect(isRedisUnavailable("Connection is closed.")).toBe(false);
    expect(isRedisUnavailable(null)).toBe(false);
  });

  it("refuses a lost connection at once, with an error it counts as Redis away; not one still connecting", async () => {
    const redis = new Redis(1, "127.0.0.1", { lazyConnect: true, retryStrategy: () => 50 });
    redis.on("error", () => undefined);
    try {
      // Not connected yet: its commands would wait in the offline queue.
      expect(() => assertRedisNotLost(redis)).not.toThrow();
      const closed = new Promise((resolve) => redis.once("close", resolve));
      void redis.connect().catch(() => undefined);
      await closed;
      let refused: unknown = null;
      try {
        assertRedisNotLost(redis);
      } catch (error) {
        refused = error;
      }
      expect(refused).toBeInstanceOf(RedisUnavailableError);
      expect(isRedisUnavailable(refused)).toBe(true);
    } finally {
      redis.disconnect();
    }
    expect(() => assertRedisNotLost({ status: "ready", on: () => undefined })).not.toThrow();
  });

  it("tells a Redis connection's own socket failure from other errors", async () => {
    const redis = new Redis(1, "127.0.0.1", { lazyConnect: true, retryStrategy: () => null });
    const failures: Error[] = [];
    redis.on("error", (error: Error) => failures.push(error));
    await redis.connect().catch(() => undefined);
    redis.disconnect();
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.every(isRedisConnectionFailure)).toBe(true);
    expect(isRedisConnectionFailure(new Error("Missing lock for job 7. moveToFinished"))).toBe(false);
    expect(isRedisConnectionFailure(null)).toBe(false);
  });
});

describe("levelOfRedisFailure", () => {
  it("puts Redis away at debug (the outage log warns of it once) and leaves anything else at the given level", () => {
    expect(levelOfRedisFailure(new Error("Connection is closed."), "error")).toBe("debug");
    expect(levelOfRedisFailure(named("MaxRetriesPerRequestError", "Reached the max retries"), "warn")).toBe(
      "debug",
    );
    expect(levelOfRedisFailure(named("ReplyError", "ERR Error running script"), "error")).toBe("error");
    expect(levelOfRedisFailure(new Error("unexpected job id undefined"), "warn")).toBe("warn");
  });
});
