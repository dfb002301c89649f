// History does not grow without end: the reservation worker that sweeps expired holds removes
// Idempotency-Key records older than IDEMPOTENCY_RETENTION_HOURS (a repeat of such a key is then a
// new request), and the order consumer removes processed event ids older than
// PROCESSED_EVENT_RETENTION_HOURS. Real processes on the real PostgreSQL, Redis and Kafka.
import { randomUUID } from "node:crypto";
import { createTestContext, eventually, type TestContext, waitForOutput } from "@promo/testing";
import kafkajs from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testKafka } from "../support/kafka.ts";
import { api, createLiveCampaign, FLASH_CART, type System, startSystem } from "../support/system.ts";

let ctx: TestContext;
let system: System;
let gatewayUrl: string;

/** Every worker here sweeps often, so a new one removes old history within moments of starting. */
const SWEEPING = { EXPIRY_SWEEP_INTERVAL_MS: "100", IDEMPOTENCY_RETENTION_HOURS: "168" };

beforeAll(async () => {
  ctx = await createTestContext("history-retention");
  system = await startSystem(ctx, { gateways: 1, workers: 0, env: SWEEPING });
  gatewayUrl = system.gateways[0]?.url ?? "";
}, 60_000);

afterAll(async () => {
  await system?.stop();
  await ctx?.cleanup();
});

type Answer = { id: string; status: string };

function reserve(code: string, accountId: string, key: string) {
  return api<Answer>(
    gatewayUrl,
    system.store.keys.checkout,
    "POST",
    "/v1/reservations",
    { code, accountId, cart: FLASH_CART },
    { "idempotency-key": key },
  );
}

async function idempotencyKeys(keys: readonly string[]): Promise<string[]> {
  const { rows } = await ctx.db.database.pool.query<{ key: string }>(
    "SELECT key FROM idempotency_record WHERE key = ANY($1) ORDER BY key",
    [[...keys]],
  );
  return rows.map((row) => row.key);
}

describe("history retention", () => {
  it("the sweeping worker removes Idempotency-Key records older than the retention; that key is then new", async () => {
    const code = `KEEP${Date.now().toString(36).toUpperCase()}`;
    await createLiveCampaign(gatewayUrl, system.store.keys.merchant, {
      code,
      usageLimit: 10,
      oncePerAccount: false,
    });
    const first = system.startWorker("worker-1");
    const oldKey = `old-${randomUUID()}`;
    const freshKey = `fresh-${randomUUID()}`;
    const held = await reserve(code, "shopper-1", oldKey);
    const kept = await reserve(code, "shopper-2", freshKey);
    expect([held.status, kept.status]).toEqual([200, 200]);
    expect((await reserve(code, "shopper-1", oldKey)).body.id).toBe(held.body.id);
    await first.stop();

    // Eight days old: past the week's retention. The next worker to sweep removes it.
    await ctx.db.database.pool.query(
      "UPDATE idempotency_record SET created_at = now() - interval '8 days' WHERE key = $1",
      [oldKey],
    );
    // At info level, to see its report of what it removed.
    const second = system.startWorker("worker-2", { LOG_LEVEL: "info" });
    await eventually(
      async () => (await idempotencyKeys([oldKey, freshKey])).length === 1,
      "the old Idempotency-Key record removed",
      20_000,
    );
    expect(await idempotencyKeys([oldKey, freshKey])).toEqual([freshKey]);
    await waitForOutput(second, "removed old Idempotency-Key records");

    // The recent key still replays its first answer; the removed one is a new request now.
    const replayed = await reserve(code, "shopper-2", freshKey);
    expect(replayed.body.id).toBe(kept.body.id);
    const again = await reserve(code, "shopper-1", oldKey);
    expect(again.status).toBe(200);
    expect(again.body.status).toBe("RESERVED");
    expect(again.body.id).not.toBe(held.body.id);
  }, 60_000);

  it("the order consumer removes processed event ids older than the retention", async () => {
    const { pool } = ctx.db.database;
    const ids = { old: [randomUUID(), randomUUID(), randomUUID()], fresh: [randomUUID(), randomUUID()] };
    await pool.query(
      `INSERT INTO processed_event (consumer, store_id, event_id, processed_at)
       SELECT 'promo-order-consumer', $3::uuid, id, now() - interval '8 days' FROM unnest($1::uuid[]) AS id
       UNION ALL
       SELECT 'promo-order-consumer', $3::uuid, id, now() - interval '1 hour' FROM unnest($2::uuid[]) AS id`,
      [ids.old, ids.fresh, system.store.storeId],
    );
    const remaining = async () =>
      (
        await pool.query<{ event_id: string }>(
          "SELECT event_id FROM processed_event WHERE event_id = ANY($1::uuid[]) ORDER BY event_id",
          [[...ids.old, ...ids.fresh]],
        )
      ).rows.map((row) => row.event_id);

    // The orders topic keeps its messages a week too: the ids outlive them, nothing to warn about.
    await setOrdersRetention(WEEK_MS);
    const consumer = system.startProcess("order-consumer", "order-consumer", {
      PROCESSED_EVENT_RETENTION_HOURS: "168",
      LOG_LEVEL: "info",
    });
    await eventually(async () => (await remaining()).length === 2, "old processed event ids removed", 30_000);
    expect(await remaining()).toEqual([...ids.fresh].sort());
    await waitForOutput(consumer, "removed old processed event ids");
    await waitForOutput(consumer, "order consumer started");
    expect(consumer.output()).not.toContain(RETENTION_WARNING);
    await consumer.stop();
  }, 60_000);

  it("the order consumer warns at start when the orders topic keeps messages longer than it keeps their ids", async () => {
    await setOrdersRetention(30 * 24 * 3_600_000);
    const consumer = system.startProcess("order-consumer", "order-consumer-short", {
      PROCESSED_EVENT_RETENTION_HOURS: "24",
      ORDER_CONSUMER_GROUP: `history-retention-${randomUUID()}`,
    });
    await waitForOutput(consumer, RETENTION_WARNING);
    const warning = consumer
      .output()
      .split("\n")
      .find((line) => line.includes(RETENTION_WARNING));
    expect(JSON.parse(warning ?? "{}")).toMatchObject({
      level: "warn",
      topic: ctx.topics.orders,
      topicRetentionHours: 720,
      processedEventRetentionHours: 24,
    });
    await consumer.stop();
  }, 60_000);
});

const WEEK_MS = 168 * 3_600_000;
const RETENTION_WARNING = "processed event ids are removed before the orders topic drops their messages";

/** Creates the orders topic with this retention, or sets it on the existing one. */
async function setOrdersRetention(retentionMs: number): Promise<void> {
  const admin = testKafka(ctx.env.KAFKA_BROKERS).admin();
  await admin.connect();
  try {
    const entry = { name: "retention.ms", value: String(retentionMs) };
    if ((await admin.listTopics()).includes(ctx.topics.orders)) {
      await admin.alterConfigs({
        validateOnly: false,
        resources: [
          { type: kafkajs.ConfigResourceTypes.TOPIC, name: ctx.topics.orders, configEntries: [entry] },
        ],
      });
    } else {
      await admin.createTopics({
        waitForLeaders: true,
        topics: [
          { topic: ctx.topics.orders, numPartitions: 3, replicationFactor: 1, configEntries: [entry] },
        ],
      });
    }
  } finally {
    await admin.disconnect();
  }
}
