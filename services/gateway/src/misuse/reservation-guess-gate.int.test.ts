import { randomUUID } from "node:crypto";
import type { ReservationCommand, ReservationDecision } from "@promo/contracts";
import { createLogger } from "@promo/observability";
import { createAttemptLimiter, createRedisConnection } from "@promo/queue";
import { readTestEnv } from "@promo/testing";
import { afterAll, describe, expect, it } from "vitest";
import { reservationCommand } from "../testing/reservation-command.ts";
import { createReservationGuessGate, type GateAdmission, LIVE_CODE_MS } from "./reservation-guess-gate.ts";

const redis = createRedisConnection({ url: readTestEnv().REDIS_URL, cluster: false }, "producer");
const prefix = `guess-gate-test-${randomUUID()}`;
const logger = createLogger({ service: "guess-gate-test", level: "silent" });

afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

function gateAt(clock: { now: number }) {
  const limiter = createAttemptLimiter({
    redis,
    prefix,
    limits: { perAccount: 3, perIp: 0, windowMs: 60_000 },
  });
  return { limiter, gate: createReservationGuessGate({ limiter, logger, now: () => clock.now }) };
}

function command(storeId: string, codeKey: string): ReservationCommand {
  return reservationCommand({ storeId, codeKey });
}

function refused(request: ReservationCommand, errorCode: string): ReservationDecision {
  return {
    kind: "rejected",
    requestId: request.id,
    replayed: false,
    id: request.id,
    sequence: 1_000,
    errorCode,
    campaignId: null,
  };
}

async function settle(): Promise<void> {
  // The gate's withdrawals and late counts are sent without waiting; a round trip after them has them done.
  await redis.ping();
}

describe("the reservation guess gate", () => {
  it("counts a code when admitted; a live one is taken back and then only checked while known live", async () => {
    const clock = { now: 1_000_000 };
    const { limiter, gate } = gateAt(clock);
    const storeId = randomUUID();
    const shopper = { storeId, accountId: "shopper", clientIp: null };

    const first = command(storeId, "FLASH11");
    const [admitted] = (await gate.admit([first])) as [GateAdmission];
    expect(admitted).toMatchObject({ blockedForMs: 0, counted: true });
    expect(admitted.addedTo).toHaveLength(1);
    expect((await limiter.allowance(shopper)).remaining).toBe(2);

    gate.decided([{ command: first, admission: admitted, decision: refused(first, "USAGE_LIMIT_REACHED") }]);
    await settle();
    expect((await limiter.allowance(shopper)).remaining).toBe(3);

    // Known live now: checked, not counted; a miss elsewhere is counted as before.
    const [again, miss] = await gate.admit([command(storeId, "FLASH11"), command(storeId, "NOSUCH1")]);
    expect(again).toEqual({ blockedForMs: 0, counted: false, addedTo: [] });
    expect(miss).toMatchObject({ blockedForMs: 0, counted: true });
    expect((await limiter.allowance(shopper)).remaining).toBe(2);

    // Past LIVE_CODE_MS without a decision it is counted again.
    clock.now += LIVE_CODE_MS + 1;
    const [later] = await gate.admit([command(storeId, "FLASH11")]);
    expect(later).toMatchObject({ counted: true });
  });

  it("counts a known live code's failed attempt once decided, and no longer knows it live", async () => {
    const clock = { now: 2_000_000 };
    const { limiter, gate } = gateAt(clock);
    const storeId = randomUUID();
    const shopper = { storeId, accountId: "shopper", clientIp: null };

    const first = command(storeId, "MEMBERS1");
    const [admitted] = (await gate.admit([first])) as [GateAdmission];
    gate.decided([
      { command: first, admission: admitted, decision: refused(first, "ACCOUNT_LIMIT_REACHED") },
    ]);
    await settle();

    const second = command(storeId, "MEMBERS1");
    const [unchecked] = (await gate.admit([second])) as [GateAdmission];
    expect(unchecked.counted).toBe(false);
    gate.decided([
      { command: second, admission: unchecked, decision: refused(second, "NOT_ELIGIBLE_MEMBER_GROUP") },
    ]);
    await settle();
    expect((await limiter.allowance(shopper)).remaining).toBe(2);
    const [third] = await gate.admit([command(storeId, "MEMBERS1")]);
    expect(third?.counted).toBe(true);
  });
});
