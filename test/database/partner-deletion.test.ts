// Deleting a partner sets its codes' and campaigns' partner_id to NULL (ON DELETE SET NULL) and
// deletes its tracking rules (ON DELETE CASCADE). The code table holds every generated code, and the
// campaign and rule tables every other partner's, so each must be found through an index, not by
// reading the table: counted from PostgreSQL's own per-transaction statistics, against the real
// PostgreSQL.
import { deletePartner } from "@promo/db";
import { createTestContext, type SeededStore, seedStore, type TestContext } from "@promo/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CODES = 20_000;
const PARTNER_CODES = 50;
/** Campaigns and rules of the store that are not the deleted partner's. */
const OTHER_CAMPAIGNS = 5_000;
const OTHER_RULES = 5_000;
const PARTNER_CAMPAIGNS = 3;
const PARTNER_RULES = 3;

let ctx: TestContext;
let store: SeededStore;

beforeAll(async () => {
  ctx = await createTestContext("partner-deletion");
  store = await seedStore(ctx.db.database.prisma, "partner-deletion");
}, 60_000);

afterAll(async () => {
  await ctx?.cleanup();
});

async function insertPartner(name: string): Promise<string> {
  const { rows } = await ctx.db.database.pool.query<{ id: string }>(
    `INSERT INTO partner (id, store_id, name, kind, updated_at)
     VALUES (gen_random_uuid(), $1::uuid, $2, 'affiliate', now()) RETURNING id::text`,
    [store.storeId, name],
  );
  return rows[0]?.id ?? "";
}

/** `count` campaigns named `<prefix> <n>`, tied to `partnerId` (or to no partner); the first one's id. */
async function insertCampaigns(prefix: string, count: number, partnerId: string | null): Promise<string> {
  const { rows } = await ctx.db.database.pool.query<{ id: string }>(
    `INSERT INTO campaign (id, store_id, name, discount_type, amount, currency, starts_at, ends_at, once_per_account,
       partner_id, updated_at)
     SELECT gen_random_uuid(), $1::uuid, $2 || ' ' || n, 'fixed', 100, 'TWD', now(), now() + interval '1 day', false,
       $3::uuid, now()
     FROM generate_series(1, $4::int) n
     RETURNING id::text`,
    [store.storeId, prefix, partnerId, count],
  );
  return rows[0]?.id ?? "";
}

async function insertRules(partnerId: string, count: number): Promise<void> {
  await ctx.db.database.pool.query(
    `INSERT INTO partner_rule (id, store_id, partner_id, pattern)
     SELECT gen_random_uuid(), $1::uuid, $2::uuid, '^R' || n || '-' FROM generate_series(1, $3::int) n`,
    [store.storeId, partnerId, count],
  );
}

/** The partner to delete, with its codes, campaigns and rules among many that are not its own. */
async function seedPartner(name: string): Promise<string> {
  const { pool } = ctx.db.database;
  const partnerId = await insertPartner(name);
  const otherPartnerId = await insertPartner(`${name} other`);
  const campaignId = await insertCampaigns(`${name} untied`, OTHER_CAMPAIGNS, null);
  await insertCampaigns(`${name} tied`, PARTNER_CAMPAIGNS, partnerId);
  await insertRules(otherPartnerId, OTHER_RULES);
  await insertRules(partnerId, PARTNER_RULES);
  await pool.query(
    `INSERT INTO code (id, store_id, campaign_id, code, code_key, source, partner_id)
     SELECT gen_random_uuid(), $1::uuid, $2::uuid, $3 || n, $3 || n, 'generated',
       CASE WHEN n <= ${PARTNER_CODES} THEN $4::uuid END
     FROM generate_series(1, ${CODES}) n`,
    [store.storeId, campaignId, name.toUpperCase(), partnerId],
  );
  await pool.query("ANALYZE code, campaign, partner_rule");
  return partnerId;
}

describe("deleting a partner", () => {
  it("finds the partner's codes, campaigns and rules through indexes and touches only them", async () => {
    const partnerId = await seedPartner("affiliateone");
    // A connection of its own: a backend's not yet flushed counts of earlier transactions (the seeding's
    // foreign-key checks) would show in pg_stat_xact_user_tables too.
    const client = new pg.Client({ connectionString: ctx.db.url });
    await client.connect();
    try {
      await client.query("BEGIN");
      await client.query("DELETE FROM partner WHERE id = $1", [partnerId]);
      const { rows } = await client.query<{ relname: string; seq_scan: string; idx_scan: string }>(
        `SELECT relname, seq_scan::text, idx_scan::text FROM pg_stat_xact_user_tables
         WHERE relname IN ('code', 'campaign', 'partner_rule') ORDER BY relname`,
      );
      await client.query("ROLLBACK");
      expect(rows).toEqual([
        { relname: "campaign", seq_scan: "0", idx_scan: "1" },
        { relname: "code", seq_scan: "0", idx_scan: "1" },
        { relname: "partner_rule", seq_scan: "0", idx_scan: "1" },
      ]);
    } finally {
      await client.end();
    }

    expect(await deletePartner(ctx.db.database.prisma, store.storeId, partnerId)).toBe(true);
    const { rows } = await ctx.db.database.pool.query<{ table: string; linked: number; total: number }>(
      `SELECT 'code' AS table, count(partner_id)::int AS linked, count(*)::int AS total FROM code WHERE store_id = $1
       UNION ALL
       SELECT 'campaign', count(partner_id)::int, count(*)::int FROM campaign WHERE store_id = $1
       UNION ALL
       SELECT 'partner_rule', count(*) FILTER (WHERE partner_id = $2)::int, count(*)::int FROM partner_rule
       WHERE store_id = $1`,
      [store.storeId, partnerId],
    );
    expect(rows).toEqual([
      { table: "code", linked: 0, total: CODES },
      { table: "campaign", linked: 0, total: OTHER_CAMPAIGNS + PARTNER_CAMPAIGNS },
      { table: "partner_rule", linked: 0, total: OTHER_RULES },
    ]);
  }, 60_000);
});
