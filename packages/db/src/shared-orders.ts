// One order can carry several reservations: codes stacked at checkout, or an order cancelled and
// placed again with a new hold. Performance reports must count such an order (and its total) once
// per partner and per currency, not once per reservation. Deduplicating every order of a range by
// its number is slow (hashing a month's order numbers made the month's report 4.4x slower), so the
// few reservations that share their order number are marked when they are confirmed and only they
// are deduplicated (performance-reports.ts).
import type { Sql } from "./sql.ts";

export type PlacedOrder = { storeId: string; orderNumber: string };

/**
 * Marks every reservation of these orders that shares its order number with another reservation of
 * its store, the one just confirmed and the earlier ones alike. Call it in the transaction that set
 * the order numbers, after setting them.
 *
 * Two transactions confirming holds onto the same order at once would each miss the other's
 * uncommitted row, so each first takes a transaction lock per order (in one order, so two batches
 * cannot deadlock) and reads in a statement of its own after that: the second to get the lock sees
 * the first's commit.
 */
export async function markSharedOrders(sql: Sql, orders: readonly PlacedOrder[]): Promise<void> {
  if (orders.length === 0) return;
  const wanted = JSON.stringify(
    orders.map((order) => ({ store_id: order.storeId, order_number: order.orderNumber })),
  );
  await sql.query(
    `SELECT count(pg_advisory_xact_lock(lock_key))::int AS locked
     FROM (SELECT DISTINCT hashtextextended('shared-order:' || w.store_id || ':' || w.order_number, 0) AS lock_key
           FROM jsonb_to_recordset($1::jsonb) AS w(store_id text, order_number text)
           ORDER BY lock_key) keys`,
    [wanted],
  );
  await sql.query(
    `UPDATE reservation r SET shares_order = true
     FROM (SELECT DISTINCT store_id, order_number
           FROM jsonb_to_recordset($1::jsonb) AS w(store_id uuid, order_number text)) w
     WHERE r.store_id = w.store_id AND r.order_number = w.order_number AND NOT r.shares_order
       AND EXISTS (SELECT 1 FROM reservation o
                   WHERE o.store_id = r.store_id AND o.order_number = r.order_number AND o.id <> r.id)`,
    [wanted],
  );
}
