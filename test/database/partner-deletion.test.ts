// Deleting a partner sets its codes' partner_id to NULL (ON DELETE SET NULL). The code table holds
// every generated code, so that must find the partner's codes through an index, not read the table:
// counted from PostgreSQL's own per-transaction statistics, against the real PostgreSQL.
import { deletePartner } from "@promo/db";
import { createTestContext, type SeededStore, seedStore, type TestContext } from "@promo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CODES = 20_000;
const PARTNER_CODES = 50;

let ctx: TestContext;
let store: SeededStore;

beforeAll(async () => {
  ctx = await createTestContext("partner-deletion");
  store = await seedStore(ctx.db.database.prisma, "partner-deletion");
}, 60_000);

afterAll(async () => {
  await ctx?.cleanup();
});

async function seedPartnerWithCodes(name: string): Promise<string> {
  const { pool } = ctx.db.database;
  const partner = await pool.query<{ id: string }>(
    `INSERT INTO partner (id, store_id, name, kind, updated_at)
     VALUES (gen_random_uuid(), $1::uuid, $2, 'affiliate', now()) RETURNING id::text`,
    [store.storeId, name],
  );
  const partnerId = partner.rows[0]?.id ?? "";
  const campaign = await pool.query<{ id: string }>(
    `INSERT INTO campaign (id, store_id, name, discount_type, amount, currency, starts_at, ends_at, once_per_account,
       updated_at)
     VALUES (gen_random_uuid(), $1::uuid, $2, 'fixed', 100, 'TWD', now(), now() + interval '1 day', false, now())
     RETURNING id::text`,
    [store.storeId, `${name} campaign`],
  );
  await pool.query(
    `INSERT INTO code (id, store_id, campaign_id, code, code_key, source, partner_id)
     SELECT gen_random_uuid(), $1::uuid, $2::uuid, $3 || n, $3 || n, 'generated',
       CASE WHEN n <= ${PARTNER_CODES} THEN $4::uuid END
     FROM generate_series(1, ${CODES}) n`,
    [store.storeId, campaign.rows[0]?.id, name.toUpperCase(), partnerId],
  );
  await pool.query("ANALYZE code");
  return partnerId;
}

describe("deleting a partner", () => {
  it("finds the partner's codes through the partial index and unlinks only them", async () => {
    const partnerId = await seedPartnerWithCodes("affiliateone");
    const client = await ctx.db.database.pool.connect();
    try {
      await client.query("BEGIN");
      await client.query("DELETE FROM partner WHERE id = $1", [partnerId]);
      const { rows } = await client.query<{ seq_scan: string; idx_scan: string }>(
        "SELECT seq_scan::text, idx_scan::text FROM pg_stat_xact_user_tables WHERE relname = 'code'",
      );
      await client.query("ROLLBACK");
      expect(rows[0]).toEqual({ seq_scan: "0", idx_scan: "1" });
    } finally {
      client.release();
    }

    expect(await deletePartner(ctx.db.database.prisma, store.storeId, partnerId)).toBe(true);
    const { rows } = await ctx.db.database.pool.query<{ linked: number; codes: number }>(
      "SELECT count(partner_id)::int AS linked, count(*)::int AS codes FROM code WHERE store_id = $1",
      [store.storeId],
    );
    expect(rows[0]).toEqual({ linked: 0, codes: CODES });
  }, 60_000);
});
