import type pg from "pg";
import { type Sql, withPgTransaction } from "./sql.ts";

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
  /** Minor units; a bigint past 2^53 - 1, which a number would round (MinorUnitsSum). */
  revenue: MinorUnitsSum;
  /** Minor units, as revenue. */
  discount: MinorUnitsSum;
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

/**
 * The orders of the range, aggregated per (currency, group) and per currency in one statement.
 *
 * An order counts once per group and once per currency even when several reservations carry it
 * (codes stacked on one order, an order cancelled and placed again). Such reservations are marked
 * `shares_order` when confirmed (shared-orders.ts), and only those few are gathered per order
 * (`shared_per_group`, `shared_per_order`): the order stands in a row, and in the totals, when one
 * of the reservations of it that they count does (a filter or range that selects only a cancelled
 * one counts it cancelled, with no revenue, though it was placed again); its revenue, where it
 * stands, is its total (the largest any of its standing
 * confirmations gave, in the range or not, selected by the filters or not), its discount the sum of
 * the row's. Every other reservation is an order of its
 * own, counted straight from the scan. Each reservation counts by its own confirmation time, so an
 * order whose codes were confirmed on either side of a range's edge counts in both ranges.
 *
 * Distinct accounts without DISTINCT aggregates (which sort, and spill on a busy month): every
 * reservation of the range is first hashed per (currency, group, account of a confirmed one; a
 * group's cancelled ones share one entry with no account), the marked ones too, though they add no
 * measures there; a group's accounts are then its entries with an account, and a currency's the
 * distinct accounts of those entries. The scan reads `reservation_report_idx` alone (an index-only
 * scan); the marked reservations' order numbers come from their own index.
 */
