// withPgTransaction on a pipelined pool (the reservation worker's) and on a plain one: the same
// all-or-nothing outcome either way, and on the pipelined pool BEGIN and COMMIT go out without
// waiting for the statements around them. Against the real PostgreSQL, in a database of its own.
import { createDatabase, type Database, withPgTransaction } from "@promo/db";
import { createTestContext, eventually, type TestContext } from "@promo/testing";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let ctx: TestContext;
const pools: Record<"pipelined" | "plain", Database> = {} as never;

/** Every statement a pool's connections are asked to run, with how many answers had come back. */
const sent: { text: string; answered: number }[] = [];
let answered = 0;

function recordStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (config: unknown) => Promise<unknown>;
  Object.assign(client, {
    query(config: string | { text: string }) {
      sent.push({ text: typeof config === "string" ? config : config.text, answered });
      return query(config).finally(() => {
        answered += 1;
      });
    },
  });
}

async function rows(): Promise<number[]> {
  const { rows } = await ctx.db.database.pool.query<{ id: number }>("SELECT id FROM tx_probe ORDER BY id");
  return rows.map((row) => row.id);
}

beforeAll(async () => {
  ctx = await createTestContext("transactions");
  await ctx.db.database.pool.query("CREATE TABLE tx_probe (id int PRIMARY KEY)");
  for (const mode of ["pipelined", "plain"] as const) {
    pools[mode] = createDatabase({
      databaseUrl: ctx.db.url,
      maxConnections: 1,
      pipeline: mode === "pipelined",
    });
    pools[mode].pool.on("connect", recordStatements);
  }
});

afterAll(async () => {
  for (const database of Object.values(pools)) await database.close();
  await ctx?.cleanup();
});

