// One order can carry several reservations: codes stacked at checkout, or an order cancelled and
// placed again with a new hold. Performance reports must count such an order (and its total) once
// per partner and per currency, not once per reservation. Deduplicating every order of a range by
// its number is slow (hashing a month's order numbers made the month's report 4.4x slower), so the
// few reservations that share their order number are marked when they are confirmed and only they
// are deduplicated (performance-reports.ts).
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
    [JSON.stringify(orders.map((order) => ({ store_id: order.storeId, order_number: order.orderNumber })))],
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
