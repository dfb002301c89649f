import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { type Prisma, PrismaClient } from "./generated/prisma/client.ts";

export type { Prisma };
export { PrismaClient };

/** A transaction handle or the client itself: queries that can run in either take this. */
export type Db = Prisma.TransactionClient;

/**
 * Options of an HTTP request's interactive transaction: it may wait 10 s for a pool connection and
 * run 20 s. Requests on one code queue on its row lock, each holding a connection meanwhile, so a
 * burst of them waits for connections longer than Prisma's default of 2 s (a fifth of 300 confirms
 * of one code's holds at once failed so), and a request's turn may come after its default 5 s.
 */
export const REQUEST_TRANSACTION = { maxWait: 10_000, timeout: 20_000 } as const;

export type Database = {
  prisma: PrismaClient;
  /** The pool behind Prisma's adapter, for the few hot-path statements written as plain SQL. */
  pool: pg.Pool;
  close(): Promise<void>;
};

export type DatabaseOptions = {
  databaseUrl: string;
  maxConnections?: number;
  applicationName?: string;
  /**
   * pg's pipeline mode: a statement is sent without waiting for the answers to those before it
   * (they are still executed and answered in order), so withPgTransaction's BEGIN and COMMIT ride
   * with its statements instead of costing round trips of their own.
   */
  pipeline?: boolean;
  onPoolError?: (error: Error) => void;
};

export function createDatabase(options: DatabaseOptions): Database {
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: options.maxConnections ?? 10,
    pipeline: options.pipeline ?? false,
    application_name: options.applicationName ?? "promo",
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 10_000,
  });
  pool.on("error", (error) => options.onPoolError?.(error));
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  let closed = false;
  return {
    prisma,
    pool,
    async close() {
      if (closed) return;
      closed = true;
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

/** True when PostgreSQL answers a trivial query within the timeout. */
export async function pingDatabase(pool: pg.Pool, timeoutMs = 2_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const ping = pool.query("SELECT 1").then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([ping, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
