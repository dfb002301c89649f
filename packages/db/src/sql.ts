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
    options?: QueryOptions,
  ): Promise<{ rows: Row[] }>;
};

export type QueryOptions = {
  /**
   * Plan with this call's values every time instead of a cached generic plan: for statements whose
   * best index depends on the values and on how big the tables have grown.
   */
  planEachTime?: boolean;
};

export function prismaSql(db: Db): Sql {
  return {
    async query<Row extends Record<string, unknown>>(text: string, values: readonly unknown[] = []) {
      return { rows: await db.$queryRawUnsafe<Row[]>(text, ...values) };
    },
  };
}

const statementNames = new Map<string, string>();

/**
 * Our statements are constant texts: each gets a name, so a connection parses it once (and, after
 * a few calls, PostgreSQL may reuse one generic plan).
 */
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
    async query<Row extends Record<string, unknown>>(
      text: string,
      values: readonly unknown[] = [],
      options: QueryOptions = {},
    ) {
      const result = await client.query<Row>({
        text,
        values: values as unknown[],
        // An unnamed statement is planned for its values on every call.
        ...(options.planEachTime ? {} : { name: statementName(text) }),
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
