// `npm run bench`, fourth part: performance reports on 1,000,000 reservations through the real
// gateway. Seeds a fresh database (10 campaigns, 1,000 codes, 5 partners, 30 days of orders: ~60 %
// confirmed, ~15 % cancelled, the rest held or refused; one order in a hundred carries two codes),
// then times GET /v1/reports/codes and /v1/reports/partners over the whole month, over one day, and
// as .xlsx: the first request (a fresh read of the data by a warmed-up gateway) and the median of
// the next ones (warm). Each case also shows how PostgreSQL scans the reservations (EXPLAIN with the report's own settings).
// Writes bench/results/reports.json.
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseUrlSchema, KafkaBrokersSchema, parseEnv, RedisUrlSchema } from "@promo/config";
import { createApiKey, createDatabase, explainReport, scansOf } from "@promo/db";
import { freePort, REPO_ROOT, startService, waitForHttp } from "@promo/testing/processes";
import { z } from "zod";
import { createBenchDatabase } from "./src/bench-database.ts";
import { median } from "./src/load.ts";

const env = parseEnv(
  z.object({
    DATABASE_URL: DatabaseUrlSchema,
    REDIS_URL: RedisUrlSchema,
    KAFKA_BROKERS: KafkaBrokersSchema,
    BENCH_REPORT_RESERVATIONS: z.coerce.number().int().positive().default(1_000_000),
    BENCH_REPORT_RUNS: z.coerce.number().int().min(1).max(50).default(7),
    /** Keep the seeded database (its URL is printed) to study the plans afterwards. */
    BENCH_KEEP_DATABASE: z.enum(["true", "false"]).default("false"),
  }),
  process.env,
);

const MONTH_START = Date.parse("2026-10-01T00:00:00.000Z");
const DAY = 86_400_000;
const runId = randomBytes(3).toString("hex");
const benchDatabase = await createBenchDatabase(env.DATABASE_URL, `promo_bench_reports_${runId}`);
const processes: ReturnType<typeof startService>[] = [];
const database = createDatabase({ databaseUrl: benchDatabase.url });