function groupedOrdersSql(groupColumn: "code_id" | "partner_id", join: string, labels: string): string {
  const inRange = `r.store_id = $1 AND r.confirmed_at >= $2 AND r.confirmed_at < $3
        AND r.status IN ('CONFIRMED', 'CANCELLED')
        AND ($4::uuid IS NULL OR r.campaign_id = $4::uuid)
        AND ($5::uuid IS NULL OR r.partner_id = $5::uuid)`;
  return `
    WITH per_account AS (
      SELECT r.${groupColumn} AS group_id, r.currency,
        CASE WHEN r.status = 'CONFIRMED' THEN r.account_id END AS account_id,
        count(*) FILTER (WHERE NOT r.shares_order) AS orders,
        count(*) FILTER (WHERE r.status = 'CONFIRMED' AND NOT r.shares_order) AS confirmed,
        sum(r.order_total) FILTER (WHERE r.status = 'CONFIRMED' AND NOT r.shares_order) AS revenue,
        sum(r.discount) FILTER (WHERE r.status = 'CONFIRMED' AND NOT r.shares_order) AS discount
      FROM reservation r
      WHERE ${inRange}
      GROUP BY 1, 2, 3
    ), unshared_per_group AS (
      SELECT group_id, currency, sum(orders) AS orders, sum(confirmed) AS confirmed,
        coalesce(sum(revenue), 0) AS revenue, coalesce(sum(discount), 0) AS discount,
        count(account_id) AS accounts
      FROM per_account
      GROUP BY currency, group_id
    ), shared_in_range AS (
      SELECT r.${groupColumn} AS group_id, r.currency, r.order_number, r.status = 'CONFIRMED' AS stands,
        r.discount
      FROM reservation r
      WHERE ${inRange} AND r.shares_order
    ), order_totals AS (
      -- Each shared order's total over all its standing confirmations, whatever the range or the
      -- filters select of it: a filter chooses rows, it does not change what a row holds. A total
      -- an order system gave stands; else the lowest assumed one, which knew every code of the order
      -- (reservation-transitions.ts, assumedOrderTotal).
      SELECT c.currency, c.order_number,
        coalesce(max(c.order_total) FILTER (WHERE c.order_total_given), min(c.order_total)) AS order_revenue
      FROM reservation c
      WHERE c.store_id = $1 AND c.shares_order AND c.status = 'CONFIRMED'
        AND (c.currency, c.order_number) IN (SELECT currency, order_number FROM shared_in_range)
      GROUP BY c.currency, c.order_number
    ), shared AS (
      SELECT s.*, t.order_revenue
      FROM shared_in_range s LEFT JOIN order_totals t USING (currency, order_number)
    ), shared_per_group AS (
      SELECT group_id, currency, 1 AS orders, bool_or(stands)::int AS confirmed,
        coalesce(max(order_revenue) FILTER (WHERE stands), 0) AS revenue,
        coalesce(sum(discount) FILTER (WHERE stands), 0) AS discount
      FROM shared
      GROUP BY group_id, currency, order_number
    ), shared_per_order AS (
      SELECT currency, 1 AS orders, bool_or(stands)::int AS confirmed,
        coalesce(max(order_revenue) FILTER (WHERE stands), 0) AS revenue,
        coalesce(sum(discount) FILTER (WHERE stands), 0) AS discount
      FROM shared
      GROUP BY currency, order_number
    ), per_group AS (
      SELECT group_id, currency, sum(orders) AS orders, sum(confirmed) AS confirmed, sum(revenue) AS revenue,
        sum(discount) AS discount, sum(accounts) AS accounts
      FROM (
        SELECT group_id, currency, orders, confirmed, revenue, discount, accounts FROM unshared_per_group
        UNION ALL
        SELECT group_id, currency, orders, confirmed, revenue, discount, 0 FROM shared_per_group
      ) contributions
      GROUP BY currency, group_id
    ), per_currency AS (
      SELECT currency, sum(orders) AS orders, sum(confirmed) AS confirmed, sum(revenue) AS revenue,
        sum(discount) AS discount
      FROM (
        SELECT currency, orders, confirmed, revenue, discount FROM unshared_per_group
        UNION ALL
        SELECT currency, orders, confirmed, revenue, discount FROM shared_per_order
      ) contributions
      GROUP BY currency
    ), accounts_per_currency AS (
      SELECT currency, count(*) AS accounts
      FROM (SELECT DISTINCT currency, account_id FROM per_account WHERE account_id IS NOT NULL) confirmed_accounts
      GROUP BY currency
    ), grouped AS (
      SELECT group_id, currency, false AS is_total, orders, confirmed, revenue, discount, accounts
      FROM per_group
      UNION ALL
      SELECT NULL, t.currency, true, t.orders, t.confirmed, t.revenue, t.discount, coalesce(a.accounts, 0)
      FROM per_currency t LEFT JOIN accounts_per_currency a ON a.currency = t.currency
    ), ranked AS (
      SELECT grouped.*, row_number() OVER (
        PARTITION BY is_total ORDER BY orders DESC, revenue DESC, currency, group_id
      ) AS rank
      FROM grouped
    )
    SELECT ranked.group_id::text AS group_id, ranked.is_total, ranked.currency, ranked.orders::int,
      ranked.confirmed::int, (ranked.orders - ranked.confirmed)::int AS cancelled,
      ranked.revenue::text, ranked.discount::text, ranked.accounts::int, ${labels}
    FROM ranked ${join}
    WHERE ranked.is_total OR ranked.rank <= $6 + 1
    ORDER BY ranked.is_total, ranked.rank`;
}

export const CODE_REPORT_SQL = groupedOrdersSql(
  "code_id",
  "LEFT JOIN code c ON c.id = ranked.group_id LEFT JOIN campaign k ON k.id = c.campaign_id",
  "c.code AS label, k.id::text AS parent_id, k.name AS parent_label",
);

export const PARTNER_REPORT_SQL = groupedOrdersSql(
  "partner_id",
  "LEFT JOIN partner p ON p.id = ranked.group_id",
  "p.name AS label, NULL::text AS parent_id, NULL::text AS parent_label",
);

/**
 * A sum of amounts in minor units: a number while it is exact as one (each amount is at most
 * 2^53 - 1, but three of them are not), else a bigint, so no report rounds money.
 */
export type MinorUnitsSum = number | bigint;

/** PostgreSQL's exact sum (numeric, as text) as a number, or a bigint past 2^53 - 1. */
export function minorUnitsSum(digits: string): MinorUnitsSum {
  const value = Number(digits);
  return Number.isSafeInteger(value) ? value : BigInt(digits);
}

function measuresOf(row: GroupedRow): ReportMeasures {
  return {
    currency: row.currency.trim(),
    orders: row.orders,
    confirmed: row.confirmed,
    cancelled: row.cancelled,
    revenue: minorUnitsSum(row.revenue),
    discount: minorUnitsSum(row.discount),
    accounts: row.accounts,
  };
}

