// One order carrying several reservations (codes stacked at checkout, or an order cancelled and placed
// again): every confirmation path marks them (`shares_order`), and the performance reports count such
// an order, its total included, once per partner, once per code and once per currency. Against the
// real PostgreSQL, in a database of its own.
import { randomUUID } from "node:crypto";
import {
  cancelOrderReservations,
  confirmHeldReservations,
  confirmReservation,
  prismaSql,
  type ReportQuery,
  reportByCode,
  reportByPartner,
} from "@promo/db";
import { createTestContext, eventually, type SeededStore, seedStore, type TestContext } from "@promo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let ctx: TestContext;
let store: SeededStore;
/** Campaign ids by code. */
const campaignIds: Record<string, string> = {};
const partnerIds: Record<"amy" | "media", string> = { amy: "", media: "" };
/** Code ids by code: A1 and A2 are Amy's, B1 is Media's, N1 and S1 nobody's. */
const codeIds: Record<string, string> = {};
const NOW = new Date();
const HOUR = 3_600_000;

beforeAll(async () => {
  ctx = await createTestContext("shared-orders");
  const { pool } = ctx.db.database;
  store = await seedStore(ctx.db.database.prisma, "shared-orders");
  for (const [key, name] of [
    ["amy", "Amy"],
    ["media", "Media"],
  ] as const) {
    const { rows } = await pool.query<{ id: string }>(
      `INSERT INTO partner (id, store_id, name, kind, updated_at)
       VALUES (gen_random_uuid(), $1::uuid, $2, 'creator', now()) RETURNING id::text`,
      [store.storeId, name],
    );
    partnerIds[key] = rows[0]?.id ?? "";
  }
  // One campaign per code, each combining with any other: an order may stack them (checkOrderLink).
  // S1's campaign stacks with nothing.
  for (const [code, partnerId, combinesWithAll] of [
    ["A1", partnerIds.amy, true],
    ["A2", partnerIds.amy, true],
    ["B1", partnerIds.media, true],
    ["N1", null, true],
    ["S1", null, false],
  ] as const) {
    const campaign = await pool.query<{ id: string }>(
      `INSERT INTO campaign (id, store_id, name, discount_type, amount, currency, starts_at, ends_at,
         once_per_account, combines_with_all, updated_at)
       VALUES (gen_random_uuid(), $1::uuid, $3, 'fixed', 100, 'TWD', $2::timestamptz - interval '1 day',
         $2::timestamptz + interval '1 day', false, $4, now())
       RETURNING id::text`,
      [store.storeId, NOW, `Stacking ${code}`, combinesWithAll],
    );
    campaignIds[code] = campaign.rows[0]?.id ?? "";
    const { rows } = await pool.query<{ id: string }>(
      `INSERT INTO code (id, store_id, campaign_id, code, code_key, source, partner_id)
       VALUES (gen_random_uuid(), $1::uuid, $2::uuid, $3, $3, 'single', $4::uuid) RETURNING id::text`,
      [store.storeId, campaignIds[code], code, partnerId],
    );
    codeIds[code] = rows[0]?.id ?? "";
  }
});

afterAll(async () => {
  await ctx?.cleanup();
});

let sequence = 0;

/**
 * A live hold (RESERVED, expiring an hour after `liveAt`) of `code` by `accountId`, with a discount of
 * 100 on a cart of 1,000 with 60 shipping (its own share: total 960), priced after the holds
 * `stacksOn` names (an order's codes must be one stack: checkOrderLink).
 */
async function hold(
  code: string,
  accountId: string,
  stacksOn: readonly string[] = [],
  liveAt: Date = NOW,
): Promise<string> {
  const id = randomUUID();
  sequence += 1;
  await ctx.db.database.pool.query(
    `INSERT INTO reservation (id, store_id, code_id, campaign_id, code_input, code_key, account_id,
       member_groups, partition, sequence, status, currency, cart, discount, stacks_on, lines, totals,
       accepted_at, decided_at, expires_at)
     VALUES ($1::uuid, $2::uuid, $3::uuid, $4::uuid, $5, $5, $6, '{}', 0, $7, 'RESERVED', 'TWD', '{}', 100,
       $9::uuid[], '[]', '{"itemsSubtotal": 1000, "discount": 100, "shipping": 60, "total": 960}', $8, $8,
       $10::timestamptz + interval '1 hour')`,
    [id, store.storeId, codeIds[code], campaignIds[code], code, accountId, sequence, NOW, stacksOn, liveAt],
  );
  return id;
}

