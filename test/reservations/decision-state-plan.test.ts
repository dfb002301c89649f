// The state a group commit decides from (loadDecisionState) must cost the same at the end of a
// long flash sale as at its start. A once-per-account code collects one stored attempt per request
// (nearly all of them rejected); with the statistics PostgreSQL had before the sale, a single scan
// over the campaign's reservations read every one of those attempts on every commit, so each
// commit got slower than the one before. Here the campaign already holds 5,000 attempts that the
// statistics know nothing about, and the read of one batch of 54 accounts may touch only a few
// rows per account. Rows are counted from EXPLAIN ANALYZE, not timed.
import { findAccountHolds, loadDecisionState, poolSql } from "@promo/db";
import { createTestContext, type SeededStore, seedStore, type TestContext } from "@promo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AnalyzedNode, analyzedPlans, rowsTouched } from "../support/plans.ts";

const ATTEMPTS = 5_000;
const WINNERS = 11;

let ctx: TestContext;
let store: SeededStore;
let campaignId: string;
let codeId: string;

beforeAll(async () => {
  ctx = await createTestContext("decision-state-plan");
  const { prisma, pool } = ctx.db.database;
  store = await seedStore(prisma, "flash-plan");
  const campaign = await pool.query<{ id: string }>(
    `INSERT INTO campaign (id, store_id, name, discount_type, amount, currency, starts_at, ends_at,
       usage_limit, once_per_account, updated_at)
     VALUES (gen_random_uuid(), $1::uuid, 'Flash', 'fixed', 100, 'TWD', now() - interval '1 hour',
       now() + interval '1 day', ${WINNERS}, true, now())
     RETURNING id::text`,
    [store.storeId],
  );
  campaignId = campaign.rows[0]?.id ?? "";
  const code = await pool.query<{ id: string }>(
    `INSERT INTO code (id, store_id, campaign_id, code, code_key, source)
     VALUES (gen_random_uuid(), $1::uuid, $2::uuid, 'FLASH', 'FLASH', 'single') RETURNING id::text`,
    [store.storeId, campaignId],
  );
  codeId = code.rows[0]?.id ?? "";
  // The statistics of the table before the sale: the campaign's rows are unknown to them.
  await pool.query("ANALYZE reservation");
  await pool.query(
    `INSERT INTO reservation (id, store_id, code_id, campaign_id, code_input, code_key, account_id, member_groups,
       partition, sequence, status, error_code, currency, cart, discount, lines, totals, accepted_at, decided_at,
       expires_at)
     SELECT gen_random_uuid(), $1::uuid, $2::uuid, $3::uuid, 'FLASH', 'FLASH',
       CASE WHEN n <= ${WINNERS} THEN 'winner-' || n ELSE 'shopper-' || n END, '{}', 0, n,
       (CASE WHEN n <= ${WINNERS} THEN 'RESERVED' ELSE 'REJECTED' END)::reservation_status,
       CASE WHEN n > ${WINNERS} THEN 'USAGE_LIMIT_REACHED' END, 'TWD', '{}', 0, '[]', '{}', now(), now(),
       CASE WHEN n <= ${WINNERS} THEN now() + interval '1 hour' END
     FROM generate_series(1, ${ATTEMPTS}) n`,
    [store.storeId, codeId, campaignId],
  );
}, 60_000);

afterAll(async () => {
  await ctx?.cleanup();
});

/** The next batch: 50 shoppers who already tried (and were refused) and 4 of the winners. */
function nextBatch() {
  const accountIds = [
    ...Array.from({ length: 50 }, (_, index) => `shopper-${ATTEMPTS - index * 97}`),
    ...Array.from({ length: 4 }, (_, index) => `winner-${index * 3 + 1}`),
  ];
  return {
    accountIds,
    codeIds: [codeId],
    limitedCodeIds: [codeId],
    onceAccountPairs: accountIds.map((accountId) => ({ campaignId, accountId })),
    idempotencyScope: "reserve",
    idempotencyKeys: [],
    now: new Date(),
  };
}

describe("the decision state of a long flash sale", () => {
  it("finds the live holds among the stored attempts", async () => {
    const state = await loadDecisionState(poolSql(ctx.db.database.pool), nextBatch());
    expect(state.liveHolds.get(codeId)).toBe(WINNERS);
    expect([...(state.accountHolds.get(campaignId) ?? [])].sort()).toEqual([
      "winner-1",
      "winner-10",
      "winner-4",
      "winner-7",
    ]);
    expect(state.expired).toEqual([]);
  });

  it("reads a few rows per account of the batch, not the campaign's 5,000 attempts", async () => {
    const plans = await analyzedPlans(ctx.db.database.pool, (sql) => loadDecisionState(sql, nextBatch()));
    expect(plans).toHaveLength(1);
    // The 11 live holds counted and checked for expiry, and about one row per account of the batch.
    expect(rowsTouched(plans[0] as AnalyzedNode, "reservation")).toBeLessThan(200);
  });

  it("reads the accounts' holds at checkout and on confirm the same way", async () => {
    const { accountIds, now } = nextBatch();
    const pairs = accountIds.map((accountId) => ({ campaignId, accountId }));
    const plans = await analyzedPlans(ctx.db.database.pool, (sql) => findAccountHolds(sql, pairs, now));
    expect(plans).toHaveLength(1);
    expect(rowsTouched(plans[0] as AnalyzedNode, "reservation")).toBeLessThan(100);
    const holds = await findAccountHolds(poolSql(ctx.db.database.pool), pairs, now);
    expect(holds.get(campaignId)?.size).toBe(4);
  });
});
