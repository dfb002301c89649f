// One order can carry several reservations: codes stacked at checkout, or an order cancelled and
// placed again with a new hold. Performance reports must count such an order (and its total) once
// per partner and per currency, not once per reservation. Deduplicating every order of a range by
// its number is slow (hashing a month's order numbers made the month's report 4.4x slower), so the
// few reservations that share their order number are marked when they are confirmed and only they
// are deduplicated (performance-reports.ts).
import type { LinkedRedemption, OrderLinkCandidate } from "@promo/domain";
import { combinesWithOf } from "./campaigns.ts";
import type { Sql } from "./sql.ts";

export type PlacedOrder = { storeId: string; orderNumber: string };

/**
 * Counts the confirmations of these orders (one per entry) in `order_link` and, for an order
 * confirmed more than once, marks every reservation carrying it, the earlier ones too. Call it in
 * the transaction that set the order numbers, after setting them, once per reservation confirmed.
 *
 * Two transactions confirming holds onto one order at once meet on `order_link`'s key: the second
 * waits for the first to commit, then counts on from its row, and its marking statement (a
 * statement of its own, so it reads what committed meanwhile) sees the first's reservation. Orders
 * are counted in key order, so two batches cannot deadlock. A row lock per order, not a lock-table
 * entry: a batch of thousands of orders needs nothing from PostgreSQL's shared lock table.
 */
export async function markSharedOrders(sql: Sql, orders: readonly PlacedOrder[]): Promise<void> {
  if (orders.length === 0) return;
  const { rows } = await sql.query<{ store_id: string; order_number: string; confirmations: number }>(
    `INSERT INTO order_link AS l (store_id, order_number, confirmations)
     SELECT w.store_id, w.order_number, count(*)
     FROM jsonb_to_recordset($1::jsonb) AS w(store_id uuid, order_number text)
     GROUP BY w.store_id, w.order_number
     ORDER BY w.store_id, w.order_number
     ON CONFLICT (store_id, order_number) DO UPDATE SET confirmations = l.confirmations + excluded.confirmations
     RETURNING l.store_id::text AS store_id, l.order_number, l.confirmations`,
    [ordersJson(orders)],
  );
  const shared = rows.filter((row) => row.confirmations > 1);
  if (shared.length === 0) return;
  await sql.query(
    `UPDATE reservation r SET shares_order = true
     FROM jsonb_to_recordset($1::jsonb) AS w(store_id uuid, order_number text)
     WHERE r.store_id = w.store_id AND r.order_number = w.order_number AND NOT r.shares_order`,
    [JSON.stringify(shared)],
  );
}

/**
 * Takes the `order_link` row of each order (creating it with no confirmations yet), in key order,
 * so that confirmations onto one order, by any path, happen one after another from here to commit.
 * Returns how many confirmations each order had before, keyed by `orderKey`. Take it before the
 * code rows and reservations a confirmation locks (every confirmation path does), so no two paths
 * wait on each other in opposite orders.
 */
export async function lockOrders(sql: Sql, orders: readonly PlacedOrder[]): Promise<Map<string, number>> {
  if (orders.length === 0) return new Map();
  const { rows } = await sql.query<{ store_id: string; order_number: string; confirmations: number }>(
    `INSERT INTO order_link AS l (store_id, order_number, confirmations)
     SELECT DISTINCT w.store_id, w.order_number, 0
     FROM jsonb_to_recordset($1::jsonb) AS w(store_id uuid, order_number text)
     ORDER BY w.store_id, w.order_number
     ON CONFLICT (store_id, order_number) DO UPDATE SET confirmations = l.confirmations
     RETURNING l.store_id::text AS store_id, l.order_number, l.confirmations`,
    [ordersJson(orders)],
  );
  return new Map(
    rows.map((row) => [
      orderKey({ storeId: row.store_id, orderNumber: row.order_number }),
      row.confirmations,
    ]),
  );
}

/**
 * Removes the `order_link` rows of these orders that no confirmation counts (lockOrders made them, and
 * then nothing was confirmed onto the order: an unknown reservation, a refusal), so an order number
 * no reservation carries leaves nothing behind. Call while holding them (lockOrders).
 */
export async function forgetUnconfirmedOrders(sql: Sql, orders: readonly PlacedOrder[]): Promise<void> {
  if (orders.length === 0) return;
  await sql.query(
    `DELETE FROM order_link l
     USING jsonb_to_recordset($1::jsonb) AS w(store_id uuid, order_number text)
     WHERE l.store_id = w.store_id AND l.order_number = w.order_number AND l.confirmations = 0`,
    [ordersJson(orders)],
  );
}

/** Orders as the one jsonb parameter the statements read with jsonb_to_recordset. */
function ordersJson(orders: readonly PlacedOrder[]): string {
  return JSON.stringify(
    orders.map((order) => ({ store_id: order.storeId, order_number: order.orderNumber })),
  );
}

export function orderKey(order: PlacedOrder): string {
  return `${order.storeId}\u0000${order.orderNumber}`;
}

type LinkRow = {
  id: string;
  account_id: string;
  currency: string;
  status: string;
  campaign_id: string | null;
  combines_with_all: boolean | null;
  combines_with: string[] | null;
  stacks_on: string[] | null;
};

function combinabilityOf(row: LinkRow): LinkedRedemption["campaign"] {
  if (row.campaign_id === null) return null;
  return { id: row.campaign_id, combinesWith: combinesWithOf(row.combines_with_all, row.combines_with) };
}

/**
 * What `checkOrderLink` decides from: the reservation's account, currency, campaign and `stacksOn`,
 * and every other reservation carrying the order's number (confirmed or cancelled), with their
 * campaigns' stacking terms as they are now and their own `stacksOn`. Null when the reservation is not in the store.
 */
export async function loadOrderLink(
  sql: Sql,
  input: { storeId: string; orderNumber: string; reservationId: string },
): Promise<{ candidate: OrderLinkCandidate; order: LinkedRedemption[] } | null> {
  const { rows } = await sql.query<LinkRow & { own: boolean }>(
    `SELECT r.id::text, r.account_id, r.currency, r.status::text, c.id::text AS campaign_id, c.combines_with_all,
       c.combines_with::text[] AS combines_with, r.stacks_on::text[] AS stacks_on, false AS own
     FROM reservation r LEFT JOIN campaign c ON c.id = r.campaign_id
     WHERE r.store_id = $1::uuid AND r.order_number = $2 AND r.id <> $3::uuid
       AND r.status IN ('CONFIRMED', 'CANCELLED')
     UNION ALL
     SELECT r.id::text, r.account_id, r.currency, r.status::text, c.id::text, c.combines_with_all,
       c.combines_with::text[], r.stacks_on::text[], true
     FROM reservation r LEFT JOIN campaign c ON c.id = r.campaign_id
     WHERE r.store_id = $1::uuid AND r.id = $3::uuid`,
    [input.storeId, input.orderNumber, input.reservationId],
  );
  const own = rows.find((row) => row.own);
  if (!own) return null;
  return {
    candidate: {
      id: own.id,
      accountId: own.account_id,
      currency: own.currency,
      campaign: combinabilityOf(own),
      stacksOn: own.stacks_on ?? [],
    },
    order: rows
      .filter((row) => !row.own)
      .map((row) => ({
        id: row.id,
        accountId: row.account_id,
        currency: row.currency,
        status: row.status === "CONFIRMED" ? "CONFIRMED" : "CANCELLED",
        campaign: combinabilityOf(row),
        stacksOn: row.stacks_on ?? [],
      })),
  };
}
