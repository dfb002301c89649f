// `npm run bench`, fifth part: what a group commit's own round trips cost. A transaction shaped
// like the reservation worker's group commit (lock a row, read, write) runs one after another
// through withPgTransaction on a plain pool (BEGIN, three statements and COMMIT: five round trips)
// and on a pipelined one, as the worker uses it (BEGIN rides with the lock, COMMIT with the write:
// three), alternating rounds in one run. Writes bench/results/transactions.json.
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseUrlSchema, parseEnv } from "@promo/config";
import { createDatabase, type Database, withPgTransaction } from "@promo/db";
import { REPO_ROOT } from "@promo/testing/processes";
import { z } from "zod";
import { createBenchDatabase } from "./src/bench-database.ts";
import { median } from "./src/load.ts";

const env = parseEnv(
  z.object({
    DATABASE_URL: DatabaseUrlSchema,
    BENCH_TRANSACTIONS: z.coerce.number().int().positive().default(2_000),
    BENCH_TRANSACTION_ROUNDS: z.coerce.number().int().min(1).max(20).default(4),
  }),
  process.env,
);

const benchDatabase = await createBenchDatabase(
  env.DATABASE_URL,
  `promo_bench_tx_${randomBytes(3).toString("hex")}`,
);
const modes = ["plain", "pipelined"] as const;
const databases = Object.fromEntries(
  modes.map((mode) => [
    mode,
    createDatabase({ databaseUrl: benchDatabase.url, maxConnections: 1, pipeline: mode === "pipelined" }),
  ]),
) as Record<(typeof modes)[number], Database>;

async function groupCommitShaped(database: Database, n: number): Promise<void> {
  await withPgTransaction(database.pool, async (tx) => {
    await tx.query("SELECT id FROM bench_tx_cursor WHERE id = 1 FOR UPDATE");
    await tx.query("SELECT count(*) FROM bench_tx_row WHERE id > $1", [n - 10]);
    tx.commitAfter(tx.query("INSERT INTO bench_tx_row (id) VALUES ($1)", [n]));
  });
}

const perTransactionMicros: Record<(typeof modes)[number], number[]> = { plain: [], pipelined: [] };
try {
  await databases.plain.pool.query(
    "CREATE TABLE bench_tx_cursor (id int PRIMARY KEY); INSERT INTO bench_tx_cursor VALUES (1); CREATE TABLE bench_tx_row (id int PRIMARY KEY)",
  );
  let n = 0;
  for (const mode of modes) for (let i = 0; i < 200; i++) await groupCommitShaped(databases[mode], ++n);
  for (let round = 0; round < env.BENCH_TRANSACTION_ROUNDS; round++) {
    // Alternate which goes first, so a machine getting busier does not favour either.
    for (const mode of round % 2 === 0 ? modes : [...modes].reverse()) {
      const started = performance.now();
      for (let i = 0; i < env.BENCH_TRANSACTIONS; i++) await groupCommitShaped(databases[mode], ++n);
      perTransactionMicros[mode].push(((performance.now() - started) * 1_000) / env.BENCH_TRANSACTIONS);
    }
  }
} finally {
  for (const database of Object.values(databases)) await database.close();
  await benchDatabase.drop();
}

const plain = median(perTransactionMicros.plain);
const pipelined = median(perTransactionMicros.pipelined);
console.log(
  `\ngroup-commit-shaped transactions (lock, read, write), ${env.BENCH_TRANSACTIONS} × ${env.BENCH_TRANSACTION_ROUNDS} rounds each, one connection:`,
);
console.log("| pool | round trips | µs per transaction (median of rounds) | rounds |");
console.log("| --- | ---: | ---: | --- |");
console.log(
  `| plain | 5 | ${plain.toFixed(0)} | ${perTransactionMicros.plain.map((v) => v.toFixed(0)).join(", ")} |`,
);
console.log(
  `| pipelined | 3 | ${pipelined.toFixed(0)} | ${perTransactionMicros.pipelined.map((v) => v.toFixed(0)).join(", ")} |`,
);
console.log(`pipelined / plain: ${(pipelined / plain).toFixed(2)}×`);
const resultsDir = join(REPO_ROOT, "bench/results");
mkdirSync(resultsDir, { recursive: true });
writeFileSync(
  join(resultsDir, "transactions.json"),
  `${JSON.stringify({ perTransactionMicros, medians: { plain, pipelined } }, null, 2)}\n`,
);
