// Order event batches of different partitions applied at once, against the real PostgreSQL: one
// event sent twice under different keys sits in two batches, which must not wait on each other in
// opposite orders over it (a deadlock stalls both for PostgreSQL's deadlock_timeout and fails one).
import { randomUUID } from "node:crypto";
import type { OrderPlaced } from "@promo/contracts";
import { createTestContext, type SeededStore, seedStore, type TestContext } from "@promo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyOrderEvents, type OrderEffect } from "./apply-order-events.ts";

let ctx: TestContext;
let store: SeededStore;
const NOW = new Date();
const CODES = ["TWICEA", "TWICEB"] as const;
const codes: Record<string, { codeId: string; campaignId: string }> = {};

beforeAll(async () => {
  ctx = await createTestContext("apply-order-events");
  store = await seedStore(ctx.db.database.prisma, "apply-order-events");
  for (const code of CODES) {
    const { rows } = await ctx.db.database.pool.query<{ campaign_id: string; code_id: string }>(
      `WITH c AS (
         INSERT INTO campaign (id, store_id, name, discount_type, amount, currency, starts_at, ends_at,
           once_per_account, combines_with_all, updated_at)
         VALUES (gen_random_uuid(), $1::uuid, $2, 'fixed', 100, 'TWD', $3::timestamptz - interval '1 day',
           $3::timestamptz + interval '1 day', false, false, now())
         RETURNING id)
       INSERT INTO code (id, store_id, campaign_id, code, code_key, source)
       SELECT gen_random_uuid(), $1::uuid, c.id, $2, $2, 'single' FROM c
       RETURNING campaign_id::text, id::text AS code_id`,
      [store.storeId, code, NOW],
    );
    codes[code] = { codeId: rows[0]?.code_id ?? "", campaignId: rows[0]?.campaign_id ?? "" };
  }
});

afterAll(async () => {
  await ctx?.cleanup();
});

let sequence = 0;

/** A live hold of `code` (RESERVED for an hour). */
async function hold(code: string, accountId: string): Promise<string> {
  const id = randomUUID();
  sequence += 1;
  const { codeId, campaignId } = codes[code] ?? { codeId: "", campaignId: "" };
  await ctx.db.database.pool.query(
    `INSERT INTO reservation (id, store_id, code_id, campaign_id, code_input, code_key, account_id,
       member_groups, partition, sequence, status, currency, cart, discount, lines, totals,
       accepted_at, decided_at, expires_at)
     VALUES ($1::uuid, $2::uuid, $3::uuid, $4::uuid, $5, $5, $6, '{}', 0, $7, 'RESERVED', 'TWD',
       '{}', 100, '[]', '{"subtotal": 1000, "discount": 100, "total": 900}', $8, $8,
       $8::timestamptz + interval '1 hour')`,
    [id, store.storeId, codeId, campaignId, code, accountId, sequence, NOW],
  );
  return id;
}

const envelope = () => ({ eventId: randomUUID(), storeId: store.storeId, occurredAt: NOW.toISOString() });
const placed = (reservationId: string, accountId: string, orderNumber: string): OrderPlaced => ({
  ...envelope(),
  type: "order.placed",
  reservationId,
  accountId,
  orderNumber,
  orderTotal: 900,
});

describe("applyOrderEvents, one event in two partitions' batches at once", () => {
  it("applies it once, whichever batch records it first, without a deadlock", async () => {
    const deadlocksBefore = await deadlocks();
    for (let round = 0; round < 3; round += 1) {
      // Enough that the two batches' first statements (recording the ids) overlap.
      const events = await Promise.all(
        Array.from({ length: 300 }, async (_, index) => {
          const account = `acct-twice-${round}-${index}`;
          return placed(await hold(CODES[index % 2] ?? "", account), account, `ORD-TWICE-${round}-${index}`);
        }),
      );
      // The same events (ids included), sent under other keys: the other batch holds them reversed.
      const effects = await Promise.all(
        [events, [...events].reverse()].map((batch) => applyOrderEvents(ctx.db.database, batch, new Date())),
      );
      for (const event of events) {
        const kinds = effects.map((batch) => batch.find((effect) => effect.eventId === event.eventId)?.kind);
        expect(kinds.sort()).toEqual(["confirmed", "duplicate"]);
      }
    }
    expect(await deadlocks()).toBe(deadlocksBefore);
  });
});