/** The one-by-one path (HTTP confirm, and order.placed when the fast path cannot take it). */
async function confirmOne(id: string, orderNumber: string, orderTotal: number): Promise<void> {
  const result = await ctx.db.database.prisma.$transaction((tx) =>
    confirmReservation(tx, { storeId: store.storeId, id, orderNumber, orderTotal, now: NOW }),
  );
  expect(result?.kind).toBe("changed");
}

/**
 * order.placed as the order consumer applies a run of them: the batch path first, then the one-by-one
 * path for what it left, in order. Returns each confirmation's outcome.
 */
async function placeOrders(
  placed: readonly { reservationId: string; accountId: string; orderNumber: string; orderTotal: number }[],
  now = NOW,
): Promise<string[]> {
  return ctx.db.database.prisma.$transaction(async (tx) => {
    const confirmations = placed.map((order) => ({ ...order, storeId: store.storeId }));
    const fast = await confirmHeldReservations(prismaSql(tx), confirmations, now);
    const outcomes: string[] = [];
    for (const order of confirmations) {
      if (fast.has(order.reservationId)) {
        outcomes.push("confirmed together");
        continue;
      }
      const result = await confirmReservation(tx, { ...order, id: order.reservationId, now });
      outcomes.push(result?.kind === "refused" ? result.errorCode : `${result?.kind} one by one`);
    }
    return outcomes;
  });
}

async function sharesOrder(ids: readonly string[]): Promise<boolean[]> {
  const { rows } = await ctx.db.database.pool.query<{ id: string; shares_order: boolean }>(
    "SELECT id::text, shares_order FROM reservation WHERE id = ANY($1::uuid[])",
    [ids],
  );
  const marks = new Map(rows.map((row) => [row.id, row.shares_order]));
  return ids.map((id) => marks.get(id) ?? false);
}

describe("marking reservations that share an order", () => {
  it("the one-by-one path marks the earlier reservation of the order and the new one, and no other", async () => {
    const first = await hold("A1", "acct-mark");
    const second = await hold("A2", "acct-mark", [first]);
    const alone = await hold("B1", "acct-mark");
    await confirmOne(first, "MARK-1", 800);
    expect(await sharesOrder([first])).toEqual([false]);
    await confirmOne(second, "MARK-1", 800);
    await confirmOne(alone, "MARK-2", 300);
    expect(await sharesOrder([first, second, alone])).toEqual([true, true, false]);
  });

  it("order.placed marks reservations of one order placed together, and those confirmed before", async () => {
    const earlier = await hold("N1", "acct-batch");
    await confirmOne(earlier, "MARK-3", 500);
    const a = await hold("A1", "acct-batch");
    const [b, c, d] = await Promise.all([
      hold("B1", "acct-batch", [a]),
      hold("A2", "acct-batch", [earlier]),
      hold("B1", "acct-batch"),
    ]);
    const outcomes = await placeOrders(
      [
        { reservationId: a, orderNumber: "MARK-4" },
        { reservationId: b ?? "", orderNumber: "MARK-4" },
        { reservationId: c ?? "", orderNumber: "MARK-3" },
        { reservationId: d ?? "", orderNumber: "MARK-5" },
      ].map((confirmation) => ({ ...confirmation, accountId: "acct-batch", orderTotal: 500 })),
    );
    // The second reservation of MARK-4 and the one joining MARK-3 are checked against their order.
    expect(outcomes).toEqual([
      "confirmed together",
      "changed one by one",
      "changed one by one",
      "confirmed together",
    ]);
    expect(await sharesOrder([a, b ?? "", earlier, c ?? "", d ?? ""])).toEqual([
      true,
      true,
      true,
      true,
      false,
    ]);
  });

  it("two transactions confirming onto one order at once: the second waits for the first and marks both", async () => {
    const first = await hold("A1", "acct-race");
    const second = await hold("B1", "acct-race", [first]);
    const { waited, result } = await whileFirstConfirmationOpen(first, "RACE-1", () =>
      confirmInOwnTransaction(second, "RACE-1"),
    );
    // The second waits for the first while it is open (on the order's row in order_link; without
    // that it would finish at once, seeing no other reservation of RACE-1, and mark nothing).
    expect(waited).toBe("waiting");
    expect(result?.kind).toBe("changed");
    expect(await sharesOrder([first, second])).toEqual([true, true]);
  });
});

