// The state a group commit decides from (loadDecisionState) must cost the same at the end of a
// long flash sale as at its start. A once-per-account code collects one stored attempt per request
// (nearly all of them rejected); with the statistics PostgreSQL had before the sale, a single scan
// over the campaign's reservations read every one of those attempts on every commit, so each
// commit got slower than the one before. Here the campaign already holds 5,000 attempts that the
// statistics know nothing about, and the read of one batch of 54 accounts may touch only a few
// rows per account. Rows are counted from EXPLAIN ANALYZE, not timed.
import { findAccountHolds, loadDecisionState, poolSql, type Sql } from "@promo/db";
import { createTestContext, type SeededStore, seedStore, type TestContext } from "@promo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ATTEMPTS = 5_000;
const WINNERS = 11;

let ctx: TestContext;
let store: SeededStore;
let campaignId: string;
let codeId: string;

type AnalyzedNode = {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "Actual Rows": number;
  "Actual Loops": number;
  "Rows Removed by Filter"?: number;
  "Rows Removed by Index Recheck"?: number;
  Plans?: AnalyzedNode[];
};

/** Rows (and index entries) every scan of a reservation relation or index produced or threw away. */
function reservationRowsTouched(node: AnalyzedNode): number {
  const touchesReservation =
    node["Relation Name"] === "reservation" || (node["Index Name"] ?? "").startsWith("reservation_");
  const own = touchesReservation
    ? (node["Actual Rows"] +
        (node["Rows Removed by Filter"] ?? 0) +
        (node["Rows Removed by Index Recheck"] ?? 0)) *
      node["Actual Loops"]
    : 0;
  return own + (node.Plans ?? []).reduce((sum, child) => sum + reservationRowsTouched(child), 0);
}

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

  /** The plans of the statements `read` sends, run with EXPLAIN ANALYZE in a transaction rolled back. */
  async function analyzed(read: (sql: Sql) => Promise<unknown>): Promise<AnalyzedNode[]> {
    const client = await ctx.db.database.pool.connect();
    const plans: AnalyzedNode[] = [];
    const explaining: Sql = {
      async query(text, values) {
        const { rows } = await client.query<{ "QUERY PLAN": [{ Plan: AnalyzedNode }] }>(
          `EXPLAIN (ANALYZE, FORMAT JSON) ${text}`,
          values as unknown[],
        );
        const plan = rows[0]?.["QUERY PLAN"][0]?.Plan;
        if (plan) plans.push(plan);
        return { rows: [] };
      },
    };
    try {
      await client.query("BEGIN");
      await read(explaining);
    } finally {
      await client.query("ROLLBACK");
      client.release();
    }
    return plans;
  }

  it("reads a few rows per account of the batch, not the campaign's 5,000 attempts", async () => {
    const plans = await analyzed((sql) => loadDecisionState(sql, nextBatch()));
    expect(plans).toHaveLength(1);
    // The 11 live holds counted and checked for expiry, and about one row per account of the batch.
    expect(reservationRowsTouched(plans[0] as AnalyzedNode)).toBeLessThan(200);
  });

  it("reads the accounts' holds at checkout and on confirm the same way", async () => {
    const { accountIds, now } = nextBatch();
    const pairs = accountIds.map((accountId) => ({ campaignId, accountId }));
    const plans = await analyzed((sql) => findAccountHolds(sql, pairs, now));
    expect(plans).toHaveLength(1);
    expect(reservationRowsTouched(plans[0] as AnalyzedNode)).toBeLessThan(100);
    const holds = await findAccountHolds(poolSql(ctx.db.database.pool), pairs, now);
    expect(holds.get(campaignId)?.size).toBe(4);
  });
});
