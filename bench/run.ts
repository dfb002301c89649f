// `npm run bench`: throughput and latency of reservations under a flash sale and a steady load,
// side by side (same run, same machine) with two baselines behind the same gateway: a no-op
// endpoint and the textbook one-transaction-per-request conditional UPDATE. Prints a table and the
// ratios; writes bench/results/latest.json.
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { DatabaseUrlSchema, KafkaBrokersSchema, parseEnv, RedisUrlSchema } from "@promo/config";
import { createApiKey, createDatabase, measureOutboxLag, poolSql } from "@promo/db";
import { createKafka } from "@promo/events";
import { freePort, REPO_ROOT, startService, waitForHttp } from "@promo/testing/processes";
import { Redis } from "ioredis";
import pg from "pg";
import { z } from "zod";
import { createBenchDatabase } from "./src/bench-database.ts";
import { commandCpuSeconds, machineCpu, machineLoadBetween, processCpuSeconds } from "./src/cpu.ts";
import { median, runLoad, type Summary, summarize } from "./src/load.ts";
import { type HistogramTotals, meansBetween, readHistograms } from "./src/metrics.ts";
import { readRedisCalls } from "./src/redis-calls.ts";

const env = parseEnv(
  z.object({
    DATABASE_URL: DatabaseUrlSchema,
    REDIS_URL: RedisUrlSchema,
    KAFKA_BROKERS: KafkaBrokersSchema,
    BENCH_REQUESTS: z.coerce.number().int().positive().default(20_000),
    BENCH_CONNECTIONS: z.coerce.number().int().positive().default(128),
    /**
     * Also run the no-op endpoint and a flash sale (a fresh code each) at these connection counts
     * (comma-separated, e.g. 256,512,1024), after the other scenarios, and compare the peaks.
     */
    BENCH_SWEEP: z
      .string()
      .default("")
      .transform((list) => [
        ...new Set(
          list
            .split(",")
            .map((item) => item.trim())
            .filter(Boolean)
            .map(Number),
        ),
      ])
      .pipe(z.array(z.number().int().positive())),
    /**
     * Run the no-op endpoint and a flash sale (a fresh code each time) this many times in all,
     * alternating, and print each round's ratio and the median: one run's ratio moves with the
     * shared machine, the median of alternating rounds much less. 1: the one pass of BENCH_ONLY.
     */
    BENCH_ROUNDS: z.coerce.number().int().min(1).max(20).default(1),
    BENCH_WORKERS: z.coerce.number().int().positive().default(1),
    BENCH_STEADY_CODES: z.coerce.number().int().positive().default(1_000),
    BENCH_WORKER_LOG_LEVEL: z.string().default("warn"),
    /**
     * Run only some scenarios (comma-separated: noop,row-lock,row-lock-rules,flash,accept,steady).
     * The cold sale runs (right before the flash sale) whenever flash, accept or steady does.
     */
    BENCH_ONLY: z.string().default("noop,row-lock,row-lock-rules,flash,steady"),
    BENCH_BATCH_WINDOW_MS: z.string().default("2"),
    BENCH_PARTITIONS: z.string().default("16"),
    /** Write V8 CPU profiles of the gateway and the workers here. */
    BENCH_PROFILE_DIR: z.string().optional(),
    /** Extra Node.js flags for the gateway and the workers (space-separated), e.g. V8 heap settings. */
    BENCH_NODE_FLAGS: z.string().default(""),
    /** Keep the run's database (its name is printed) to look at its rows afterwards. */
    BENCH_KEEP_DATABASE: z.enum(["true", "false"]).default("false"),
    /** The gateway's per-account guess limit (docs/api.md "Misuse monitoring"): on (default) or off. */
    BENCH_GUESS_LIMIT: z.enum(["on", "off"]).default("on"),
    /**
     * Also run the outbox relay, publishing every scenario's events to Kafka (topics of the run's
     * own, deleted afterwards) as production does; its CPU and the broker's are printed too.
     */
    BENCH_RELAY: z.enum(["true", "false"]).default("false"),
    /** Monitor the flash and steady campaigns' velocity (leak alerts), this limit per hour; unset: off. */
    BENCH_VELOCITY_LIMIT: z.coerce.number().int().positive().optional(),
  }),
  process.env,
);

