// `npm run bench`, third part: background code jobs through the real gateway and code jobs worker.
// Generation of 1,000,000 codes in one job (codes per second, the worker's peak RSS) and import of
// a 10,000-row .xlsx (rows per second, upload to job finished). Writes bench/results/code-jobs.json.
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseUrlSchema, KafkaBrokersSchema, parseEnv, RedisUrlSchema } from "@promo/config";
import { createApiKey, createDatabase } from "@promo/db";
import { freePort, REPO_ROOT, startService, waitForHttp } from "@promo/testing/processes";
import ExcelJS from "exceljs";
import { z } from "zod";
import { createBenchDatabase } from "./src/bench-database.ts";

const env = parseEnv(
  z.object({
    DATABASE_URL: DatabaseUrlSchema,
    REDIS_URL: RedisUrlSchema,
    KAFKA_BROKERS: KafkaBrokersSchema,
    BENCH_GENERATE_CODES: z.coerce.number().int().positive().default(1_000_000),
    BENCH_IMPORT_ROWS: z.coerce.number().int().positive().max(10_000).default(10_000),
  }),
  process.env,
);

type Job = { id: string; state: string; progress: number; result: Record<string, unknown> | null };

const runId = randomBytes(3).toString("hex");
const benchDatabase = await createBenchDatabase(env.DATABASE_URL, `promo_bench_jobs_${runId}`);
const processes: ReturnType<typeof startService>[] = [];
try {
  const database = createDatabase({ databaseUrl: benchDatabase.url });
  const store = await database.prisma.store.create({ data: { slug: "bench", name: "Bench" } });
  const { secret } = await createApiKey(database.prisma, {
    storeId: store.id,
    name: "bench",
    scopes: ["merchant"],
  });
  await database.close();

  const port = await freePort();
  const serviceEnv = {
    DATABASE_URL: benchDatabase.url,
    REDIS_URL: env.REDIS_URL,
    KAFKA_BROKERS: env.KAFKA_BROKERS.join(","),
    QUEUE_PREFIX: `bench-${runId}`,
    LOG_LEVEL: "info",
  };
  const gateway = startService(
    "gateway",
    { ...serviceEnv, PORT: String(port), LOG_LEVEL: "warn" },
    "gateway",
  );
  processes.push(gateway);
  const worker = startService("code-jobs-worker", serviceEnv, "code-jobs-worker");
  processes.push(worker);
  const origin = `http://127.0.0.1:${port}`;
  await waitForHttp(`${origin}/healthz`, gateway);
  const headers = { authorization: `Bearer ${secret}`, "content-type": "application/json" };

  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${origin}${path}`, { method: "POST", headers, body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as { id: string };
  };
  const campaign = async (name: string) => {
    const now = Date.now();
    return post("/v1/campaigns", {
      name,
      discount: { type: "fixed", amount: 100 },
      currency: "TWD",
      startsAt: new Date(now).toISOString(),
      endsAt: new Date(now + 86_400_000).toISOString(),
      productIds: ["SKU-1"],
      usageLimit: null,
      oncePerAccount: false,
    });
  };
  const finished = async (jobId: string): Promise<Job> => {
    for (;;) {
      const response = await fetch(`${origin}/v1/jobs/${jobId}`, { headers });
      if (!response.ok) throw new Error(`GET /v1/jobs/${jobId}: ${response.status} ${await response.text()}`);
      const job = (await response.json()) as Job;
      if (job.state === "succeeded" || job.state === "failed") return job;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  const generated = await campaign("Generated");
  let started = performance.now();
  const generation = await post(`/v1/campaigns/${generated.id}/codes/generate`, {
    count: env.BENCH_GENERATE_CODES,
    large: true,
  });
  const generationJob = await finished(generation.id);
  const generationSeconds = (performance.now() - started) / 1_000;
  // The worker logs the job's end just after the job row says so: wait for the line a moment.
  const peakRssOf = () =>
    worker
      .output()
      .split("\n")
      .filter((line) => line.includes('"code job finished"'))
      .map((line) => (JSON.parse(line) as { peakRssMb: number }).peakRssMb)
      .at(-1);
  for (let waited = 0; peakRssOf() === undefined && waited < 5_000; waited += 50)
    await new Promise((resolve) => setTimeout(resolve, 50));
  const peakRssMb = peakRssOf();

  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet("Codes");
  sheet.addRow(["code"]);
  for (let index = 0; index < env.BENCH_IMPORT_ROWS; index += 1)
    sheet.addRow([`IMPORT${String(index).padStart(6, "0")}`]);
  const file = new Uint8Array(await workbook.xlsx.writeBuffer());
  const imported = await campaign("Imported");
  const form = new FormData();
  form.append("file", new Blob([file]), "codes.xlsx");
  started = performance.now();
  const uploaded = await fetch(`${origin}/v1/campaigns/${imported.id}/codes/import`, {
    method: "POST",
    headers: { authorization: headers.authorization },
    body: form,
  });
  if (!uploaded.ok) throw new Error(`import upload: ${uploaded.status} ${await uploaded.text()}`);
  const upload = (await uploaded.json()) as { id: string };
  const importJob = await finished(upload.id);
  const importSeconds = (performance.now() - started) / 1_000;

  const result = {
    generation: {
      codes: env.BENCH_GENERATE_CODES,
      state: generationJob.state,
      seconds: generationSeconds,
      codesPerSecond: env.BENCH_GENERATE_CODES / generationSeconds,
      workerPeakRssMb: peakRssMb ?? null,
    },
    import: {
      rows: env.BENCH_IMPORT_ROWS,
      bytes: file.byteLength,
      state: importJob.state,
      seconds: importSeconds,
      rowsPerSecond: env.BENCH_IMPORT_ROWS / importSeconds,
    },
  };
  console.log(
    [
      "| job | size | state | seconds | per second | worker peak RSS |",
      "| --- | ---: | --- | ---: | ---: | ---: |",
      `| generate | ${result.generation.codes} codes | ${result.generation.state} | ${generationSeconds.toFixed(1)} | ${result.generation.codesPerSecond.toFixed(0)} codes | ${peakRssMb ?? "?"} MB |`,
      `| import .xlsx | ${result.import.rows} rows (${file.byteLength} bytes) | ${result.import.state} | ${importSeconds.toFixed(2)} | ${result.import.rowsPerSecond.toFixed(0)} rows | |`,
    ].join("\n"),
  );
  mkdirSync(join(REPO_ROOT, "bench/results"), { recursive: true });
  writeFileSync(
    join(REPO_ROOT, "bench/results/code-jobs.json"),
    JSON.stringify({ at: new Date().toISOString(), result }, null, 2),
  );
  if (generationJob.state !== "succeeded" || importJob.state !== "succeeded") process.exitCode = 1;
} finally {
  await Promise.all(processes.map((child) => child.stop()));
  await benchDatabase.drop();
}
