import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { attemptKeys, createAttemptLimiter } from "./attempt-limits.ts";
import { isRedisUnavailable, RedisUnavailableError } from "./unavailable.ts";

const subjects = { storeId: "store-1", accountId: "shopper@example.com", clientIp: "203.0.113.7" };
const limits = { perAccount: 10, perIp: 50, windowMs: 60_000 };

function hashTagOf(key: string): string | undefined {
  return /\{([^}]*)\}/.exec(key)?.[1];
}

describe("attemptKeys", () => {
  it("puts a store's account and IP counters under one Redis Cluster hash tag, under the prefix", () => {
    const keys = attemptKeys("promo", subjects, limits);
    expect(keys).toEqual([
      { key: "promo:{guess:store-1}:failed:account:shopper@example.com", limit: 10 },
      { key: "promo:{guess:store-1}:failed:ip:203.0.113.7", limit: 50 },
    ]);
    expect(new Set(keys.map(({ key }) => hashTagOf(key)))).toEqual(new Set(["guess:store-1"]));
  });

  it("keeps stores apart", () => {
    const [other] = attemptKeys("promo", { ...subjects, storeId: "store-2" }, limits);
    expect(other?.key).toBe("promo:{guess:store-2}:failed:account:shopper@example.com");
  });

  it("leaves out a limit set to 0 and an unknown address", () => {
    expect(attemptKeys("promo", subjects, { ...limits, perIp: 0 }).map(({ key }) => key)).toEqual([
      "promo:{guess:store-1}:failed:account:shopper@example.com",
    ]);
    expect(attemptKeys("promo", { ...subjects, clientIp: null }, limits)).toHaveLength(1);
    expect(attemptKeys("promo", subjects, { ...limits, perAccount: 0, perIp: 0 })).toEqual([]);
  });
});

describe("the guess limiter while Redis is away", () => {
  it("refuses checks and records at once on a lost connection, as Redis away, not after reconnect attempts", async () => {
    // Nothing listens on port 1: the connection is lost as while Redis is away.
    const redis = new Redis(1, "127.0.0.1", {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      retryStrategy: () => 50,
    });
    redis.on("error", () => undefined);
    const limiter = createAttemptLimiter({ redis, prefix: "test", limits });
    try {
      const closed = new Promise((resolve) => redis.once("close", resolve));
      void redis.connect().catch(() => undefined);
      await closed;
      const failures = await Promise.all([
        limiter
          .admitEach([
            { ...subjects, codeKey: "A" },
            { ...subjects, accountId: "other", codeKey: "B" },
          ])
          .catch((error: unknown) => error),
        limiter.allowance(subjects).catch((error: unknown) => error),
        limiter.recordFailures(subjects, ["NOSUCHCODE"]).catch((error: unknown) => error),
        limiter
          .withdraw([{ addedTo: ["test:{guess:store-1}:failed:account:x"], codeKey: "A" }])
          .catch((error: unknown) => error),
      ]);
      for (const failure of failures) {
        expect(failure).toBeInstanceOf(RedisUnavailableError);
        expect(isRedisUnavailable(failure)).toBe(true);
      }
    } finally {
      redis.disconnect();
    }
  });
});
