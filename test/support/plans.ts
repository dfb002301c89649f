// Plans of the statements a function sends, with the rows their scans touched: for tests that a read
// costs the same however large its table has grown (counted from EXPLAIN ANALYZE, not timed).
import type { Sql } from "@promo/db";
import type pg from "pg";

export type AnalyzedNode = {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "Actual Rows": number;
  "Actual Loops": number;
  "Rows Removed by Filter"?: number;
  "Rows Removed by Index Recheck"?: number;
  Plans?: AnalyzedNode[];
};

/** The plans of the statements `read` sends, run with EXPLAIN ANALYZE in a transaction rolled back. */
export async function analyzedPlans(
  pool: pg.Pool,
  read: (sql: Sql) => Promise<unknown>,
): Promise<AnalyzedNode[]> {
  const client = await pool.connect();
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

/** Rows (and index entries) every scan of `table` or one of its indexes (`<table>_…`) produced or threw away. */
export function rowsTouched(node: AnalyzedNode, table: string): number {
  const touches = node["Relation Name"] === table || (node["Index Name"] ?? "").startsWith(`${table}_`);
  const own = touches
    ? (node["Actual Rows"] +
        (node["Rows Removed by Filter"] ?? 0) +
        (node["Rows Removed by Index Recheck"] ?? 0)) *
      node["Actual Loops"]
    : 0;
  return own + (node.Plans ?? []).reduce((sum, child) => sum + rowsTouched(child, table), 0);
}