try {
  const store = await database.prisma.store.create({ data: { slug: "bench", name: "Bench" } });
  const { secret } = await createApiKey(database.prisma, {
    storeId: store.id,
    name: "bench",
    scopes: ["merchant"],
  });
  const seedStarted = performance.now();
  await database.prisma.$executeRawUnsafe(
    `INSERT INTO partner (id, store_id, name, kind, updated_at)
     SELECT gen_random_uuid(), $1::uuid, 'Partner ' || n, 'affiliate', now() FROM generate_series(1, 5) n`,
    store.id,
  );
  await database.prisma.$executeRawUnsafe(
    `INSERT INTO campaign (id, store_id, name, discount_type, amount, currency, starts_at, ends_at,
       member_groups, product_ids, usage_limit, once_per_account, combines_with, updated_at)
     SELECT gen_random_uuid(), $1::uuid, 'Campaign ' || n, 'fixed', 100, 'TWD', $2::timestamptz,
       $2::timestamptz + interval '31 days', '{}', '{P}', NULL, false, '{}', now()
     FROM generate_series(1, 10) n`,
    store.id,
    new Date(MONTH_START),
  );
  await database.prisma.$executeRawUnsafe(
    `INSERT INTO code (id, store_id, campaign_id, code, code_key, source)
     SELECT gen_random_uuid(), $1::uuid, c.id, 'BENCH' || lpad(n::text, 5, '0'), 'BENCH' || lpad(n::text, 5, '0'), 'single'
     FROM generate_series(1, 1000) n
     JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS i FROM campaign) c ON c.i = n % 10`,
    store.id,
  );
  await database.prisma.$executeRawUnsafe(
    `WITH codes AS (SELECT id, campaign_id, code, row_number() OVER (ORDER BY id) - 1 AS i FROM code),
          partners AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS i FROM partner)
     INSERT INTO reservation (id, store_id, code_id, campaign_id, code_input, code_key, account_id, member_groups,
       partition, sequence, status, error_code, currency, cart, discount, lines, totals, partner_id,
       order_number, order_total, accepted_at, decided_at, confirmed_at, cancelled_at)
     SELECT gen_random_uuid(), $1::uuid, c.id, c.campaign_id, c.code, c.code, 'acct-' || (n::bigint * 7919 % 200000), '{}',
       0, n,
       s.status::reservation_status,
       CASE WHEN s.status = 'REJECTED' THEN 'USAGE_LIMIT_REACHED' END,
       'TWD', '{}', CASE WHEN s.status = 'REJECTED' THEN 0 ELSE 100 END, '[]', '{}',
       CASE WHEN s.placed AND n % 3 > 0 THEN p.id END,
       CASE WHEN s.placed THEN 'ORD-' || CASE WHEN n % 100 = 1 THEN n - 1 ELSE n END END,
       CASE WHEN s.placed THEN 500 + n % 10000 END,
       t.at, t.at,
       CASE WHEN s.placed THEN t.at END,
       CASE WHEN s.status = 'CANCELLED' THEN t.at + interval '1 hour' END
     FROM generate_series(1, $2::int) n
     JOIN codes c ON c.i = n % 1000
     JOIN partners p ON p.i = n % 5
     CROSS JOIN LATERAL (SELECT $3::timestamptz + ((n::bigint * 7919) % 2592000) * interval '1 second' AS at) t
     CROSS JOIN LATERAL (
       SELECT x.status, x.status IN ('CONFIRMED', 'CANCELLED') AS placed
       FROM (SELECT CASE
         WHEN n % 20 < 12 THEN 'CONFIRMED' WHEN n % 20 < 15 THEN 'CANCELLED'
         WHEN n % 20 < 18 THEN 'RESERVED' ELSE 'REJECTED' END AS status) x
     ) s`,
    store.id,
    env.BENCH_REPORT_RESERVATIONS,
    new Date(MONTH_START),
  );
  // As confirmation marks them (packages/db/src/shared-orders.ts): both reservations of an order.
  await database.prisma.$executeRawUnsafe(
    `UPDATE reservation r SET shares_order = true
     WHERE (r.store_id, r.order_number) IN (SELECT store_id, order_number FROM reservation
                                            WHERE order_number IS NOT NULL GROUP BY 1, 2 HAVING count(*) > 1)`,
  );
  await database.prisma.$executeRawUnsafe("VACUUM ANALYZE reservation");
  const seedSeconds = (performance.now() - seedStarted) / 1_000;

  const port = await freePort();
  const gateway = startService(
    "gateway",
    {
      DATABASE_URL: benchDatabase.url,
      REDIS_URL: env.REDIS_URL,
      KAFKA_BROKERS: env.KAFKA_BROKERS.join(","),
      QUEUE_PREFIX: `bench-${runId}`,
      PORT: String(port),
      LOG_LEVEL: "warn",
    },
    "gateway",
  );
  processes.push(gateway);
  const origin = `http://127.0.0.1:${port}`;
  await waitForHttp(`${origin}/healthz`, gateway);
  // The process itself warm (modules loaded, a pooled connection open, the path taken once) on a
  // range without orders, so "first" below is the first time the data is read.
  for (const report of ["codes", "partners"]) {
    const response = await fetch(
      `${origin}/v1/reports/${report}?from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z&format=xlsx`,
      { headers: { authorization: `Bearer ${secret}` } },
    );
    await response.arrayBuffer();
  }

  const month = { from: new Date(MONTH_START), to: new Date(MONTH_START + 30 * DAY) };
  const day = { from: new Date(MONTH_START + 10 * DAY), to: new Date(MONTH_START + 11 * DAY) };
  const cases = [
    { name: "by code, 30 days", report: "codes", range: month, format: "json" },
    { name: "by partner, 30 days", report: "partners", range: month, format: "json" },
    { name: "by code, 1 day", report: "codes", range: day, format: "json" },
    { name: "by partner, 1 day", report: "partners", range: day, format: "json" },
    { name: "by code, 30 days, .xlsx", report: "codes", range: month, format: "xlsx" },
  ] as const;
  const results = [];
  for (const { name, report, range, format } of cases) {
    const path = `/v1/reports/${report}?from=${range.from.toISOString()}&to=${range.to.toISOString()}&format=${format}`;
    const times: number[] = [];
    let orders: number | null = null;
    let bytes = 0;
    for (let run = 0; run < env.BENCH_REPORT_RUNS; run += 1) {
      const started = performance.now();
      const response = await fetch(`${origin}${path}`, { headers: { authorization: `Bearer ${secret}` } });
      const body = new Uint8Array(await response.arrayBuffer());
      times.push(performance.now() - started);
      if (response.status !== 200)
        throw new Error(`${path}: ${response.status} ${new TextDecoder().decode(body)}`);
      bytes = body.byteLength;
      if (format === "json") {
        const parsed = JSON.parse(new TextDecoder().decode(body)) as { totals: { orders: number }[] };
        orders = parsed.totals.reduce((sum, total) => sum + total.orders, 0);
      }
    }
    const plan = await explainReport(database.pool, report, {
      storeId: store.id,
      ...range,
      campaignId: null,
      partnerId: null,
      limit: 1_000,
    });
    results.push({
      name,
      firstMs: times[0] ?? 0,
      medianMs: median(times.slice(1).length ? times.slice(1) : times),
      maxMs: Math.max(...times),
      orders,
      bytes,
      scan: scansOf(plan, "reservation").join(", "),
    });
  }
  console.log(
    [
      `${env.BENCH_REPORT_RESERVATIONS.toLocaleString("en")} reservations seeded in ${seedSeconds.toFixed(1)} s; ${env.BENCH_REPORT_RUNS} requests per case`,
      "| report | orders in range | first ms | median ms (warm) | max ms | bytes | reservation scan |",
      "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
      ...results.map(
        (result) =>
          `| ${result.name} | ${result.orders === null ? "as above" : result.orders.toLocaleString("en")} | ${result.firstMs.toFixed(0)} | ${result.medianMs.toFixed(0)} | ${result.maxMs.toFixed(0)} | ${result.bytes} | ${result.scan} |`,
      ),
    ].join("\n"),
  );
  mkdirSync(join(REPO_ROOT, "bench/results"), { recursive: true });
  writeFileSync(
    join(REPO_ROOT, "bench/results/reports.json"),
    JSON.stringify(
      { at: new Date().toISOString(), reservations: env.BENCH_REPORT_RESERVATIONS, results },
      null,
      2,
    ),
  );
} finally {
  await Promise.all(processes.map((child) => child.stop()));
  await database.close();
  if (env.BENCH_KEEP_DATABASE === "true") console.log(`kept ${benchDatabase.url}`);
  else await benchDatabase.drop();
}