/** HTTP confirm's transaction, at NOW. */
function confirmInOwnTransaction(id: string, orderNumber: string) {
  return ctx.db.database.prisma.$transaction((tx) =>
    confirmReservation(tx, { storeId: store.storeId, id, orderNumber, orderTotal: 700, now: NOW }),
  );
}

/**
 * Confirms `first` onto the order in a transaction held open until `second` (another confirmation)
 * is seen waiting for a lock, or has finished; then lets the first commit. Says which it was.
 */
async function whileFirstConfirmationOpen<T>(
  first: string,
  orderNumber: string,
  second: () => Promise<T>,
): Promise<{ waited: "waiting" | "finished"; result: T }> {
  let releaseFirst = () => {};
  const firstMayCommit = new Promise<void>((resolve) => {
    releaseFirst = resolve;
  });
  let firstConfirmed = () => {};
  const firstHasConfirmed = new Promise<void>((resolve) => {
    firstConfirmed = resolve;
  });
  const firstTransaction = ctx.db.database.prisma.$transaction(
    async (tx) => {
      const result = await confirmReservation(tx, {
        storeId: store.storeId,
        id: first,
        orderNumber,
        orderTotal: 700,
        now: NOW,
      });
      expect(result?.kind).toBe("changed");
      firstConfirmed();
      await firstMayCommit;
    },
    { timeout: 60_000 },
  );
  await firstHasConfirmed;
  let secondDone = false;
  const secondTransaction = second().finally(() => {
    secondDone = true;
  });
  let waited: "waiting" | "finished";
  try {
    waited = await eventually(async () => {
      const { rows } = await ctx.db.database.pool.query<{ waiting: number }>(
        `SELECT count(*)::int AS waiting FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
         WHERE NOT l.granted AND a.datname = current_database()`,
      );
      return (rows[0]?.waiting ?? 0) > 0 ? "waiting" : secondDone && "finished";
    }, "the second confirmation waits or finishes");
  } finally {
    releaseFirst();
  }
  const [, result] = await Promise.all([firstTransaction, secondTransaction]);
  return { waited, result };
}

