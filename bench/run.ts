// `npm run bench`: throughput and latency of reservations under a flash sale and a steady load,
// side by side (same run, same machine) with two baselines behind the same gateway: a no-op
// endpoint and the textbook one-transaction-per-request conditional UPDATE. Prints a table and the
// ratios; writes bench/results/latest.json.
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseUrlSchema, KafkaBrokersSchema, parseEnv, RedisUrlSchema } from "@promo/config";
import { applyMigrations, createApiKey, createDatabase } from "@promo/db";
import { freePort, REPO_ROOT, startService, waitForHttp } from "@promo/testing/processes";
import { Redis } from "ioredis";
import pg from "pg";
import { z } from "zod";
import { runLoad, type Summary, summarize } from "./src/load.ts";

const env = parseEnv(
  z.object({
    DATABASE_URL: DatabaseUrlSchema,
    REDIS_URL: RedisUrlSchema,
    KAFKA_BROKERS: KafkaBrokersSchema,
    BENCH_REQUESTS: z.coerce.number().int().positive().default(20_000),
    BENCH_CONNECTIONS: z.coerce.number().int().positive().default(128),
    BENCH_WORKERS: z.coerce.number().int().positive().default(1),
    BENCH_STEADY_CODES: z.coerce.number().int().positive().default(1_000),
  }),
  process.env,
);

const BENCH_TABLES_SQL = `
CREATE TABLE bench_code_counter (code text PRIMARY KEY, used int NOT NULL DEFAULT 0, usage_limit int NOT NULL);
CREATE TABLE bench_reservation (id uuid PRIMARY KEY, code text NOT NULL, account_id text NOT NULL,
  status text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());`;

const FLASH_LIMIT = 11;
const runId = randomBytes(3).toString("hex");
const dbName = `promo_bench_${runId}`;
const prefix = `bench-${runId}`;
const serverUrl = new URL(env.DATABASE_URL);
serverUrl.pathname = "/postgres";
const benchUrl = new URL(env.DATABASE_URL);
benchUrl.pathname = `/${dbName}`;

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl.toString() });
  await client.connect();
  await client.query(sql);
  await client.end();
}

function shuffle<T>(values: T[], seed: number): T[] {
  let state = seed;
  for (let index = values.length - 1; index > 0; index -= 1) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    const other = state % (index + 1);
    [values[index], values[other]] = [values[other] as T, values[index] as T];
  }
  return values;
}

const cart = { currency: "TWD", items: [{ productId: "P-1", unitPrice: 990, quantity: 1 }], shipping: 60 };

