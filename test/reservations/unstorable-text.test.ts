// PostgreSQL stores neither U+0000 nor a lone surrogate in text or jsonb, and a reservation is written
// in its partition's group commit: one request carrying either used to fail every commit of its
// partition, so no later request on any code of that partition was decided. The gateway now refuses
// such input with 400 naming the field, and a worker decides a queued batch holding it as
// unparseable instead of retrying it.
import { randomUUID } from "node:crypto";
import type { ReservationCommand } from "@promo/contracts";
import { poolSql, readPartitionCursor } from "@promo/db";
import { normalizeCodeKey } from "@promo/domain";
import { createReservationQueues, partitionOf, reservationQueueName } from "@promo/queue";
import { createTestContext, eventually, type TestContext } from "@promo/testing";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  api,
  createLiveCampaign,
  FLASH_CART,
  SYSTEM_PARTITIONS,
  type System,
  startSystem,
} from "../support/system.ts";

let ctx: TestContext;
let system: System;
let gatewayUrl: string;

beforeAll(async () => {
  ctx = await createTestContext("unstorable-text");
  system = await startSystem(ctx, { gateways: 1, workers: 1 });
  gatewayUrl = system.gateways[0]?.url ?? "";
}, 60_000);

afterAll(async () => {
  await system?.stop();
  await ctx?.cleanup();
});

type Answer = {
  id: string;
  status: string;
  error?: { code: string; details?: { fields?: { path: string; message: string }[] } };
};

function reserve(body: unknown) {
  return api<Answer>(gatewayUrl, system.store.keys.checkout, "POST", "/v1/reservations?wait=5000", body);
}

async function liveCode(prefix: string): Promise<string> {
  const code = `${prefix}${Date.now().toString(36).toUpperCase()}`;
  await createLiveCampaign(gatewayUrl, system.store.keys.merchant, {
    code,
    usageLimit: 100,
    oncePerAccount: false,
  });
  return code;
}

const NUL_MESSAGE = "must not contain the NUL character (U+0000)";
const SURROGATE_MESSAGE = "must be well-formed Unicode (it holds a lone surrogate)";

describe("text PostgreSQL cannot store (U+0000, a lone surrogate)", () => {
  it("is refused with 400 naming the field, and the code's next request is decided as usual", async () => {
    const code = await liveCode("NUL");
    const inProduct = await reserve({
      code,
      accountId: "shopper-1",
      cart: { ...FLASH_CART, items: [{ productId: "P-1\u0000", unitPrice: 990, quantity: 1 }] },
    });
    expect(inProduct.status).toBe(400);
    expect(inProduct.body.error?.code).toBe("VALIDATION_ERROR");
    expect(inProduct.body.error?.details?.fields).toEqual([
      { path: "cart.items.0.productId", message: NUL_MESSAGE },
    ]);
    const inAccount = await reserve({ code, accountId: "shopper\u00002", cart: FLASH_CART });
    expect(inAccount.status).toBe(400);
    expect(inAccount.body.error?.details?.fields).toEqual([{ path: "accountId", message: NUL_MESSAGE }]);
    // Every such field is named, not the first alone.
    const both = await reserve({
      code,
      accountId: "shopper\u00002",
      cart: { ...FLASH_CART, items: [{ productId: "P-\udc001", unitPrice: 990, quantity: 1 }] },
    });
    expect(both.body.error?.details?.fields).toEqual([
      { path: "accountId", message: NUL_MESSAGE },
      { path: "cart.items.0.productId", message: SURROGATE_MESSAGE },
    ]);
    const halfEmoji = await reserve({ code, accountId: "shopper-\ud83d", cart: FLASH_CART });
    expect(halfEmoji.status).toBe(400);
    expect(halfEmoji.body.error?.details?.fields).toEqual([
      { path: "accountId", message: SURROGATE_MESSAGE },
    ]);

    const next = await reserve({ code, accountId: "shopper-3", cart: FLASH_CART });
    expect(next.status).toBe(200);
    expect(next.body.status).toBe("RESERVED");

    const campaign = await api<Answer>(gatewayUrl, system.store.keys.merchant, "POST", "/v1/campaigns", {
      name: "Double\u000011",
      discount: { type: "fixed", amount: 111 },
      currency: "TWD",
      startsAt: new Date(Date.now() - 3_600_000).toISOString(),
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
      productIds: ["P-1"],
      usageLimit: 1,
      oncePerAccount: true,
    });
    expect(campaign.status).toBe(400);
    expect(campaign.body.error?.details?.fields).toEqual([{ path: "name", message: NUL_MESSAGE }]);
  }, 60_000);

  it("a queued batch holding it (enqueued by hand, past the gateway) is set aside; its partition goes on", async () => {
    const code = await liveCode("NULQ");
    const partition = partitionOf(system.store.storeId, normalizeCodeKey(code), Number(SYSTEM_PARTITIONS));
    const redis = new Redis(ctx.env.REDIS_URL);
    const queues = createReservationQueues({
      connection: redis,
      prefix: ctx.queuePrefix,
      // As the gateway does: job ids continue after the last one PostgreSQL recorded as decided.
      readJobIdFloor: (at) =>
        readPartitionCursor(poolSql(ctx.db.database.pool), reservationQueueName(at), at),
    });
    try {
      const poisoned: ReservationCommand = {
        id: randomUUID(),
        storeId: system.store.storeId,
        code,
        codeKey: normalizeCodeKey(code),
        accountId: "crafted",
        memberGroups: [],
        cart: { ...FLASH_CART, items: [{ productId: "P-1\u0000", unitPrice: 990, quantity: 1 }] },
        idempotencyKey: null,
        requestHash: "crafted",
        clientIp: null,
        acceptedAt: new Date().toISOString(),
      };
      await queues.enqueue(partition, { batchId: randomUUID(), requests: [poisoned] });

      // Decided after the crafted batch, in queue order: it is answered only if that batch did not
      // stop the partition.
      const next = await reserve({ code, accountId: "after-crafted", cart: FLASH_CART });
      expect(next.status).toBe(200);
      expect(next.body.status).toBe("RESERVED");
      await eventually(
        async () => system.workers.some((worker) => worker.output().includes("unparseable reservation job")),
        "the worker reports the crafted batch",
      );
      const { rows } = await ctx.db.database.pool.query("SELECT 1 FROM reservation WHERE id = $1", [
        poisoned.id,
      ]);
      expect(rows).toHaveLength(0);
    } finally {
      await queues.close();
      redis.disconnect();
    }
  }, 60_000);
});
