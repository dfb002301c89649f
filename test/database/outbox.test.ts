// The outbox as the relay uses it, against the real PostgreSQL in a database of its own: its read of
// the next unpublished rows must touch only those rows whatever the table's statistics say (with
// statistics taken while every row was unpublished, an index on (published_at, id) let the planner
// walk the primary key past every published row), and the cleanup removes old history only.
import {
  deletePublishedOutbox,
  fetchUnpublishedOutbox,
  insertOutboxEvents,
  measureOutboxLag,
  type NewOutboxRow,
  poolSql,
} from "@promo/db";
import { createTestContext, type SeededStore, seedStore, type TestContext } from "@promo/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type AnalyzedNode, analyzedPlans, rowsTouched } from "../support/plans.ts";

let ctx: TestContext;
let store: SeededStore;

function events(count: number, label: string): NewOutboxRow[] {
  return Array.from({ length: count }, (_, index) => ({
    store_id: store.storeId,
    topic: "promo.redemptions",
    key: label,
    event_type: "reservation.rejected",
    payload: { label, index },
  }));
}

async function outboxIds(): Promise<{ id: string; published: boolean }[]> {
  const { rows } = await ctx.db.database.pool.query<{ id: string; published: boolean }>(
    "SELECT id::text AS id, published_at IS NOT NULL AS published FROM outbox_event ORDER BY id",
  );
  return rows;
}

beforeAll(async () => {
  ctx = await createTestContext("outbox");
  store = await seedStore(ctx.db.database.prisma, "outbox");
}, 60_000);

beforeEach(async () => {
  await ctx.db.database.pool.query("DELETE FROM outbox_event");
});

afterAll(async () => {
  await ctx?.cleanup();
});

describe("the relay's read", () => {
  it("touches only the unpublished rows, with statistics from when every row was unpublished", async () => {
    const { pool } = ctx.db.database;
    const sql = poolSql(pool);
    for (let batch = 0; batch < 20; batch++) await insertOutboxEvents(sql, events(1_000, `batch-${batch}`));
    await pool.query("ANALYZE outbox_event");
    // Published after the statistics were taken: they know of no published row.
    await pool.query(
      `UPDATE outbox_event SET published_at = now() WHERE id < (SELECT max(id) - 2 FROM outbox_event)`,
    );
    const pending = (await outboxIds()).filter((row) => !row.published).map((row) => row.id);
    expect(pending).toHaveLength(3);

    const plans = await analyzedPlans(pool, (explaining) => fetchUnpublishedOutbox(explaining, 1_000));
    expect(rowsTouched(plans[0] as AnalyzedNode, "outbox_event")).toBe(3);

    const fetched = await fetchUnpublishedOutbox(sql, 1_000);
    expect(fetched.map((event) => event.id)).toEqual(pending);
    expect((await measureOutboxLag(sql, new Date())).pending).toBe(3);
  }, 60_000);
});

describe("deletePublishedOutbox", () => {
  it("removes published rows older than the cutoff and keeps unpublished and recent ones", async () => {
    const { pool } = ctx.db.database;
    const sql = poolSql(pool);
    await insertOutboxEvents(sql, events(6, "history"));
    const ids = (await outboxIds()).map((row) => row.id);
    // In id order: old, old, unpublished, old, recent, unpublished.
    const publishedAt: Record<number, string | null> = {
      0: "now() - interval '2 days'",
      1: "now() - interval '2 days'",
      3: "now() - interval '2 days'",
      4: "now() - interval '1 hour'",
    };
    for (const [index, at] of Object.entries(publishedAt)) {
      await pool.query(`UPDATE outbox_event SET published_at = ${at} WHERE id = $1`, [ids[Number(index)]]);
    }
    const cutoff = new Date(Date.now() - 24 * 3_600_000);

    // Only the two oldest rows by id are looked at: both are old history.
    expect(await deletePublishedOutbox(sql, cutoff, 2)).toBe(2);
    expect((await outboxIds()).map((row) => row.id)).toEqual(ids.slice(2));

    expect(await deletePublishedOutbox(sql, cutoff)).toBe(1);
    expect(await outboxIds()).toEqual([
      { id: ids[2], published: false },
      { id: ids[4], published: true },
      { id: ids[5], published: false },
    ]);
    expect(await deletePublishedOutbox(sql, cutoff)).toBe(0);
  }, 60_000);
});