await admin(`CREATE DATABASE "${dbName}"`);
const processes: ReturnType<typeof startService>[] = [];
try {
  await applyMigrations({ databaseUrl: benchUrl.toString(), migrationsDir: join(REPO_ROOT, "prisma/migrations") });
  const database = createDatabase({ databaseUrl: benchUrl.toString() });
  await database.pool.query(BENCH_TABLES_SQL);
  const store = await database.prisma.store.create({ data: { slug: "bench", name: "Bench" } });
  const { secret } = await createApiKey(database.prisma, {
    storeId: store.id,
    name: "bench",
    scopes: ["merchant", "checkout"],
  });

  const now = Date.now();
  const campaign = (name: string, usageLimit: number, oncePerAccount: boolean) =>
    database.prisma.campaign.create({
      data: {
        storeId: store.id,
        name,
        discountType: "fixed",
        amount: 111n,
        currency: "TWD",
        startsAt: new Date(now - 3_600_000),
        endsAt: new Date(now + 86_400_000),
        memberGroups: [],
        productIds: ["P-1"],
        usageLimit,
        oncePerAccount,
      },
    });
  const flash = await campaign("Flash", FLASH_LIMIT, true);
  await database.prisma.code.create({
    data: { storeId: store.id, campaignId: flash.id, code: "FLASH11", codeKey: "FLASH11", source: "single" },
  });
  await database.pool.query("INSERT INTO bench_code_counter (code, usage_limit) VALUES ('FLASH11', $1)", [FLASH_LIMIT]);
  const steady = await campaign("Steady", 1_000_000, false);
  const steadyCodes = Array.from({ length: env.BENCH_STEADY_CODES }, (_, index) => `STEADY${String(index).padStart(5, "0")}`);
  await database.prisma.code.createMany({
    data: steadyCodes.map((code) => ({ storeId: store.id, campaignId: steady.id, code, codeKey: code, source: "single" as const })),
  });
  await database.close();

  const port = await freePort();
  const serviceEnv = {
    DATABASE_URL: benchUrl.toString(),
    REDIS_URL: env.REDIS_URL,
    KAFKA_BROKERS: env.KAFKA_BROKERS.join(","),
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: "warn",
  };
  const gateway = startService("gateway", {
    ...serviceEnv,
    PORT: String(port),
    ENABLE_BENCH_ROUTES: "true",
    DATABASE_POOL_SIZE: "32",
  });
  processes.push(gateway);
  for (let index = 0; index < env.BENCH_WORKERS; index += 1) {
    processes.push(startService("reservation-worker", serviceEnv, `worker-${index + 1}`));
  }
  const origin = `http://127.0.0.1:${port}`;
  await waitForHttp(`${origin}/healthz`, gateway);
  const headers = { authorization: `Bearer ${secret}` };
  const load = (path: string, body: (index: number) => string, keepBodies = false) =>
    runLoad({ origin, path, headers, body, total: env.BENCH_REQUESTS, connections: env.BENCH_CONNECTIONS, keepBodies });

  const accounts = Array.from({ length: env.BENCH_REQUESTS / 2 }, (_, index) => `account-${index}`);
  const flashOrder = shuffle([...accounts, ...accounts], 42);
  const flashBody = (code: string) => (index: number) =>
    JSON.stringify({ code, accountId: flashOrder[index], cart });

  console.log(
    `bench: ${env.BENCH_REQUESTS} requests per scenario, ${env.BENCH_CONNECTIONS} connections, 1 gateway, ${env.BENCH_WORKERS} worker(s)`,
  );
  await load("/bench/noop", flashBody("WARMUP"));
  await runLoad({ origin, path: "/v1/reservations", headers, body: (i) => JSON.stringify({ code: "WARMUP00", accountId: `w${i}`, cart }), total: 2_000, connections: env.BENCH_CONNECTIONS });

  const results: Summary[] = [];
  const noop = summarize("(b) no-op endpoint", await load("/bench/noop", flashBody("FLASH11")));
  results.push(noop);
  const rowLock = await load("/bench/row-lock", flashBody("FLASH11"));
  const rowLockSummary = summarize("(a) row-lock UPDATE per request", rowLock);
  results.push(rowLockSummary);
  const flashRun = await load("/v1/reservations", flashBody("FLASH11"));
  const flashSummary = summarize("flash sale (this system)", flashRun);
  results.push(flashSummary);
  const random = shuffle(
    Array.from({ length: env.BENCH_REQUESTS }, (_, index) => index),
    7,
  );
  const steadyRun = await load("/v1/reservations", (index) =>
    JSON.stringify({
      code: steadyCodes[(random[index] ?? 0) % steadyCodes.length],
      accountId: `steady-${index}`,
      cart,
    }),
  );
  results.push(summarize(`steady, ${steadyCodes.length} codes (this system)`, steadyRun));

  const check = createDatabase({ databaseUrl: benchUrl.toString() });
  const reserved = await check.prisma.reservation.count({ where: { codeKey: "FLASH11", status: "RESERVED" } });
  const rowLockWinners = await check.pool.query("SELECT count(*)::int AS n FROM bench_reservation WHERE status = 'RESERVED'");
  await check.close();

  const table = [
    "| scenario | requests | req/s | p50 ms | p99 ms | statuses |",
    "| --- | ---: | ---: | ---: | ---: | --- |",
    ...results.map(
      (row) =>
        `| ${row.name} | ${row.requests} | ${row.rps.toFixed(0)} | ${row.p50.toFixed(1)} | ${row.p99.toFixed(1)} | ${row.statuses} |`,
    ),
  ];
  const ratios = {
    flashVsRowLock: flashSummary.rps / rowLockSummary.rps,
    flashVsNoop: flashSummary.rps / noop.rps,
  };
  console.log(table.join("\n"));
  console.log(
    `\nflash sale: ${(ratios.flashVsRowLock).toFixed(1)}× the row-lock baseline, ${ratios.flashVsNoop.toFixed(2)}× the no-op endpoint (targets: ≥10×, ≥0.5×)`,
  );
  console.log(`winners: flash ${reserved} RESERVED, row-lock ${rowLockWinners.rows[0]?.n} (limit ${FLASH_LIMIT})`);
  mkdirSync(join(REPO_ROOT, "bench/results"), { recursive: true });
  writeFileSync(
    join(REPO_ROOT, "bench/results/latest.json"),
    JSON.stringify({ at: new Date().toISOString(), settings: { ...env, DATABASE_URL: undefined }, results, ratios }, null, 2),
  );
  if (reserved !== FLASH_LIMIT) {
    console.error(`flash sale decided ${reserved} winners, expected ${FLASH_LIMIT}`);
    process.exitCode = 1;
  }
} finally {
  await Promise.all(processes.map((child) => child.stop()));
  const redis = new Redis(env.REDIS_URL);
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1_000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== "0");
  redis.disconnect();
  await admin(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
}
