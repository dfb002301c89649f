import type pg from "pg";
import { decodeTimeIdCursor, encodeTimeIdCursor, listScope } from "./cursor.ts";
import type { ReportQuery } from "./performance-reports.ts";
import { poolSql } from "./sql.ts";

/**
 * The action listing of SPEC §7: every redemption whose order was placed in [from, to) (by
 * `confirmed_at`, as the performance reports count it), confirmed or cancelled since, with code,
 * partner, order number, account and amounts; oldest first, in cursor pages.
 */
export type ActionQuery = ReportQuery & {
  /** nextCursor of the previous page. */
  cursor?: string;
};

export type ActionRecord = {
  reservationId: string;
  status: "CONFIRMED" | "CANCELLED";
  confirmedAt: Date;
  cancelledAt: Date | null;
  code: string;
  codeId: string | null;
  campaignId: string | null;
  campaignName: string | null;
  partnerId: string | null;
  partnerName: string | null;
  orderNumber: string;
  accountId: string;
  currency: string;
  /** Minor units. */
  orderTotal: number | null;
  /** Minor units. */
  discount: number;
};

/** Money comes back as text (bigint columns); currency is char(3), padded. */
type ActionRow = Omit<ActionRecord, "orderTotal" | "discount"> & {
  orderTotal: string | null;
  discount: string;
};

/** Read along `reservation_report_idx` (store, placement time); ties broken by id for the cursor. */
const ACTIONS_SQL = `
  SELECT r.id AS "reservationId", r.status::text AS status, r.confirmed_at AS "confirmedAt",
    r.cancelled_at AS "cancelledAt", coalesce(k.code, r.code_input) AS code, r.code_id AS "codeId",
    r.campaign_id AS "campaignId", c.name AS "campaignName", r.partner_id AS "partnerId",
    p.name AS "partnerName", coalesce(r.order_number, '') AS "orderNumber", r.account_id AS "accountId", r.currency,
    r.order_total::text AS "orderTotal", r.discount::text AS discount
  FROM reservation r
  LEFT JOIN code k ON k.id = r.code_id
  LEFT JOIN campaign c ON c.id = r.campaign_id
  LEFT JOIN partner p ON p.id = r.partner_id
  WHERE r.store_id = $1 AND r.confirmed_at >= $2 AND r.confirmed_at < $3
    AND r.status IN ('CONFIRMED', 'CANCELLED')
    AND ($4::uuid IS NULL OR r.campaign_id = $4::uuid)
    AND ($5::uuid IS NULL OR r.partner_id = $5::uuid)
    AND ($6::timestamptz IS NULL OR (r.confirmed_at, r.id) > ($6::timestamptz, $7::uuid))
  ORDER BY r.confirmed_at, r.id
  LIMIT $8`;

/** One page of actions; null for a cursor this system did not produce. */
export async function listActions(
  pool: pg.Pool,
  query: ActionQuery,
): Promise<{ items: ActionRecord[]; nextCursor: string | null } | null> {
  const scope = listScope("actions", query.storeId, query.from, query.to, query.campaignId, query.partnerId);
  const after = query.cursor === undefined ? null : decodeTimeIdCursor(query.cursor, scope);
  if (query.cursor !== undefined && after === null) return null;
  const { rows } = await poolSql(pool).query<ActionRow>(
    ACTIONS_SQL,
    [
      query.storeId,
      query.from,
      query.to,
      query.campaignId,
      query.partnerId,
      after?.at ?? null,
      after?.id ?? null,
      query.limit + 1,
    ],
    // The range decides how much of the index is read: plan for these very dates.
    { planEachTime: true },
  );
  const items = rows.slice(0, query.limit).map(
    (row): ActionRecord => ({
      ...row,
      currency: row.currency.trim(),
      orderTotal: row.orderTotal === null ? null : Number(row.orderTotal),
      discount: Number(row.discount),
    }),
  );
  const last = items.at(-1);
  const nextCursor =
    rows.length > query.limit && last
      ? encodeTimeIdCursor(last.confirmedAt, last.reservationId, scope)
      : null;
  return { items, nextCursor };
}
