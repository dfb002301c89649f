// Performance reports read a store's orders through `reservation_report_idx` (prisma/migrations/
// 20261123000000_reports): on a table of 40,000 reservations over 100 days, the plan PostgreSQL
// chooses for a one-day report (with the report's own settings) scans the reservations only as an
// index-only scan of that index, so the wide reservation rows are never read, apart from the few
// that share their order with another (one order in a hundred here), read through their own index
// (and their orders' totals through the order-number index).
// If the report came to read a column the index lacks, or an index were dropped, the scans would
// change and this fails.
import { explainReport, type ReportQuery, scansOf } from "@promo/db";
import { createTestContext, type SeededStore, seedStore, type TestContext } from "@promo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const RESERVATIONS = 40_000;
const DAYS = 100;
const EPOCH = Date.parse("2026-07-01T00:00:00.000Z");
const DAY = 86_400_000;

let ctx: TestContext;
let store: SeededStore;
let campaignId: string;
let partnerId: string;

beforeAll(async () => {
  ctx = await createTestContext("report-index");
  const { prisma, pool } = ctx.db.database;
  store = await seedStore(prisma, "reports");
  // Another store's orders share the table (and the index) but never the plan's range.
  const other = await seedStore(prisma, "others");
  for (const storeId of [store.storeId, other.storeId]) {
    await pool.query(
      `INSERT INTO partner (id, store_id, name, kind, updated_at)
       SELECT gen_random_uuid(), $1::uuid, 'Partner ' || n, 'affiliate', now() FROM generate_series(1, 3) n`,
      [storeId],
    );
    await pool.query(
      `INSERT INTO campaign (id, store_id, name, discount_type, amount, currency, starts_at, ends_at,
         member_groups, product_ids, usage_limit, once_per_account, combines_with, updated_at)
       SELECT gen_random_uuid(), $1::uuid, 'Campaign ' || n, 'fixed', 100, 'TWD', $2::timestamptz,
         $2::timestamptz + interval '${DAYS} days', '{}', '{P}', NULL, false, '{}', now()
       FROM generate_series(1, 4) n`,
      [storeId, new Date(EPOCH)],
    );
    await pool.query(
      `INSERT INTO code (id, store_id, campaign_id, code, code_key, source)
       SELECT gen_random_uuid(), $1::uuid, c.id, 'IDX' || left(c.id::text, 8) || n, 'IDX' || upper(left(c.id::text, 8)) || n, 'single'
       FROM generate_series(1, 25) n CROSS JOIN campaign c WHERE c.store_id = $1::uuid`,
      [storeId],
    );
    // Orders spread evenly over the 100 days: 3 in 5 confirmed, 1 in 5 cancelled, the rest held.
    await pool.query(
      `WITH codes AS (SELECT id, campaign_id, code, row_number() OVER (ORDER BY id) - 1 AS i FROM code WHERE store_id = $1::uuid),
            partners AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS i FROM partner WHERE store_id = $1::uuid)
       INSERT INTO reservation (id, store_id, code_id, campaign_id, code_input, code_key, account_id, member_groups,
         partition, sequence, status, currency, cart, discount, lines, totals, partner_id, order_number,
         order_total, accepted_at, decided_at, confirmed_at, cancelled_at)
       SELECT gen_random_uuid(), $1::uuid, c.id, c.campaign_id, c.code, upper(c.code), 'acct-' || n % 3000, '{}',
         0, n, s.status::reservation_status, 'TWD', '{}', 100, '[]', '{}',
         CASE WHEN s.status <> 'RESERVED' AND n % 2 = 0 THEN p.id END,
         CASE WHEN s.status <> 'RESERVED' THEN 'ORD-' || CASE WHEN n % 100 = 1 THEN n - 1 ELSE n END END,
         CASE WHEN s.status <> 'RESERVED' THEN 1000 + n % 500 END,
         t.at, t.at, CASE WHEN s.status <> 'RESERVED' THEN t.at END,
         CASE WHEN s.status = 'CANCELLED' THEN t.at + interval '1 hour' END
       FROM generate_series(1, $2::int) n
       JOIN codes c ON c.i = n % 100
       JOIN partners p ON p.i = n % 3
       CROSS JOIN LATERAL (SELECT $3::timestamptz + (n * ${DAYS}::bigint * 86400 / $2::int) * interval '1 second' AS at) t
       CROSS JOIN LATERAL (SELECT CASE WHEN n % 5 < 3 THEN 'CONFIRMED' WHEN n % 5 = 3 THEN 'CANCELLED'
         ELSE 'RESERVED' END AS status) s`,
      [storeId, RESERVATIONS / 2, new Date(EPOCH)],
    );
  }
  // Both reservations of an order that carries two are marked, as confirmation marks them.
  await pool.query(
    `UPDATE reservation SET shares_order = true
     WHERE (store_id, order_number) IN (SELECT store_id, order_number FROM reservation
                                        WHERE order_number IS NOT NULL GROUP BY 1, 2 HAVING count(*) > 1)`,
  );
  // As autovacuum leaves a table that has settled: statistics, and the visibility map that lets an
  // index-only scan skip the table.
  await pool.query("VACUUM ANALYZE reservation");
  const ids = await pool.query<{ campaign_id: string; partner_id: string }>(
    `SELECT (SELECT id FROM campaign WHERE store_id = $1::uuid LIMIT 1)::text AS campaign_id,
            (SELECT id FROM partner WHERE store_id = $1::uuid LIMIT 1)::text AS partner_id`,
    [store.storeId],
  );
  campaignId = ids.rows[0]?.campaign_id ?? "";
  partnerId = ids.rows[0]?.partner_id ?? "";
}, 60_000);

afterAll(async () => {
  await ctx?.cleanup();
});

function oneDay(filters: Partial<ReportQuery> = {}): ReportQuery {
  return {
    storeId: store.storeId,
    from: new Date(EPOCH + 40 * DAY),
    to: new Date(EPOCH + 41 * DAY),
    campaignId: null,
    partnerId: null,
    limit: 1_000,
    ...filters,
  };
}

describe("reports use reservation_report_idx", () => {
  it("seeded what the plans are about", async () => {
    const { rows } = await ctx.db.database.pool.query<{ all: number; day: number }>(
      `SELECT count(*)::int AS all,
         count(*) FILTER (WHERE store_id = $1::uuid AND confirmed_at >= $2 AND confirmed_at < $3)::int AS day
       FROM reservation`,
      [store.storeId, oneDay().from, oneDay().to],
    );
    expect(rows[0]).toEqual({ all: RESERVATIONS, day: 160 });
  });

  it.each([
    ["codes", "no filter"],
    ["partners", "no filter"],
    ["codes", "campaignId"],
    ["partners", "partnerId"],
  ] as const)("the %s report of one day (%s) is an index-only scan", async (report, filter) => {
    const query = oneDay(
      filter === "campaignId" ? { campaignId } : filter === "partnerId" ? { partnerId } : {},
    );
    const plan = await explainReport(ctx.db.database.pool, report, query);
    // The reservations that share an order with another are read apart, from their own index, and
    // their orders' totals through the order-number index.
    expect(scansOf(plan, "reservation").sort()).toEqual([
      "Index Only Scan using reservation_report_idx",
      "Index Scan using reservation_shared_order_idx",
      "Index Scan using reservation_store_id_order_number_idx",
    ]);
  });
});
