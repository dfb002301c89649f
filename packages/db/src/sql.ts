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

/**
 * Runs `work` on a connection checked out of `pool`. pg-pool listens for connection errors only on
 * idle connections: on a checked-out one, a dropped connection (PostgreSQL restarted or failed over,
 * the backend terminated) is emitted with no one listening, and that ends the process. Here it is
 * heard: the connection's statements fail with it, and the connection goes back to the pool as
 * broken, to be closed rather than handed out again.
 */
export async function withPooledClient<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let dropped: Error | undefined;
  const onConnectionError = (error: Error) => {
    dropped ??= error;
  };
  client.on("error", onConnectionError);
  try {
    return await work(client);
  } finally {
    client.off("error", onConnectionError);
    client.release(dropped);
  }
}

/**
 * How a transaction hands its statements to the connection: at once on a pipelined one, which sends
 * them without waiting; on a plain one each after the answer to the one before (failed or not: in a
 * failed transaction PostgreSQL answers the rest with an error, and ROLLBACK still goes out).
 */
function statementSender(client: pg.PoolClient): <R>(statement: () => Promise<R>) => Promise<R> {
  if ((client as pg.PoolClient & { pipeline?: boolean }).pipeline === true) return (statement) => statement();
  let previous: Promise<unknown> = Promise.resolve();
  return (statement) => {
    const next = previous.then(statement, statement);
    previous = next.catch(() => undefined);
    return next;
  };
}

/** The statements of one pg transaction (see withPgTransaction). */
export type TransactionSql = Sql & {
  /**
   * Lets COMMIT go out without waiting for `pending`, a statement of this transaction already sent:
   * on a pipelined pool the COMMIT travels right behind it. The transaction commits only if
   * `pending` succeeds; otherwise withPgTransaction rejects with its error.
   */
  commitAfter(pending: Promise<unknown>): void;
};

/**
 * Runs `work` in one pg transaction on a pooled connection (COMMIT, or ROLLBACK on error). pg sends
 * a connection's statements in the order they are made; on a pipelined pool
 * (`createDatabase({ pipeline: true })`) without waiting for earlier answers, so the transaction
 * costs no round trips of its own: BEGIN goes out with the first statement, whose answer also waits
 * for BEGIN's (so nothing can run outside the transaction once a BEGIN failed), and COMMIT goes out
 * behind the statements handed to `commitAfter`. On a plain pool the same calls go out one at a
 * time, each when the one before it is answered (a round trip each: pg 8 warns that a query made
 * while another runs on a plain connection will not be queued from pg 9 on). PostgreSQL answers
 * the COMMIT of a failed transaction with a ROLLBACK tag, not an error, so that tag is checked too.
 */
export async function withPgTransaction<T>(
  pool: pg.Pool,
  work: (sql: TransactionSql) => Promise<T>,
): Promise<T> {
  return withPooledClient(pool, async (client) => {
    const send = statementSender(client);
    const begin = send(() => client.query("BEGIN"));
    const unsettled: Promise<unknown>[] = [begin];
    // A failure of BEGIN surfaces through the first statement's answer and the commit, not as unhandled.
    begin.catch(() => undefined);
    try {
      const statements = poolSql(client);
      const tx: TransactionSql = {
        async query<Row extends Record<string, unknown>>(
          text: string,
          values?: readonly unknown[],
          options?: QueryOptions,
        ) {
          const answer = send(() => statements.query<Row>(text, values, options));
          await Promise.all([begin, answer]);
          return answer;
        },
        commitAfter(pending) {
          unsettled.push(pending);
          // Its failure is the transaction's (below); it must not count as unhandled meanwhile.
          pending.catch(() => undefined);
        },
      };
      const result = await work(tx);
      const [committed] = await Promise.all([send(() => client.query("COMMIT")), ...unsettled]);
      if (committed.command !== "COMMIT")
        throw new Error(`transaction ended with ${committed.command}, not COMMIT`);
      return result;
    } catch (error) {
      // Every statement sent is answered before the connection goes back to the pool; the first of
      // them that failed is the cause of whatever failed after it.
      const cause = (await Promise.allSettled(unsettled)).find((settled) => settled.status === "rejected");
      await send(() => client.query("ROLLBACK")).catch(() => undefined);
      throw cause ? cause.reason : error;
    }
  });
}