describe("what an order may carry", () => {
  async function statusOf(id: string): Promise<string | undefined> {
    const { rows } = await ctx.db.database.pool.query<{ status: string }>(
      "SELECT status::text FROM reservation WHERE id = $1::uuid",
      [id],
    );
    return rows[0]?.status;
  }

  async function confirmedEvents(id: string): Promise<number> {
    const { rows } = await ctx.db.database.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM outbox_event
       WHERE event_type = 'reservation.confirmed' AND payload->>'reservationId' = $1`,
      [id],
    );
    return rows[0]?.n ?? 0;
  }

  it("HTTP confirm refuses a code whose campaign does not stack with the order's, and another account", async () => {
    const first = await hold("A1", "acct-stack");
    await confirmOne(first, "STACK-1", 800);
    const solo = await hold("S1", "acct-stack");
    const confirmSolo = await ctx.db.database.prisma.$transaction((tx) =>
      confirmReservation(tx, {
        storeId: store.storeId,
        id: solo,
        orderNumber: "STACK-1",
        orderTotal: 800,
        now: NOW,
      }),
    );
    expect(confirmSolo).toMatchObject({ kind: "refused", errorCode: "NOT_COMBINABLE", conflictsWith: first });
    const stranger = await hold("B1", "acct-other");
    const confirmStranger = await ctx.db.database.prisma.$transaction((tx) =>
      confirmReservation(tx, {
        storeId: store.storeId,
        id: stranger,
        orderNumber: "STACK-1",
        orderTotal: 800,
        now: NOW,
      }),
    );
    expect(confirmStranger).toMatchObject({
      kind: "refused",
      errorCode: "ORDER_ACCOUNT_MISMATCH",
      conflictsWith: first,
    });
    // Both keep their holds for an order of their own, and nothing was announced.
    expect([await statusOf(solo), await statusOf(stranger)]).toEqual(["RESERVED", "RESERVED"]);
    expect([await confirmedEvents(solo), await confirmedEvents(stranger)]).toEqual([0, 0]);
    expect(await sharesOrder([first])).toEqual([false]);
    await confirmOne(solo, "STACK-2", 800);
    expect(await confirmedEvents(solo)).toBe(1);
  });

  it("refuses two codes of which neither was reserved stacked on the other, which would take more than a quote", async () => {
    const first = await hold("A1", "acct-apart");
    await confirmOne(first, "APART-1", 800);
    // Priced alone, on the whole cart.
    const alone = await hold("B1", "acct-apart");
    expect(await confirmInOwnTransaction(alone, "APART-1")).toMatchObject({
      kind: "refused",
      errorCode: "NOT_COMBINABLE",
      conflictsWith: first,
      reason: "PRICED_APART",
    });
    // Stacked on the first: it took what the first left.
    const stacked = await hold("A2", "acct-apart", [first]);
    expect(await confirmInOwnTransaction(stacked, "APART-1")).toMatchObject({ kind: "changed" });
    // Also stacked on the first, but not on the second: a fork, each on what the first left.
    const fork = await hold("N1", "acct-apart", [first]);
    expect(await confirmInOwnTransaction(fork, "APART-1")).toMatchObject({
      kind: "refused",
      reason: "PRICED_APART",
      conflictsWith: stacked,
    });
    expect([await statusOf(alone), await statusOf(fork)]).toEqual(["RESERVED", "RESERVED"]);
  });

  it("refuses a reservation priced in another currency than the order's", async () => {
    const first = await hold("A1", "acct-currency");
    await confirmOne(first, "CURRENCY-1", 800);
    const dollars = await hold("B1", "acct-currency");
    await ctx.db.database.pool.query("UPDATE reservation SET currency = 'USD' WHERE id = $1::uuid", [
      dollars,
    ]);
    const result = await confirmInOwnTransaction(dollars, "CURRENCY-1");
    expect(result).toMatchObject({ kind: "refused", errorCode: "CURRENCY_MISMATCH", conflictsWith: first });
    expect(await statusOf(dollars)).toBe("RESERVED");
  });

  it("two confirmations onto one order at once cannot both pass: the second is checked after the first commits", async () => {
    const first = await hold("A1", "acct-race-2");
    const second = await hold("S1", "acct-race-2");
    const { waited, result } = await whileFirstConfirmationOpen(first, "RACE-2", () =>
      confirmInOwnTransaction(second, "RACE-2"),
    );
    expect(waited).toBe("waiting");
    expect(result).toMatchObject({ kind: "refused", errorCode: "NOT_COMBINABLE", conflictsWith: first });
    expect(await statusOf(second)).toBe("RESERVED");
  });

  it("a cancellation waits for a confirmation onto the order in flight, and cancels it too", async () => {
    const placed = await hold("B1", "acct-cancel-race");
    await confirmOne(placed, "RACE-3", 500);
    const joining = await hold("A1", "acct-cancel-race", [placed]);
    const { waited, result } = await whileFirstConfirmationOpen(joining, "RACE-3", () =>
      ctx.db.database.prisma.$transaction((tx) =>
        cancelOrderReservations(tx, { storeId: store.storeId, orderNumber: "RACE-3", now: NOW }),
      ),
    );
    expect(waited).toBe("waiting");
    expect(result?.map((row) => row.id).sort()).toEqual([placed, joining].sort());
    expect([await statusOf(placed), await statusOf(joining)]).toEqual(["CANCELLED", "CANCELLED"]);
  });

  it("a cancellation waits for an order's first confirmation in flight, and cancels it", async () => {
    const placed = await hold("B1", "acct-cancel-first");
    const { waited, result } = await whileFirstConfirmationOpen(placed, "RACE-4", () =>
      ctx.db.database.prisma.$transaction((tx) =>
        cancelOrderReservations(tx, { storeId: store.storeId, orderNumber: "RACE-4", now: NOW }),
      ),
    );
    expect(waited).toBe("waiting");
    expect(result?.map((row) => row.id)).toEqual([placed]);
    expect(await statusOf(placed)).toBe("CANCELLED");
  });

  it("order.placed checks a code against the order's, placed before or in the same run", async () => {
    const earlier = await hold("S1", "acct-placed");
    await confirmOne(earlier, "STACK-3", 500);
    const [a, b, c] = await Promise.all([
      hold("A1", "acct-placed"),
      hold("B1", "acct-placed"),
      hold("S1", "acct-placed"),
    ]);
    const outcomes = await placeOrders(
      [
        { reservationId: a ?? "", orderNumber: "STACK-3" },
        { reservationId: b ?? "", orderNumber: "STACK-4" },
        { reservationId: c ?? "", orderNumber: "STACK-4" },
      ].map((placed) => ({ ...placed, accountId: "acct-placed", orderTotal: 500 })),
    );
    expect(outcomes).toEqual(["NOT_COMBINABLE", "confirmed together", "NOT_COMBINABLE"]);
    expect([await statusOf(a ?? ""), await statusOf(b ?? ""), await statusOf(c ?? "")]).toEqual([
      "RESERVED",
      "CONFIRMED",
      "RESERVED",
    ]);
  });

  it("a cancelled order's code no longer stands in the way of the order placed again", async () => {
    const cancel = (orderNumber: string) =>
      ctx.db.database.prisma.$transaction((tx) =>
        cancelOrderReservations(tx, { storeId: store.storeId, orderNumber, now: NOW }),
      );
    // An order never confirmed is not known; one cancelled is, with nothing left to cancel.
    expect(await cancel("STACK-5")).toBeNull();
    const first = await hold("S1", "acct-again");
    await confirmOne(first, "STACK-5", 500);
    expect((await cancel("STACK-5"))?.map((row) => row.id)).toEqual([first]);
    expect(await cancel("STACK-5")).toEqual([]);
    const again = await hold("A1", "acct-again");
    expect(
      await placeOrders([
        { reservationId: again, accountId: "acct-again", orderNumber: "STACK-5", orderTotal: 500 },
      ]),
    ).toEqual(["changed one by one"]);
  });
});

describe("orders nothing was confirmed onto", () => {
  async function orderLinks(orderNumber: string): Promise<number> {
    const { rows } = await ctx.db.database.pool.query<{ count: number }>(
      "SELECT count(*)::int AS count FROM order_link WHERE order_number = $1",
      [orderNumber],
    );
    return rows[0]?.count ?? 0;
  }

  it("leave no order_link row: an unknown reservation, by either path, or a refused one", async () => {
    const unknown = await ctx.db.database.prisma.$transaction((tx) =>
      confirmReservation(tx, {
        storeId: store.storeId,
        id: randomUUID(),
        orderNumber: "GHOST-1",
        orderTotal: 1,
        now: NOW,
      }),
    );
    expect([unknown, await orderLinks("GHOST-1")]).toEqual([null, 0]);
    const placed = await placeOrders([
      { reservationId: randomUUID(), accountId: "acct-ghost", orderNumber: "GHOST-2", orderTotal: 1 },
    ]);
    expect([placed, await orderLinks("GHOST-2")]).toEqual([["undefined one by one"], 0]);

    const rejected = await hold("N1", "acct-ghost");
    await ctx.db.database.pool.query("UPDATE reservation SET status = 'REJECTED' WHERE id = $1::uuid", [
      rejected,
    ]);
    const refused = await ctx.db.database.prisma.$transaction((tx) =>
      confirmReservation(tx, {
        storeId: store.storeId,
        id: rejected,
        orderNumber: "GHOST-3",
        orderTotal: 1,
        now: NOW,
      }),
    );
    expect([refused?.kind, await orderLinks("GHOST-3")]).toEqual(["refused", 0]);

    // One that takes keeps its row, and a refusal onto that order leaves it.
    const held = await hold("N1", "acct-ghost");
    await confirmOne(held, "GHOST-4", 900);
    const again = await ctx.db.database.prisma.$transaction((tx) =>
      confirmReservation(tx, {
        storeId: store.storeId,
        id: rejected,
        orderNumber: "GHOST-4",
        orderTotal: 1,
        now: NOW,
      }),
    );
    expect([again?.kind, await orderLinks("GHOST-4")]).toEqual(["refused", 1]);
  });
});

describe("reports count an order once", () => {
  /** The reports' orders are placed ten days on, apart from the orders above. */
  const REPORT_NOW = new Date(NOW.getTime() + 10 * 24 * HOUR);

  function query(filters: Partial<ReportQuery> = {}): ReportQuery {
    return {
      storeId: store.storeId,
      from: new Date(REPORT_NOW.getTime() - HOUR),
      to: new Date(REPORT_NOW.getTime() + HOUR),
      campaignId: null,
      partnerId: null,
      limit: 100,
      ...filters,
    };
  }

  it("per partner, per code and per currency, whichever path confirmed the reservations", async () => {
    const at = REPORT_NOW;
    const confirmAt = async (id: string, orderNumber: string, orderTotal: number) => {
      const result = await ctx.db.database.prisma.$transaction((tx) =>
        confirmReservation(tx, { storeId: store.storeId, id, orderNumber, orderTotal, now: at }),
      );
      expect(result?.kind).toBe("changed");
    };
    const holdUntilLater = (code: string, accountId: string, stacksOn: string[] = []) =>
      hold(code, accountId, stacksOn, at);
    // O1: two of Amy's codes, confirmed one by one (HTTP).
    const o1 = await holdUntilLater("A1", "acct-1");
    await confirmAt(o1, "O1", 800);
    await confirmAt(await holdUntilLater("A2", "acct-1", [o1]), "O1", 800);
    // O2: Amy's and Media's codes, placed together (order.placed).
    const o2First = await holdUntilLater("A1", "acct-2");
    const o2 = [o2First, await holdUntilLater("B1", "acct-2", [o2First])];
    expect(
      await placeOrders(
        o2.map((reservationId) => ({
          reservationId,
          accountId: "acct-2",
          orderNumber: "O2",
          orderTotal: 500,
        })),
        at,
      ),
    ).toEqual(["confirmed together", "changed one by one"]);
    // O3: placed with nobody's code, cancelled, placed again with Amy's.
    await confirmAt(await holdUntilLater("N1", "acct-3"), "O3", 300);
    await ctx.db.database.prisma.$transaction((tx) =>
      cancelOrderReservations(tx, { storeId: store.storeId, orderNumber: "O3", now: at }),
    );
    await confirmAt(await holdUntilLater("A2", "acct-3"), "O3", 300);
    // O4: one code, one order.
    await confirmAt(await holdUntilLater("A1", "acct-1"), "O4", 1_000);

    const measures = (
      orders: number,
      confirmed: number,
      revenue: number,
      discount: number,
      accounts: number,
    ) => ({
      currency: "TWD",
      orders,
      confirmed,
      cancelled: orders - confirmed,
      revenue,
      discount,
      accounts,
    });
    const byPartner = await reportByPartner(ctx.db.database.pool, query());
    const partnerRows = Object.fromEntries(byPartner.rows.map((row) => [row.partnerName ?? "(none)", row]));
    expect(partnerRows).toEqual({
      Amy: { partnerId: partnerIds.amy, partnerName: "Amy", ...measures(4, 4, 2_600, 500, 3) },
      Media: { partnerId: partnerIds.media, partnerName: "Media", ...measures(1, 1, 500, 100, 1) },
      "(none)": { partnerId: null, partnerName: null, ...measures(1, 0, 0, 0, 0) },
    });
    const totals = [measures(4, 4, 2_600, 600, 3)];
    expect(byPartner.totals).toEqual(totals);

    const byCode = await reportByCode(ctx.db.database.pool, query());
    const codeRows = Object.fromEntries(
      byCode.rows.map((row) => [
        row.code,
        { orders: row.orders, confirmed: row.confirmed, revenue: row.revenue },
      ]),
    );
    expect(codeRows).toEqual({
      A1: { orders: 3, confirmed: 3, revenue: 2_300 },
      A2: { orders: 2, confirmed: 2, revenue: 1_100 },
      B1: { orders: 1, confirmed: 1, revenue: 500 },
      N1: { orders: 1, confirmed: 0, revenue: 0 },
    });
    expect(byCode.totals).toEqual(totals);

    // A filter keeps the deduplication to what it selects.
    const amyOnly = await reportByCode(ctx.db.database.pool, query({ partnerId: partnerIds.amy }));
    expect(amyOnly.totals).toEqual([measures(4, 4, 2_600, 500, 3)]);
    // O3 was cancelled and placed again with another code: a filter that selects only the
    // cancelled reservation counts the order cancelled, in its row and in the totals alike.
    const cancelledOnly = await reportByCode(ctx.db.database.pool, query({ campaignId: campaignIds.N1 }));
    expect(cancelledOnly.rows.map((row) => [row.code, row.orders, row.confirmed, row.revenue])).toEqual([
      ["N1", 1, 0, 0],
    ]);
    expect(cancelledOnly.totals).toEqual([measures(1, 0, 0, 0, 0)]);
  });

  it("an order confirmed without totals counts at the total that knew all its codes; a given total stands", async () => {
    const at = new Date(REPORT_NOW.getTime() + 2 * 24 * HOUR);
    const holdAt = (code: string, accountId: string, stacksOn: string[] = []) =>
      hold(code, accountId, stacksOn, at);
    const confirmAt = async (id: string, orderNumber: string, orderTotal?: number) => {
      const result = await ctx.db.database.prisma.$transaction((tx) =>
        confirmReservation(tx, { storeId: store.storeId, id, orderNumber, orderTotal, now: at }),
      );
      return result?.kind === "changed" ? Number(result.reservation.orderTotal) : result?.kind;
    };
    // Each hold's own total is 960 (a cart of 1,000, 60 shipping, its own 100 off); the order with
    // both codes came to 860.
    const base = await holdAt("A1", "acct-20");
    const top = await holdAt("B1", "acct-20", [base]);
    expect([await confirmAt(base, "O20"), await confirmAt(top, "O20")]).toEqual([960, 860]);
    // Confirmed the other way round, the base knows the top's discount.
    const base2 = await holdAt("A1", "acct-21");
    const top2 = await holdAt("B1", "acct-21", [base2]);
    expect([await confirmAt(top2, "O21"), await confirmAt(base2, "O21")]).toEqual([960, 860]);
    // A total the order system gave stands over one assumed, whichever is larger.
    const base3 = await holdAt("A1", "acct-22");
    const top3 = await holdAt("B1", "acct-22", [base3]);
    expect([await confirmAt(base3, "O22", 1_000), await confirmAt(top3, "O22")]).toEqual([1_000, 860]);

    const range = { from: new Date(at.getTime() - HOUR), to: new Date(at.getTime() + HOUR) };
    const byCode = await reportByCode(ctx.db.database.pool, query(range));
    const rows = byCode.rows.map((row) => [row.code, row.orders, row.revenue, row.discount]);
    expect(rows.sort((a, b) => String(a[0]).localeCompare(String(b[0])))).toEqual([
      ["A1", 3, 860 + 860 + 1_000, 300],
      ["B1", 3, 860 + 860 + 1_000, 300],
    ]);
    expect(byCode.totals.map((total) => [total.orders, total.revenue, total.discount])).toEqual([
      [3, 860 + 860 + 1_000, 600],
    ]);
  });

  it("gives an order the same revenue in every row, when its confirmations gave different totals", async () => {
    const at = new Date(REPORT_NOW.getTime() + 24 * HOUR);
    const stack: string[] = [];
    for (const [code, total] of [
      ["A1", 60],
      ["B1", 150],
    ] as const) {
      const id = await hold(code, "acct-9", [...stack], at);
      stack.push(id);
      await ctx.db.database.prisma.$transaction((tx) =>
        confirmReservation(tx, { storeId: store.storeId, id, orderNumber: "O9", orderTotal: total, now: at }),
      );
    }
    const range = { from: new Date(at.getTime() - HOUR), to: new Date(at.getTime() + HOUR) };
    const byPartner = await reportByPartner(ctx.db.database.pool, query(range));
    const rows = byPartner.rows.map((row) => [row.partnerName, row.orders, row.revenue]);
    expect(rows.sort((a, b) => String(a[0]).localeCompare(String(b[0])))).toEqual([
      ["Amy", 1, 150],
      ["Media", 1, 150],
    ]);
    expect(byPartner.totals.map((total) => [total.orders, total.revenue, total.discount])).toEqual([
      [1, 150, 200],
    ]);
    // A filter chooses rows; it does not change what a row holds: Amy's row still shows the order's
    // total, though the larger confirmation was Media's.
    const amyOnly = await reportByPartner(
      ctx.db.database.pool,
      query({ ...range, partnerId: partnerIds.amy }),
    );
    expect(amyOnly.rows.map((row) => [row.partnerName, row.orders, row.revenue])).toEqual([["Amy", 1, 150]]);
    expect(amyOnly.totals.map((total) => total.revenue)).toEqual([150]);
  });
});