/**
 * Memory for the report's hash aggregation: with the default 4 MB, the (currency, group, account)
 * hash of a busy month spills to disk (bench/reports.ts, 750,000 orders: 120,000 entries and 47 MB
 * by code, 240,000 and 86 MB by partner). Hash tables may use twice this (`hash_mem_multiplier`);
 * only this transaction gets it.
 */
const REPORT_WORK_MEM = "64MB";

function parametersOf(query: ReportQuery): unknown[] {
  return [query.storeId, query.from, query.to, query.campaignId, query.partnerId, query.limit];
}

/** Runs `work` in a transaction of its own with the report's settings. */
function inReportTransaction<T>(pool: pg.Pool, work: (sql: Sql) => Promise<T>): Promise<T> {
  return withPgTransaction(pool, async (sql) => {
    // For this transaction only (set_config's `true`): the memory above; a plan for these very dates
    // rather than the prepared statement's generic plan; the index read as what it is, mostly
    // cached and half the table's size (with the default random_page_cost of 4 the planner reads
    // the whole table once a range covers much of it: measured 250-390 ms instead of 150-185 ms to
    // scan 750,000 orders); and no JIT compilation, which costs more than it saves here.
    await sql.query(
      `SELECT set_config('work_mem', $1, true), set_config('plan_cache_mode', 'force_custom_plan', true),
         set_config('random_page_cost', '1.1', true), set_config('jit', 'off', true)`,
      [REPORT_WORK_MEM],
    );
    return work(sql);
  });
}

async function runReport<Row>(
  pool: pg.Pool,
  text: string,
  query: ReportQuery,
  toRow: (row: GroupedRow) => Row,
): Promise<Report<Row>> {
  const rows = await inReportTransaction(pool, async (sql) => {
    const result = await sql.query<GroupedRow>(text, parametersOf(query));
    return result.rows;
  });
  const groups = rows.filter((row) => !row.is_total);
  return {
    rows: groups.slice(0, query.limit).map(toRow),
    totals: rows.filter((row) => row.is_total).map(measuresOf),
    truncated: groups.length > query.limit,
  };
}

/** One node of PostgreSQL's `EXPLAIN (FORMAT JSON)` plan (the fields read here). */
export type PlanNode = {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  Plans?: PlanNode[];
};

/**
 * The plan PostgreSQL chooses for a report, with the report's own settings: for the benchmark and
 * the test that check the reservation scan is an index-only scan of `reservation_report_idx`.
 */
export function explainReport(
  pool: pg.Pool,
  report: "codes" | "partners",
  query: ReportQuery,
): Promise<PlanNode> {
  const text = report === "codes" ? CODE_REPORT_SQL : PARTNER_REPORT_SQL;
  return inReportTransaction(pool, async (sql) => {
    const { rows } = await sql.query<{ "QUERY PLAN": [{ Plan: PlanNode }] }>(
      `EXPLAIN (FORMAT JSON) ${text}`,
      parametersOf(query),
    );
    const plan = rows[0]?.["QUERY PLAN"][0]?.Plan;
    if (!plan) throw new Error("EXPLAIN returned no plan");
    return plan;
  });
}

/** Every scan of `table` in `plan`, as "Seq Scan" or "Index Only Scan using <index>". */
export function scansOf(plan: PlanNode, table: string): string[] {
  const own =
    plan["Relation Name"] === table
      ? [plan["Index Name"] ? `${plan["Node Type"]} using ${plan["Index Name"]}` : plan["Node Type"]]
      : [];
  return [...own, ...(plan.Plans ?? []).flatMap((child) => scansOf(child, table))];
}

/** Per promo code (orders of codes deleted since have no code row and are left out of rows, not totals). */
export function reportByCode(pool: pg.Pool, query: ReportQuery): Promise<Report<CodeReportRow>> {
  return runReport(pool, CODE_REPORT_SQL, query, (row) => ({
    codeId: row.group_id ?? "",
    code: row.label ?? "",
    campaignId: row.parent_id ?? "",
    campaignName: row.parent_label ?? "",
    ...measuresOf(row),
  }));
}

/** Per partner credited at confirmation; `partnerId: null` gathers the orders no partner drove. */
export function reportByPartner(pool: pg.Pool, query: ReportQuery): Promise<Report<PartnerReportRow>> {
  return runReport(pool, PARTNER_REPORT_SQL, query, (row) => ({
    partnerId: row.group_id,
    partnerName: row.label,
    ...measuresOf(row),
  }));
}
