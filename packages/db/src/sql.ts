import { createHash } from "node:crypto";
import type pg from "pg";
import type { Db } from "./client.ts";

/**
 * The smallest SQL surface: a pg client, a pool, or a Prisma transaction seen through
 * `prismaSql`. Hot-path statements take this, so the reservation worker can run them on a plain
 * pg transaction (fewer round trips, no query-engine overhead) while the gateway runs the same
 * statements inside its Prisma transactions.
 */
export type Sql = {
  query<Row extends Record<string, unknown>>(
    text: string,
    values?: readonly unknown[],
  ): Promise<{ rows: Row[] }>;
};

export function prismaSql(db: Db): Sql {
  return {
    async query<Row extends Record<string, unknown>>(text: string, values: readonly unknown[] = []) {
      return { rows: await db.$queryRawUnsafe<Row[]>(text, ...values) };
    },
  };
}

const statementNames = new Map<string, string>();

/** Our statements are constant texts: each gets a name, so a connection parses and plans it once. */
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (!name) {
    name = `promo_${createHash("sha1").update(text).digest("hex").slice(0, 16)}`;
    statementNames.set(text, name);
  }
  return name;
}

export function poolSql(client: pg.PoolClient | pg.Pool | pg.Client): Sql {
  return {
    async query<Row extends Record<string, unknown>>(text: string, values: readonly unknown[] = []) {
      const result = await client.query<Row>({
        text,
        values: values as unknown[],
        name: statementName(text),
      });
      return { rows: result.rows };
    },
  };
}

/** Runs `work` in one pg transaction on a pooled connection (COMMIT, or ROLLBACK on error). */
export async function withPgTransaction<T>(pool: pg.Pool, work: (sql: Sql) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const result = await work(poolSql(client));
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
