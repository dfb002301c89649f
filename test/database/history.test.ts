// Idempotency-Key records and processed Kafka event ids are history: once older than their
// retention they are removed, oldest first and a chunk at a time, and the removal reads only the rows
// it removes however large the table has grown (counted from EXPLAIN ANALYZE, not timed).
import { randomUUID } from "node:crypto";
import { createHistoryCleanup, deleteHistoryBefore, type HistoryTable, poolSql } from "@promo/db";
import { createTestContext, type SeededStore, seedStore, type TestContext } from "@promo/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type AnalyzedNode, analyzedPlans, rowsTouched } from "../support/plans.ts";

let ctx: TestContext;
let store: SeededStore;

const HOUR_MS = 3_600_000;

/** `count` Idempotency-Key records written `ageHours` ago (keys `<label>-<n>`). */
async function seedIdempotency(label: string, count: number, ageHours: number): Promise<void> {
  await ctx.db.database.pool.query(
    `INSERT INTO idempotency_record (store_id, scope, key, request_hash, response_status, response_body, created_at)
     SELECT $1, 'reserve', $2 || '-' || n, 'hash', 200, '{}'::jsonb, now() - make_interval(hours => $3) - n * interval '1 ms'
     FROM generate_series(1, $4) AS n`,
    [store.storeId, label, ageHours, count],
  );
}

/** `count` processed event ids of `consumer`, processed `ageHours` ago. */
async function seedProcessed(consumer: string, count: number, ageHours: number): Promise<void> {
  await ctx.db.database.pool.query(
    `INSERT INTO processed_event (consumer, store_id, event_id, processed_at)
     SELECT $1, $4, gen_random_uuid(), now() - make_interval(hours => $2) - n * interval '1 ms'
     FROM generate_series(1, $3) AS n`,
    [consumer, ageHours, count, store.storeId],
  );
}

async function idempotencyKeys(): Promise<string[]> {
  const { rows } = await ctx.db.database.pool.query<{ key: string }>(
    "SELECT key FROM idempotency_record ORDER BY key",
  );
  return rows.map((row) => row.key);
}

async function countRows(table: "idempotency_record" | "processed_event"): Promise<number> {
  const { rows } = await ctx.db.database.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return rows[0]?.n ?? 0;
}

beforeAll(async () => {
  ctx = await createTestContext("history");
  store = await seedStore(ctx.db.database.prisma, "history");
}, 60_000);

beforeEach(async () => {
  await ctx.db.database.pool.query("DELETE FROM idempotency_record");
  await ctx.db.database.pool.query("DELETE FROM processed_event");
});

afterAll(async () => {
  await ctx?.cleanup();
});

describe("deleteHistoryBefore", () => {
  it("removes Idempotency-Key records older than the cutoff, the oldest first, at most a chunk", async () => {
    const sql = poolSql(ctx.db.database.pool);
    await seedIdempotency("week", 3, 7 * 24);
    await seedIdempotency("old", 2, 48);
    await seedIdempotency("fresh", 2, 1);
    const cutoff = new Date(Date.now() - 24 * HOUR_MS);

    expect(await deleteHistoryBefore(sql, "idempotencyRecords", cutoff, 2)).toBe(2);
    // The two oldest are the week-old keys with the largest offsets.
    expect(await idempotencyKeys()).toEqual(["fresh-1", "fresh-2", "old-1", "old-2", "week-1"]);

    expect(await deleteHistoryBefore(sql, "idempotencyRecords", cutoff)).toBe(3);
    expect(await idempotencyKeys()).toEqual(["fresh-1", "fresh-2"]);
    expect(await deleteHistoryBefore(sql, "idempotencyRecords", cutoff)).toBe(0);
  }, 60_000);

  it("removes processed event ids older than the cutoff, whatever their consumer", async () => {
    const sql = poolSql(ctx.db.database.pool);
    await seedProcessed("promo-order-consumer", 4, 200);
    await seedProcessed("another-consumer", 3, 200);
    await seedProcessed("promo-order-consumer", 5, 2);
    const cutoff = new Date(Date.now() - 168 * HOUR_MS);

    expect(await deleteHistoryBefore(sql, "processedEvents", cutoff)).toBe(7);
    expect(await countRows("processed_event")).toBe(5);
    const { rows } = await ctx.db.database.pool.query<{ old: number }>(
      "SELECT count(*)::int AS old FROM processed_event WHERE processed_at < $1",
      [cutoff],
    );
    expect(rows[0]?.old).toBe(0);
  }, 60_000);

  it.each([
    ["idempotencyRecords", "idempotency_record"],
    ["processedEvents", "processed_event"],
  ] as const)(
    "%s: reads only the rows it removes from a large table",
    async (history: HistoryTable, table) => {
      const { pool } = ctx.db.database;
      if (history === "idempotencyRecords") {
        await seedIdempotency("old", 25, 48);
        await seedIdempotency("fresh", 20_000, 1);
      } else {
        await seedProcessed("promo-order-consumer", 25, 200);
        await seedProcessed("promo-order-consumer", 20_000, 1);
      }
      await pool.query(`ANALYZE ${table}`);
      const cutoff = new Date(Date.now() - 24 * HOUR_MS);

      const plans = await analyzedPlans(pool, (explaining) =>
        deleteHistoryBefore(explaining, history, cutoff),
      );
      // The time index finds the 25 (an index scan, not the table), a TID scan fetches them by
      // address, and the delete removes them: 25 rows at each step, none of the 20,000 recent ones.
      expect(rowsTouched(plans[0] as AnalyzedNode, table)).toBe(75);

      expect(await deleteHistoryBefore(poolSql(pool), history, cutoff)).toBe(25);
      expect(await countRows(table)).toBe(20_000);
    },
    60_000,
  );
});

describe("createHistoryCleanup", () => {
  it("removes a chunk when due, then waits a minute unless the chunk was full", async () => {
    const sql = poolSql(ctx.db.database.pool);
    await seedIdempotency("old", 5, 48);
    const cleanup = createHistoryCleanup({
      history: "idempotencyRecords",
      retentionMs: 24 * HOUR_MS,
      clock: () => new Date(),
      chunk: 2,
    });

    // Full chunks: due again at once, until one comes back short.
    expect(await cleanup.runIfDue(sql)).toBe(2);
    expect(await cleanup.runIfDue(sql)).toBe(2);
    expect(await cleanup.runIfDue(sql)).toBe(1);
    expect(await countRows("idempotency_record")).toBe(0);

    // Short chunk: the next cleanup is a minute away, so rows that age meanwhile wait for it.
    await seedIdempotency("later", 1, 48);
    expect(await cleanup.runIfDue(sql)).toBe(0);
    expect(await countRows("idempotency_record")).toBe(1);
  }, 60_000);

  it("keeps every row when the retention is 0", async () => {
    const sql = poolSql(ctx.db.database.pool);
    await seedProcessed(`consumer-${randomUUID()}`, 3, 24 * 365);
    const cleanup = createHistoryCleanup({
      history: "processedEvents",
      retentionMs: 0,
      clock: () => new Date(),
    });
    expect(await cleanup.runIfDue(sql)).toBe(0);
    expect(await countRows("processed_event")).toBe(3);
  }, 60_000);
});
