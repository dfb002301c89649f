import { randomUUID } from "node:crypto";
import { readTestEnv } from "@promo/testing";
import { afterAll, describe, expect, it } from "vitest";
import { createAttemptLimiter } from "./attempt-limits.ts";
import { createRedisConnection } from "./redis.ts";

const redis = createRedisConnection({ url: readTestEnv().REDIS_URL, cluster: false }, "producer");
const prefix = `guess-test-${randomUUID()}`;

afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

describe("the guess limiter's allowance", () => {
  it("is what the tighter of the account's and the IP's counters has left, then how long it is blocked", async () => {
    const limiter = createAttemptLimiter({
      redis,
      prefix,
      limits: { perAccount: 5, perIp: 3, windowMs: 60_000 },
    });
    const shopper = { storeId: randomUUID(), accountId: "guesser", clientIp: "203.0.113.9" };
    expect(await limiter.allowance(shopper)).toEqual({ remaining: 3, blockedForMs: 0 });

    await limiter.recordFailures(shopper, 2);
    expect(await limiter.allowance(shopper)).toEqual({ remaining: 1, blockedForMs: 0 });
    // The same account from another address: its own counter has 3 failures left.
    expect(await limiter.allowance({ ...shopper, clientIp: "203.0.113.10" })).toEqual({
      remaining: 3,
      blockedForMs: 0,
    });

    await limiter.recordFailures(shopper, 4);
    const blocked = await limiter.allowance(shopper);
    expect(blocked.remaining).toBe(0);
    expect(blocked.blockedForMs).toBeGreaterThan(50_000);
    expect(blocked.blockedForMs).toBeLessThanOrEqual(60_000);
    expect((await limiter.blockedForEach([shopper]))[0]).toBeGreaterThan(50_000);
  });

  it("is unlimited when both limits are off", async () => {
    const limiter = createAttemptLimiter({
      redis,
      prefix,
      limits: { perAccount: 0, perIp: 0, windowMs: 60_000 },
    });
    expect(await limiter.allowance({ storeId: randomUUID(), accountId: "a", clientIp: null })).toEqual({
      remaining: Number.POSITIVE_INFINITY,
      blockedForMs: 0,
    });
  });
});
