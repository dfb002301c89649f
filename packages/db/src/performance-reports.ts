import type { Sql } from "./sql.ts";

/**
 * Performance reports (SPEC §7): what each promo code and each partner brought in. An order counts in
 * the range by the time it was placed (`confirmed_at` in [from, to)); an order placed in the range
 * and cancelled later counts as cancelled. Revenue, discount and accounts count the orders that stand
 * (CONFIRMED); `orders` = confirmed + cancelled. Different currencies are never added together: every
 * row and every total is per currency.
 */
export type ReportQuery = {
  storeId: string;
  from: Date;
  to: Date;
  campaignId: string | null;
  partnerId: string | null;
  /** Most rows returned (the totals always cover everything). */
  limit: number;
};

export type ReportMeasures = {
  currency: string;
  orders: number;
  confirmed: number;
  cancelled: number;
  /** Minor units. */
  revenue: number;
  /** Minor units. */
  discount: number;
  /** Distinct accounts with a standing (CONFIRMED) order. */
  accounts: number;
};

export type CodeReportRow = ReportMeasures & {
  codeId: string;
  code: string;
  campaignId: string;
  campaignName: string;
};

export type PartnerReportRow = ReportMeasures & { partnerId: string | null; partnerName: string | null };

export type Report<Row> = { rows: Row[]; totals: ReportMeasures[]; truncated: boolean };

type GroupedRow = {
  group_id: string | null;
  is_total: boolean;
  currency: string;
  orders: number;
  confirmed: number;
  cancelled: number;
  revenue: string;
  discount: string;
  accounts: number;
  label: string | null;
  parent_id: string | null;
  parent_label: string | null;
};

/** The orders of the range, aggregated per (currency, group) and per currency in one pass. */
function groupedOrdersSql(groupColumn: "code_id" | "partner_id", join: string, labels: string): string {
  return `
    WITH placed AS (
      SELECT r.${groupColumn} AS group_id, r.currency, r.status, r.account_id, r.order_total, r.discount
      FROM reservation r
      WHERE r.store_id = $1 AND r.confirmed_at >= $2 AND r.confirmed_at < $3
        AND r.status IN ('CONFIRMED', 'CANCELLED')
        AND ($4::uuid IS NULL OR r.campaign_id = $4::uuid)
        AND ($5::uuid IS NULL OR r.partner_id = $5::uuid)
    ), grouped AS (
      SELECT group_id, currency, grouping(group_id) = 1 AS is_total,
        count(*)::int AS orders,
        count(*) FILTER (WHERE status = 'CONFIRMED')::int AS confirmed,
        count(*) FILTER (WHERE status = 'CANCELLED')::int AS cancelled,
        coalesce(sum(order_total) FILTER (WHERE status = 'CONFIRMED'), 0)::text AS revenue,
        coalesce(sum(discount) FILTER (WHERE status = 'CONFIRMED'), 0)::text AS discount,
        count(DISTINCT account_id) FILTER (WHERE status = 'CONFIRMED')::int AS accounts
      FROM placed
      GROUP BY GROUPING SETS ((currency, group_id), (currency))
    ), ranked AS (
      SELECT grouped.*, row_number() OVER (
        PARTITION BY is_total ORDER BY currency, orders DESC, revenue::numeric DESC, group_id
      ) AS rank
      FROM grouped
    )
    SELECT ranked.group_id::text AS group_id, ranked.is_total, ranked.currency, ranked.orders,
      ranked.confirmed, ranked.cancelled, ranked.revenue, ranked.discount, ranked.accounts, ${labels}
    FROM ranked ${join}
    WHERE ranked.is_total OR ranked.rank <= $6 + 1
    ORDER BY ranked.is_total, ranked.rank`;
}

const CODE_REPORT_SQL = groupedOrdersSql(
  "code_id",
  "LEFT JOIN code c ON c.id = ranked.group_id LEFT JOIN campaign k ON k.id = c.campaign_id",
  "c.code AS label, k.id::text AS parent_id, k.name AS parent_label",
);

const PARTNER_REPORT_SQL = groupedOrdersSql(
  "partner_id",
  "LEFT JOIN partner p ON p.id = ranked.group_id",
  "p.name AS label, NULL::text AS parent_id, NULL::text AS parent_label",
);

function measuresOf(row: GroupedRow): ReportMeasures {
  return {
    currency: row.currency.trim(),
    orders: row.orders,
    confirmed: row.confirmed,
    cancelled: row.cancelled,
    revenue: Number(row.revenue),
    discount: Number(row.discount),
    accounts: row.accounts,
  };
}

async function runReport<Row>(
  sql: Sql,
  text: string,
  query: ReportQuery,
  toRow: (row: GroupedRow) => Row,
): Promise<Report<Row>> {
  const { rows } = await sql.query<GroupedRow>(text, [
    query.storeId,
    query.from,
    query.to,
    query.campaignId,
    query.partnerId,
    query.limit,
  ]);
  const groups = rows.filter((row) => !row.is_total);
  return {
    rows: groups.slice(0, query.limit).map(toRow),
    totals: rows.filter((row) => row.is_total).map(measuresOf),
    truncated: groups.length > query.limit,
  };
}

/** Per promo code (orders of codes deleted since have no code row and are left out of rows, not totals). */
export function reportByCode(sql: Sql, query: ReportQuery): Promise<Report<CodeReportRow>> {
  return runReport(sql, CODE_REPORT_SQL, query, (row) => ({
    codeId: row.group_id ?? "",
    code: row.label ?? "",
    campaignId: row.parent_id ?? "",
    campaignName: row.parent_label ?? "",
    ...measuresOf(row),
  }));
}

/** Per partner credited at confirmation; `partnerId: null` gathers the orders no partner drove. */
export function reportByPartner(sql: Sql, query: ReportQuery): Promise<Report<PartnerReportRow>> {
  return runReport(sql, PARTNER_REPORT_SQL, query, (row) => ({
    partnerId: row.group_id,
    partnerName: row.label,
    ...measuresOf(row),
  }));
}