const BENCH_TABLES_SQL = `
CREATE TABLE bench_code_counter (code text PRIMARY KEY, used int NOT NULL DEFAULT 0, usage_limit int NOT NULL);
CREATE TABLE bench_reservation (id uuid PRIMARY KEY, code text NOT NULL, account_id text NOT NULL,
  status text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX bench_reservation_code_account ON bench_reservation (code, account_id);`;

const FLASH_LIMIT = 11;
const runId = randomBytes(3).toString("hex");
const dbName = `promo_bench_${runId}`;
const prefix = `bench-${runId}`;
/** The relay's topics (BENCH_RELAY), named for this run. */
const relayTopics = {
  TOPIC_REDEMPTIONS: `${prefix}.promo.redemptions`,
  TOPIC_ALERTS: `${prefix}.promo.alerts`,
};

function shuffle<T>(values: T[], seed: number): T[] {
  let state = seed;
  for (let index = values.length - 1; index > 0; index -= 1) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    const other = state % (index + 1);
    [values[index], values[other]] = [values[other] as T, values[index] as T];
  }
  return values;
}

/** The flash sale's code for one connection count of BENCH_SWEEP. */
const sweepCode = (connections: number) => `SWEEP${connections}`;
/** The flash sale's code for a later round of BENCH_ROUNDS (the first round's is FLASH11). */
const roundCode = (round: number) => `ROUND${round}`;
/** The later rounds of BENCH_ROUNDS: 2, 3, … */
const laterRounds = Array.from({ length: env.BENCH_ROUNDS - 1 }, (_, index) => index + 2);

const cart = { currency: "TWD", items: [{ productId: "P-1", unitPrice: 990, quantity: 1 }], shipping: 60 };