describe.each(["pipelined", "plain"] as const)("withPgTransaction on a %s pool", (mode) => {
  beforeAll(async () => {
    await ctx.db.database.pool.query("TRUNCATE tx_probe");
  });

  it("commits every statement, those handed to commitAfter included", async () => {
    const result = await withPgTransaction(pools[mode].pool, async (tx) => {
      await tx.query("INSERT INTO tx_probe VALUES (1)");
      tx.commitAfter(tx.query("INSERT INTO tx_probe VALUES (2)"));
      return "done";
    });
    expect(result).toBe("done");
    expect(await rows()).toEqual([1, 2]);
  });

  it("rolls everything back when a statement handed to commitAfter fails, with that statement's error", async () => {
    const outcome = withPgTransaction(pools[mode].pool, async (tx) => {
      await tx.query("INSERT INTO tx_probe VALUES (3)");
      tx.commitAfter(tx.query("INSERT INTO tx_probe VALUES (1)"));
    });
    await expect(outcome).rejects.toMatchObject({ code: "23505" });
    expect(await rows()).toEqual([1, 2]);
    // The connection is clean again: the next transaction gets its own answers and commits.
    const next = await withPgTransaction(pools[mode].pool, async (tx) => {
      tx.commitAfter(tx.query("INSERT INTO tx_probe VALUES (4)"));
      return (await tx.query<{ n: number }>("SELECT count(*)::int AS n FROM tx_probe")).rows[0]?.n;
    });
    expect(next).toBe(3);
    expect(await rows()).toEqual([1, 2, 4]);
  });

  it("reports a statement handed to commitAfter that fails while `work` goes on as the cause", async () => {
    const outcome = withPgTransaction(pools[mode].pool, async (tx) => {
      tx.commitAfter(tx.query("INSERT INTO tx_probe VALUES (1)"));
      // Time for the failure to come back while nothing awaits it (no unhandled rejection).
      await new Promise((resolve) => setTimeout(resolve, 50));
      await tx.query("SELECT 1");
    });
    await expect(outcome).rejects.toMatchObject({ code: "23505" });
    expect(await rows()).toEqual([1, 2, 4]);
  });

  it("does not commit when `work` swallowed a failed statement (PostgreSQL answers that COMMIT with ROLLBACK)", async () => {
    const outcome = withPgTransaction(pools[mode].pool, async (tx) => {
      await tx.query("INSERT INTO tx_probe VALUES (5)");
      await tx.query("INSERT INTO tx_probe VALUES (1)").catch(() => undefined);
    });
    await expect(outcome).rejects.toThrow(/not COMMIT/);
    expect(await rows()).toEqual([1, 2, 4]);
  });

  it("rejects with the first statement's error and commits nothing", async () => {
    const outcome = withPgTransaction(pools[mode].pool, async (tx) => {
      await tx.query("INSERT INTO tx_probe VALUES (6)");
      await tx.query("SELECT 1 / 0");
      await tx.query("INSERT INTO tx_probe VALUES (7)");
    });
    await expect(outcome).rejects.toMatchObject({ code: "22012" });
    expect(await rows()).toEqual([1, 2, 4]);
  });

  it("fails when its connection is dropped between statements (PostgreSQL restarted or failed over); the process lives on and the pool makes a new connection", async () => {
    // pg-pool hears connection errors only on idle connections: unheard on a checked-out one, the
    // error would end the process (vitest reports it as an uncaught exception and fails the run).
    const outcome = withPgTransaction(pools[mode].pool, async (tx) => {
      await tx.query("INSERT INTO tx_probe VALUES (8)");
      const [own] = (await tx.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows;
      await ctx.db.database.pool.query("SELECT pg_terminate_backend($1)", [own?.pid]);
      await eventually(
        async () =>
          (await ctx.db.database.pool.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1", [own?.pid]))
            .rowCount === 0,
        "the backend to end",
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      await tx.query("INSERT INTO tx_probe VALUES (9)");
    });
    await expect(outcome).rejects.toThrow();
    expect(await rows()).toEqual([1, 2, 4]);
    await withPgTransaction(pools[mode].pool, async (tx) => {
      await tx.query("INSERT INTO tx_probe VALUES (10)");
    });
    expect(await rows()).toEqual([1, 2, 4, 10]);
    await ctx.db.database.pool.query("DELETE FROM tx_probe WHERE id = 10");
  });
});

describe("BEGIN and COMMIT on the pipelined pool", () => {
  it("go out with the statements, while a statement handed to commitAfter still waits for a lock", async () => {
    const holder = await ctx.db.database.pool.connect();
    try {
      await holder.query("SELECT pg_advisory_lock(4242)");
      sent.length = 0;
      answered = 0;
      const transaction = withPgTransaction(pools.pipelined.pool, async (tx) => {
        tx.commitAfter(tx.query("SELECT pg_advisory_xact_lock(4242)"));
      });
      // The transaction's statement is blocked on the lock: its answer cannot have come back.
      await eventually(async () => {
        const waiting = await holder.query(
          `SELECT 1 FROM pg_stat_activity
           WHERE wait_event_type = 'Lock' AND wait_event = 'advisory' AND query = 'SELECT pg_advisory_xact_lock(4242)'`,
        );
        return waiting.rowCount === 1;
      }, "the transaction's statement waits for the lock");
      expect(sent).toEqual([
        { text: "BEGIN", answered: 0 },
        { text: "SELECT pg_advisory_xact_lock(4242)", answered: 0 },
        // Sent before any answer came back, BEGIN's included.
        { text: "COMMIT", answered: 0 },
      ]);
      await holder.query("SELECT pg_advisory_unlock(4242)");
      await transaction;
      expect(sent.map((statement) => statement.text)).toEqual([
        "BEGIN",
        "SELECT pg_advisory_xact_lock(4242)",
        "COMMIT",
      ]);
    } finally {
      holder.release();
    }
  });
});

describe("statements on the plain pool", () => {
  it("go out one at a time, each after the answer to the one before (pg 8 warns that pg 9 queues no query made while another runs)", async () => {
    sent.length = 0;
    answered = 0;
    await withPgTransaction(pools.plain.pool, async (tx) => {
      const first = tx.query("SELECT 1");
      tx.commitAfter(tx.query("SELECT 2"));
      await first;
    });
    expect(sent).toEqual([
      { text: "BEGIN", answered: 0 },
      { text: "SELECT 1", answered: 1 },
      { text: "SELECT 2", answered: 2 },
      { text: "COMMIT", answered: 3 },
    ]);
  });
});
