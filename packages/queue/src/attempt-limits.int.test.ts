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

describe("the guess limiter", () => {
  it("allows what the tighter of the account's and the IP's sets has left, then says how long it is blocked", async () => {
    const limiter = createAttemptLimiter({
      redis,
      prefix,
      limits: { perAccount: 5, perIp: 3, windowMs: 60_000 },
    });
    const shopper = { storeId: randomUUID(), accountId: "guesser", clientIp: "203.0.113.9" };
    expect(await limiter.allowance(shopper)).toEqual({ remaining: 3, blockedForMs: 0 });

    expect(await limiter.recordFailures(shopper, ["GUESS1", "GUESS2"])).toBe(2);
    expect(await limiter.allowance(shopper)).toEqual({ remaining: 1, blockedForMs: 0 });
    // The same account from another address: its own set has 3 failures left.
    expect(await limiter.allowance({ ...shopper, clientIp: "203.0.113.10" })).toEqual({
      remaining: 3,
      blockedForMs: 0,
    });

    // Recorded in order while there is room: GUESS2 again takes none, GUESS3 the last, GUESS4 none left.
    expect(await limiter.recordFailures(shopper, ["GUESS2", "GUESS3", "GUESS4", "GUESS5"])).toBe(2);
    const blocked = await limiter.allowance(shopper);
    expect(blocked.remaining).toBe(0);
    expect(blocked.blockedForMs).toBeGreaterThan(50_000);
    expect(blocked.blockedForMs).toBeLessThanOrEqual(60_000);
    const [admission] = await limiter.admitEach([{ ...shopper, codeKey: "GUESS9" }]);
    expect(admission?.blockedForMs).toBeGreaterThan(50_000);
    expect(admission?.addedTo).toEqual([]);
  });

  it("counts a code refused again in its window once", async () => {
    const limiter = createAttemptLimiter({
      redis,
      prefix,
      limits: { perAccount: 3, perIp: 10, windowMs: 60_000 },
    });
    const shopper = { storeId: randomUUID(), accountId: "re-quoter", clientIp: "203.0.113.11" };
    for (let attempt = 0; attempt < 10; attempt += 1)
      expect(await limiter.recordFailures(shopper, ["EXPIRED2025"])).toBe(1);
    expect(await limiter.allowance(shopper)).toEqual({ remaining: 2, blockedForMs: 0 });
  });

  it("admits parallel attempts only up to the limit: codes in flight count until withdrawn", async () => {
    const limiter = createAttemptLimiter({
      redis,
      prefix,
      limits: { perAccount: 3, perIp: 0, windowMs: 60_000 },
    });
    const shopper = { storeId: randomUUID(), accountId: "parallel", clientIp: null };
    const attempts = Array.from({ length: 20 }, (_, index) => ({ ...shopper, codeKey: `PARALLEL${index}` }));
    const admissions = (
      await Promise.all([limiter.admitEach(attempts.slice(0, 10)), limiter.admitEach(attempts.slice(10))])
    ).flat();
    const admitted = admissions.filter((admission) => admission.blockedForMs === 0);
    expect(admitted).toHaveLength(3);
    expect(admitted.every((admission) => admission.addedTo.length === 1)).toBe(true);

    // Two of them were no failed attempt: withdrawn, their room is free again.
    const withdrawn = admissions.flatMap((admission, index) =>
      admission.blockedForMs === 0
        ? [{ addedTo: admission.addedTo, codeKey: attempts[index]?.codeKey ?? "" }]
        : [],
    );
    await limiter.withdraw(withdrawn.slice(0, 2));
    expect(await limiter.allowance(shopper)).toEqual({ remaining: 2, blockedForMs: 0 });
    // A code already in the set is admitted without being added again.
    const again = await limiter.admitEach([{ ...shopper, codeKey: withdrawn[2]?.codeKey ?? "" }]);
    expect(again).toEqual([{ blockedForMs: 0, addedTo: [] }]);
  });

  it("is unlimited when both limits are off", async () => {
    const limiter = createAttemptLimiter({
      redis,
      prefix,
      limits: { perAccount: 0, perIp: 0, windowMs: 60_000 },
    });
    const subjects = { storeId: randomUUID(), accountId: "a", clientIp: null };
    expect(await limiter.allowance(subjects)).toEqual({
      remaining: Number.POSITIVE_INFINITY,
      blockedForMs: 0,
    });
    expect(await limiter.recordFailures(subjects, ["A", "B"])).toBe(2);
    expect(await limiter.admitEach([{ ...subjects, codeKey: "A" }])).toEqual([
      { blockedForMs: 0, addedTo: [] },
    ]);
  });
});