const benchDatabase = await createBenchDatabase(env.DATABASE_URL, dbName);
const benchUrl = benchDatabase.url;
const processes: ReturnType<typeof startService>[] = [];
/** Reads the outbox's backlog (BENCH_RELAY). */
const outboxPool = new pg.Pool({ connectionString: benchUrl, max: 1 });
try {
  const database = createDatabase({ databaseUrl: benchUrl });
  await database.pool.query(BENCH_TABLES_SQL);
  const store = await database.prisma.store.create({ data: { slug: "bench", name: "Bench" } });
  const { secret } = await createApiKey(database.prisma, {
    storeId: store.id,
    name: "bench",
    scopes: ["merchant", "checkout"],
  });

  const now = Date.now();
  const campaign = (name: string, usageLimit: number, oncePerAccount: boolean, velocityLimit?: number) =>
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
        ...(velocityLimit ? { velocityLimit, velocityWindowSeconds: 3_600 } : {}),
      },
    });
  /** A flash sale's code: limit 11, once per account, on a campaign of its own. */
  const saleCode = async (name: string, code: string) => {
    const sale = await campaign(name, FLASH_LIMIT, true, env.BENCH_VELOCITY_LIMIT);
    await database.prisma.code.create({
      data: { storeId: store.id, campaignId: sale.id, code, codeKey: code, source: "single" },
    });
  };
  await saleCode("Flash", "FLASH11");
  await saleCode("Cold sale", "COLD11");
  for (const connections of env.BENCH_SWEEP) await saleCode(`Sweep ${connections}`, sweepCode(connections));
  for (const round of laterRounds) await saleCode(`Round ${round}`, roundCode(round));
  await database.pool.query(
    "INSERT INTO bench_code_counter (code, usage_limit) VALUES ('FLASH11', $1), ('FLASH11RULES', $1)",
    [FLASH_LIMIT],
  );
  const steady = await campaign("Steady", 1_000_000, false, env.BENCH_VELOCITY_LIMIT);
  const steadyCodes = Array.from(
    { length: env.BENCH_STEADY_CODES },
    (_, index) => `STEADY${String(index).padStart(5, "0")}`,
  );
  await database.prisma.code.createMany({
    data: steadyCodes.map((code) => ({
      storeId: store.id,
      campaignId: steady.id,
      code,
      codeKey: code,
      source: "single" as const,
    })),
  });
  await database.close();

  const port = await freePort();
  const serviceEnv = {
    DATABASE_URL: benchUrl,
    REDIS_URL: env.REDIS_URL,
    KAFKA_BROKERS: env.KAFKA_BROKERS.join(","),
    QUEUE_PREFIX: prefix,
    RESERVATION_PARTITIONS: env.BENCH_PARTITIONS,
    LOG_LEVEL: "warn",
  };
  const serviceNodeFlags = [
    ...(env.BENCH_PROFILE_DIR ? ["--cpu-prof", `--cpu-prof-dir=${env.BENCH_PROFILE_DIR}`] : []),
    ...env.BENCH_NODE_FLAGS.split(/\s+/).filter(Boolean),
  ];
  const gateway = startService(
    "gateway",
    {
      ...serviceEnv,
      PORT: String(port),
      ENABLE_BENCH_ROUTES: "true",
      DATABASE_POOL_SIZE: "32",
      BATCH_WINDOW_MS: env.BENCH_BATCH_WINDOW_MS,
      // Every request comes from this one process: a per-IP guess limit would stop the run after the
      // warm-up's unknown codes. The per-account limit is checked on every request as in production.
      GUESS_LIMIT_PER_IP: "0",
      ...(env.BENCH_GUESS_LIMIT === "off" ? { GUESS_LIMIT_PER_ACCOUNT: "0" } : {}),
    },
    "gateway",
    serviceNodeFlags,
  );
  processes.push(gateway);
  const workerMetricsPorts: number[] = [];
  for (let index = 0; index < env.BENCH_WORKERS; index += 1) {
    const metricsPort = await freePort();
    workerMetricsPorts.push(metricsPort);
    processes.push(
      startService(
        "reservation-worker",
        { ...serviceEnv, LOG_LEVEL: env.BENCH_WORKER_LOG_LEVEL, METRICS_PORT: String(metricsPort) },
        `worker-${index + 1}`,
        serviceNodeFlags,
      ),
    );
  }
  if (env.BENCH_RELAY === "true")
    processes.push(
      startService("outbox-relay", { ...serviceEnv, ...relayTopics }, "relay", serviceNodeFlags),
    );
  /** With the relay: ms from now until the outbox has no unpublished row (the scenario's events are out). */
  const relayCatchUp = async (): Promise<number | null> => {
    if (env.BENCH_RELAY === "false") return null;
    const started = performance.now();
    while ((await measureOutboxLag(poolSql(outboxPool), new Date())).pending > 0) {
      if (performance.now() - started > 120_000) throw new Error("the relay did not catch up in 120 s");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return performance.now() - started;
  };
  const origin = `http://127.0.0.1:${port}`;
  await waitForHttp(`${origin}/healthz`, gateway);
  // Where a reservation's time goes, from the services' own histograms (means per scenario).
  const STAGES = {
    promo_reservation_decision_seconds: "gateway: accepted to decided",
    promo_queue_wait_seconds: "worker: queued to taken",
    promo_worker_run_seconds: "worker: run handed to committed",
    promo_worker_commit_seconds: "worker: group commit",
  } as const;
  const WORKER_SIZES = ["promo_worker_commit_requests", "promo_worker_commit_partitions"];
  const readStages = async (): Promise<HistogramTotals[]> =>
    Promise.all([
      readHistograms(`${origin}/metrics`, Object.keys(STAGES)),
      ...workerMetricsPorts.map((metricsPort) =>
        readHistograms(`http://127.0.0.1:${metricsPort}/metrics`, [...Object.keys(STAGES), ...WORKER_SIZES]),
      ),
    ]);
  const headers = { authorization: `Bearer ${secret}` };
  const load = (path: string, body: (index: number) => string, connections: number) =>
    runLoad({ origin, path, headers, body, total: env.BENCH_REQUESTS, connections });

  const accounts = Array.from({ length: env.BENCH_REQUESTS / 2 }, (_, index) => `account-${index}`);
  const flashOrder = shuffle([...accounts, ...accounts], 42);
  const flashBody = (code: string) => (index: number) =>
    JSON.stringify({ code, accountId: flashOrder[index], cart });

  console.log(
    `bench: ${env.BENCH_REQUESTS} requests per scenario, ${env.BENCH_CONNECTIONS} connections, 1 gateway, ${env.BENCH_WORKERS} worker(s)`,
  );
  await runLoad({
    origin,
    path: "/bench/noop",
    headers,
    body: flashBody("WARMUP"),
    total: 2_000,
    connections: env.BENCH_CONNECTIONS,
  });
  await runLoad({
    origin,
    path: "/v1/reservations",
    headers,
    body: (i) => JSON.stringify({ code: "WARMUP00", accountId: `w${i}`, cart }),
    total: 2_000,
    connections: env.BENCH_CONNECTIONS,
  });

  const only = new Set(env.BENCH_ONLY.split(",").map((name) => name.trim()));
  // The first sale the services decide runs while V8 still compiles their per-batch code (the
  // worker's decide, write and queue paths run once per job, so they take thousands of requests to
  // reach optimized code). It is measured as its own row, right before the flash sale, which then
  // meets warm services, as a sale does on a gateway and workers that keep serving reservations.
  // (Not earlier: the baselines' half minute of other work in between lets V8 age that code out.)
  if (laterRounds.length > 0) only.add("noop").add("flash");
  if (only.has("flash") || only.has("accept") || only.has("steady")) only.add("cold");
  const random = shuffle(
    Array.from({ length: env.BENCH_REQUESTS }, (_, index) => index),
    7,
  );
  const scenarios: Array<{
    key: string;
    name: string;
    path: string;
    body: (index: number) => string;
    connections?: number;
  }> = [
    { key: "noop", name: "(b) no-op endpoint", path: "/bench/noop", body: flashBody("FLASH11") },
    {
      key: "row-lock",
      name: "(a) row-lock UPDATE per request",
      path: "/bench/row-lock",
      body: flashBody("FLASH11"),
    },
    {
      key: "row-lock-rules",
      name: "(a') same rules under the row lock",
      path: "/bench/row-lock-rules",
      body: flashBody("FLASH11RULES"),
    },
    {
      key: "cold",
      name: "flash sale, first after start (cold JIT)",
      path: "/v1/reservations",
      body: flashBody("COLD11"),
    },
    { key: "flash", name: "flash sale (this system)", path: "/v1/reservations", body: flashBody("FLASH11") },
    {
      key: "accept",
      name: "accept only (?wait=0)",
      path: "/v1/reservations?wait=0",
      body: flashBody("FLASH11"),
    },
    {
      key: "steady",
      name: `steady, ${steadyCodes.length} codes (this system)`,
      path: "/v1/reservations",
      body: (index) =>
        JSON.stringify({
          code: steadyCodes[(random[index] ?? 0) % steadyCodes.length],
          accountId: `steady-${index}`,
          cart,
        }),
    },
  ];
  for (const connections of env.BENCH_SWEEP) {
    scenarios.push(
      {
        key: `noop@${connections}`,
        name: `(b) no-op endpoint, ${connections} connections`,
        path: "/bench/noop",
        body: flashBody(sweepCode(connections)),
        connections,
      },
      {
        key: `flash@${connections}`,
        name: `flash sale, ${connections} connections`,
        path: "/v1/reservations",
        body: flashBody(sweepCode(connections)),
        connections,
      },
    );
    only.add(`noop@${connections}`).add(`flash@${connections}`);
  }
  for (const round of laterRounds) {
    scenarios.push(
      {
        key: `noop#${round}`,
        name: `(b) no-op endpoint, round ${round}`,
        path: "/bench/noop",
        body: flashBody(roundCode(round)),
      },
      {
        key: `flash#${round}`,
        name: `flash sale, round ${round}`,
        path: "/v1/reservations",
        body: flashBody(roundCode(round)),
      },
    );
    only.add(`noop#${round}`).add(`flash#${round}`);
  }
  const results: Summary[] = [];
  const byKey = new Map<string, Summary>();
  const statsRedis = new Redis(env.REDIS_URL);
  for (const scenario of scenarios.filter((candidate) => only.has(candidate.key))) {
    const stagesBefore = await readStages();
    const redisCallsBefore = await readRedisCalls(statsRedis);
    const cpuBefore = await processCpuSeconds(processes);
    const redisBefore = commandCpuSeconds("redis-server");
    const postgresBefore = commandCpuSeconds("postgres");
    const kafkaBefore = commandCpuSeconds("java");
    const ownBefore = process.cpuUsage();
    const machineBefore = machineCpu();
    const summary = summarize(
      scenario.name,
      await load(scenario.path, scenario.body, scenario.connections ?? env.BENCH_CONNECTIONS),
    );
    // The scenario's CPU includes the relay publishing its last events after the last answer.
    const catchUpMs = await relayCatchUp();
    const cpuAfter = await processCpuSeconds(processes);
    const own = process.cpuUsage(ownBefore);
    const machine = machineLoadBetween(machineBefore, machineCpu());
    summary.cpu = [
      ...cpuAfter.map(
        (seconds, index) => `${processes[index]?.name} ${(seconds - (cpuBefore[index] ?? 0)).toFixed(1)}s`,
      ),
      `redis ${(commandCpuSeconds("redis-server") - redisBefore).toFixed(1)}s`,
      `postgres ${(commandCpuSeconds("postgres") - postgresBefore).toFixed(1)}s`,
      ...(env.BENCH_RELAY === "true"
        ? [`kafka ${(commandCpuSeconds("java") - kafkaBefore).toFixed(1)}s`]
        : []),
      `load generator ${((own.user + own.system) / 1e6).toFixed(1)}s`,
      `machine ${Math.round(machine.busy * 100)} % busy of ${availableParallelism()} cores (steal ${Math.round(machine.steal * 100)} %)`,
      ...(catchUpMs === null ? [] : [`relay caught up ${catchUpMs.toFixed(0)} ms after the last answer`]),
    ].join(", ");
    const stagesAfter = await readStages();
    const redisCallsAfter = await readRedisCalls(statsRedis);
    const stageMeans = stagesAfter.map((after, index) =>
      meansBetween(stagesBefore[index] ?? new Map(), after),
    );
    summary.stages = [
      ...Object.entries(STAGES).flatMap(([name, label]) => {
        const means = stageMeans.map((means) => means.get(name)).filter((mean) => Number.isFinite(mean));
        return means.length > 0 ? [`${label} ${((means[0] ?? 0) * 1000).toFixed(1)} ms`] : [];
      }),
      ...stageMeans.slice(1).flatMap((means) => {
        const requests = means.get("promo_worker_commit_requests");
        const partitions = means.get("promo_worker_commit_partitions");
        return requests !== undefined && Number.isFinite(requests)
          ? [
              `requests per commit ${requests.toFixed(1)}`,
              `partitions per commit ${(partitions ?? Number.NaN).toFixed(1)}`,
            ]
          : [];
      }),
      ...stagesAfter.slice(1).flatMap((after, index) => {
        // A job's queue wait is observed once per job: requests decided over jobs taken.
        const before = stagesBefore[index + 1] ?? new Map();
        const delta = (name: string, field: "sum" | "count") =>
          (after.get(name)?.[field] ?? 0) - (before.get(name)?.[field] ?? 0);
        const jobs = delta("promo_queue_wait_seconds", "count");
        return jobs > 0
          ? [`requests per job ${(delta("promo_worker_commit_requests", "sum") / jobs).toFixed(1)}`]
          : [];
      }),
      `Redis commands per request ${((redisCallsAfter.commands - redisCallsBefore.commands) / summary.requests).toFixed(2)} (scripts ${((redisCallsAfter.scripts - redisCallsBefore.scripts) / summary.requests).toFixed(2)})`,
    ].join(", ");
    results.push(summary);
    byKey.set(scenario.key, summary);
  }
  statsRedis.disconnect();

  if (env.BENCH_WORKER_LOG_LEVEL === "debug") {
    const commits = processes
      .slice(1)
      .flatMap((worker) => worker.output().split("\n"))
      .filter((line) => line.includes('"committed"'))
      .map((line) => JSON.parse(line) as { requests: number; ms: number; jobs: number });
    const total = commits.reduce((sum, commit) => sum + commit.requests, 0);
    const ms = commits.map((commit) => commit.ms).sort((a, b) => a - b);
    console.log(
      `worker commits: ${commits.length}, requests/commit avg ${(total / Math.max(1, commits.length)).toFixed(1)}, jobs/commit avg ${(commits.reduce((sum, commit) => sum + commit.jobs, 0) / Math.max(1, commits.length)).toFixed(1)}, ms p50 ${ms[Math.floor(ms.length / 2)]} p99 ${ms[Math.floor(ms.length * 0.99)]}`,
    );
  }

  const check = createDatabase({ databaseUrl: benchUrl });
  const winners = (codeKey: string) =>
    check.prisma.reservation.count({ where: { codeKey, status: "RESERVED" } });
  const reserved = await winners("FLASH11");
  const coldReserved = await winners("COLD11");
  const sweepReserved = await Promise.all(
    env.BENCH_SWEEP.map((connections) => winners(sweepCode(connections))),
  );
  const roundReserved = await Promise.all(laterRounds.map((round) => winners(roundCode(round))));
  const rowLockWinners = await check.pool.query(
    "SELECT code, count(*)::int AS n FROM bench_reservation WHERE status = 'RESERVED' GROUP BY code ORDER BY code",
  );
  await check.close();

  const table = [
    "| scenario | requests | req/s | p50 ms | p99 ms | statuses |",
    "| --- | ---: | ---: | ---: | ---: | --- |",
    ...results.map(
      (row) =>
        `| ${row.name} | ${row.requests} | ${row.rps.toFixed(0)} | ${row.p50.toFixed(1)} | ${row.p99.toFixed(1)} | ${row.statuses} |`,
    ),
  ];
  const ratio = (a: string, b: string) => {
    const top = byKey.get(a);
    const bottom = byKey.get(b);
    return top && bottom ? top.rps / bottom.rps : null;
  };
  /** The fastest run of the no-op endpoint and of the (warm) flash sale, at whatever connection count. */
  const peakOf = (kind: "noop" | "flash") =>
    [...byKey]
      .filter(([key]) => key === kind || key.startsWith(`${kind}@`))
      .map(([, summary]) => summary)
      .reduce<Summary | null>(
        (best, summary) => (best === null || summary.rps > best.rps ? summary : best),
        null,
      );
  const peaks = { noop: peakOf("noop"), flash: peakOf("flash") };
  /** Flash sale over no-op endpoint in each round of BENCH_ROUNDS (the first is the main pass). */
  const roundRatios = [1, ...laterRounds].flatMap((round) => {
    const suffix = round === 1 ? "" : `#${round}`;
    const value = ratio(`flash${suffix}`, `noop${suffix}`);
    return value === null ? [] : [value];
  });
  const ratios = {
    flashVsRowLock: ratio("flash", "row-lock"),
    flashVsRowLockRules: ratio("flash", "row-lock-rules"),
    flashVsNoop: ratio("flash", "noop"),
    coldVsFlash: ratio("cold", "flash"),
    peakFlashVsPeakNoop:
      env.BENCH_SWEEP.length > 0 && peaks.noop && peaks.flash ? peaks.flash.rps / peaks.noop.rps : null,
    roundsFlashVsNoop: laterRounds.length > 0 ? roundRatios : null,
    medianFlashVsNoop: laterRounds.length > 0 && roundRatios.length > 0 ? median(roundRatios) : null,
  };
  console.log(table.join("\n"));
  const format = (value: number | null, digits: number) =>
    value === null ? "n/a" : `${value.toFixed(digits)}×`;
  console.log(
    `\nflash sale throughput: ${format(ratios.flashVsRowLock, 1)} (a), ${format(ratios.flashVsRowLockRules, 1)} (a'), ${format(ratios.flashVsNoop, 2)} (b); the cold sale ${format(ratios.coldVsFlash, 2)} of it`,
  );
  if (ratios.peakFlashVsPeakNoop !== null && peaks.noop && peaks.flash)
    console.log(
      `peak against peak: flash sale ${peaks.flash.rps.toFixed(0)}/s (${peaks.flash.name}), no-op ${peaks.noop.rps.toFixed(0)}/s (${peaks.noop.name}): ${format(ratios.peakFlashVsPeakNoop, 2)} (b)`,
    );
  if (ratios.roundsFlashVsNoop !== null)
    console.log(
      `rounds, flash sale against no-op: ${ratios.roundsFlashVsNoop.map((value) => format(value, 2)).join(", ")}; median ${format(ratios.medianFlashVsNoop, 2)} (b)`,
    );
  for (const row of results) console.log(`cpu during ${row.name}: ${row.cpu}`);
  for (const row of results) if (row.stages) console.log(`mean times in ${row.name}: ${row.stages}`);
  const baselineWinners = rowLockWinners.rows.map((row) => `${row.code} ${row.n}`).join(", ");
  console.log(
    `winners (limit ${FLASH_LIMIT}): this system ${reserved} (cold sale ${coldReserved}${env.BENCH_SWEEP.map((connections, index) => `, at ${connections} connections ${sweepReserved[index]}`).join("")}${laterRounds.map((round, index) => `, round ${round} ${roundReserved[index]}`).join("")}); baselines ${baselineWinners || "not run"}`,
  );
  mkdirSync(join(REPO_ROOT, "bench/results"), { recursive: true });
  writeFileSync(
    join(REPO_ROOT, "bench/results/latest.json"),
    JSON.stringify(
      { at: new Date().toISOString(), settings: { ...env, DATABASE_URL: undefined }, results, ratios },
      null,
      2,
    ),
  );
  for (const [key, decided] of [
    ["flash", reserved],
    ["cold", coldReserved],
    ...env.BENCH_SWEEP.map((connections, index) => [`flash@${connections}`, sweepReserved[index]] as const),
    ...laterRounds.map((round, index) => [`flash#${round}`, roundReserved[index]] as const),
  ] as const) {
    if (only.has(key) && decided !== FLASH_LIMIT) {
      console.error(`${key} sale decided ${decided} winners, expected ${FLASH_LIMIT}`);
      process.exitCode = 1;
    }
  }
} finally {
  await Promise.all(processes.map((child) => child.stop()));
  await outboxPool.end();
  if (env.BENCH_RELAY === "true") {
    const admin = createKafka({ brokers: env.KAFKA_BROKERS, clientId: `bench-${runId}` }).admin();
    await admin
      .connect()
      .then(() => admin.deleteTopics({ topics: Object.values(relayTopics) }))
      .catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
  const redis = new Redis(env.REDIS_URL);
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1_000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== "0");
  redis.disconnect();
  if (env.BENCH_KEEP_DATABASE === "false") await benchDatabase.drop();
  else console.log(`database kept for inspection: ${dbName}`);
}