/** PostgreSQL's count of deadlocks detected in this test's database, flushed first. */
async function deadlocks(): Promise<number> {
  await ctx.db.database.pool.query("SELECT pg_stat_force_next_flush()");
  const { rows } = await ctx.db.database.pool.query<{ deadlocks: string }>(
    "SELECT deadlocks::text FROM pg_stat_database WHERE datname = current_database()",
  );
  return Number(rows[0]?.deadlocks);
}

describe("applyOrderEvents, an eventId used again", () => {
  it("by another event: not applied, reported for the DLQ with its place in the batch; a redelivery stays a duplicate", async () => {
    const first = placed(await hold("TWICEA", "acct-reuse-1"), "acct-reuse-1", "ORD-REUSE-1");
    const otherHold = await hold("TWICEA", "acct-reuse-2");
    const other: OrderPlaced = {
      ...placed(otherHold, "acct-reuse-2", "ORD-REUSE-2"),
      eventId: first.eventId,
    };
    // Sent again, stamped anew: the same event.
    const again: OrderPlaced = { ...first, occurredAt: new Date(NOW.getTime() + 5_000).toISOString() };
    const inOneBatch = await applyOrderEvents(ctx.db.database, [first, other, again], new Date());
    expect(inOneBatch).toEqual([
      { kind: "confirmed", eventId: first.eventId },
      { kind: "reused-event-id", eventId: first.eventId, index: 1 },
      { kind: "duplicate", eventId: first.eventId },
    ]);
    const later = await applyOrderEvents(ctx.db.database, [again, other], new Date());
    expect(later).toEqual([
      { kind: "duplicate", eventId: first.eventId },
      { kind: "reused-event-id", eventId: first.eventId, index: 1 },
    ]);
    // Each is judged against the event recorded under the id, whichever comes first in the batch.
    const reversed = await applyOrderEvents(ctx.db.database, [other, again], new Date());
    expect(reversed).toEqual([
      { kind: "reused-event-id", eventId: first.eventId, index: 0 },
      { kind: "duplicate", eventId: first.eventId },
    ]);
    const { rows } = await ctx.db.database.pool.query<{ status: string }>(
      "SELECT status FROM reservation WHERE id = $1",
      [otherHold],
    );
    expect(rows[0]?.status).toBe("RESERVED");
  });

  it("after an event that was not applied (an unknown reservation), in the same batch as in the next", async () => {
    for (const [label, batches] of [
      ["one batch", (a: OrderPlaced, b: OrderPlaced) => [[a, b]]],
      ["two batches", (a: OrderPlaced, b: OrderPlaced) => [[a], [b]]],
    ] as const) {
      const held = await hold("TWICEA", `acct-fixed-${label}`);
      const corrected = placed(held, `acct-fixed-${label}`, `ORD-FIXED-${label}`);
      // The order system named a reservation that does not exist, then sent the event again fixed.
      const mistaken: OrderPlaced = { ...corrected, reservationId: randomUUID() };
      const effects: OrderEffect[] = [];
      for (const batch of batches(mistaken, corrected)) {
        effects.push(...(await applyOrderEvents(ctx.db.database, batch, new Date())));
      }
      expect(effects.map((effect) => effect.kind)).toEqual(["unknown-reservation", "confirmed"]);
      const { rows } = await ctx.db.database.pool.query<{ status: string }>(
        "SELECT status FROM reservation WHERE id = $1",
        [held],
      );
      expect(rows[0]?.status).toBe("CONFIRMED");
    }
  });
});
