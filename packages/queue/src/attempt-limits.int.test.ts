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
  it("is what the tighter of the account's and the IP's sets has left, then how long it is blocked", async () => {
    const limiter = createAttemptLimiter({
      redis,
      prefix,
      limits: { perAccount: 5, perIp: 3, windowMs: 60_000 },
    });
    const shopper = { storeId: randomUUID(), accountId: "guesser", clientIp: "203.0.113.9" };
    expect(await limiter.allowance(shopper)).toEqual({ remaining: 3, blockedForMs: 0, counted: new Set() });

    await limiter.recordFailures(shopper, ["GUESS1", "GUESS2"]);
    expect(await limiter.allowance(shopper)).toEqual({ remaining: 1, blockedForMs: 0, counted: new Set() });
    // The same account from another address: its own set has 3 failures left.
    expect(await limiter.allowance({ ...shopper, clientIp: "203.0.113.10" })).toEqual({
      remaining: 3,
      blockedForMs: 0,
      counted: new Set(),
    });

    await limiter.recordFailures(shopper, ["GUESS3", "GUESS4", "GUESS5", "GUESS6"]);
    const blocked = await limiter.allowance(shopper);
    expect(blocked.remaining).toBe(0);
    expect(blocked.blockedForMs).toBeGreaterThan(50_000);
    expect(blocked.blockedForMs).toBeLessThanOrEqual(60_000);
    expect((await limiter.blockedForEach([shopper]))[0]).toBeGreaterThan(50_000);
  });

  it("counts a code refused again in its window once, and says which codes were refused already", async () => {
    const limiter = createAttemptLimiter({
      redis,
      prefix,
      limits: { perAccount: 3, perIp: 10, windowMs: 60_000 },
    });
    const shopper = { storeId: randomUUID(), accountId: "re-quoter", clientIp: "203.0.113.11" };
    for (let attempt = 0; attempt < 10; attempt += 1) await limiter.recordFailures(shopper, ["EXPIRED2025"]);
    expect(await limiter.blockedForEach([shopper])).toEqual([0]);
    expect(await limiter.allowance(shopper, ["EXPIRED2025", "OTHER"])).toEqual({
      remaining: 2,
      blockedForMs: 0,
      counted: new Set(["EXPIRED2025"]),
    });
    // Counted for the account only (another address): not counted for the pair, as the IP's set lacks it.
    const elsewhere = { ...shopper, clientIp: "203.0.113.12" };
    expect((await limiter.allowance(elsewhere, ["EXPIRED2025"])).counted).toEqual(new Set());

    await limiter.recordFailures(shopper, ["TYPO1", "TYPO2"]);
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
      counted: new Set(),
    });
  });
});
