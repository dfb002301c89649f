import { randomUUID } from "node:crypto";
import { CODE_JOB_NAMES, type CodeJobPayload } from "@promo/contracts";
import { createJob, failUnfinishedJob, findJob, finishJob, poolSql } from "@promo/db";
import { createLogger } from "@promo/observability";
import { createCodeJobsQueue, createRedisConnection, type RedisConnection } from "@promo/queue";
import { createTestContext, eventually, type SeededStore, seedStore, type TestContext } from "@promo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCodeJobsRunner, gaveUpProblem } from "./worker.ts";

let ctx: TestContext;
let store: SeededStore;
let campaignId: string;
let producer: RedisConnection;
let queue: ReturnType<typeof createCodeJobsQueue>;
const ended: string[] = [];
let runner: ReturnType<typeof createCodeJobsRunner>;

beforeAll(async () => {
  ctx = await createTestContext("codejobsworker");
  store = await seedStore(ctx.db.database.prisma, "code-jobs-worker");
  const { rows } = await ctx.db.database.pool.query<{ id: string }>(
    `INSERT INTO campaign (id, store_id, name, discount_type, amount, currency, starts_at, ends_at,
       once_per_account, combines_with_all, updated_at)
     VALUES (gen_random_uuid(), $1::uuid, 'Jobs', 'fixed', 100, 'TWD', now() - interval '1 day',
       now() + interval '1 day', false, false, now())
     RETURNING id::text`,
    [store.storeId],
  );
  campaignId = rows[0]?.id ?? "";
  producer = createRedisConnection({ url: ctx.env.REDIS_URL, cluster: false }, "producer", "jobs-test");
  queue = createCodeJobsQueue({ connection: producer, prefix: ctx.queuePrefix });
  runner = createCodeJobsRunner({
    database: ctx.db.database,
    redis: { url: ctx.env.REDIS_URL, cluster: false },
    logger: createLogger({ service: "code-jobs-worker-test", level: "silent" }),
    clock: () => new Date(),
    settings: {
      prefix: ctx.queuePrefix,
      concurrency: 1,
      lockMs: 5_000,
      generationBatchSize: 1_000,
      recoveryMs: 1_000,
    },
    observer: { progress: () => undefined, finished: (job, outcome) => ended.push(`${job.id} ${outcome}`) },
  });
  runner.start();
});

afterAll(async () => {
  await runner?.stop();
  await queue?.close();
  producer?.disconnect();
  await ctx?.cleanup();
});

/** An import job whose params no longer parse: every attempt at it throws. */
async function createBrokenImport(): Promise<string> {
  const job = await createJob(poolSql(ctx.db.database.pool), {
    id: randomUUID(),
    storeId: store.storeId,
    campaignId,
    kind: "import_codes",
    params: { fileName: "codes.csv" },
    upload: {
      fileName: "codes.csv",
      contentType: "text/csv",
      content: new TextEncoder().encode("ABCDEF12\n"),
    },
    now: new Date(),
  });
  return job.id;
}

async function uploadsOf(jobId: string): Promise<number> {
  const { rows } = await ctx.db.database.pool.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM job_file WHERE job_id = $1 AND purpose = 'upload'",
    [jobId],
  );
  return rows[0]?.n ?? 0;
}

describe("code jobs worker", () => {
  it("fails a job in PostgreSQL once its BullMQ attempts run out, and deletes its upload", async () => {
    const jobId = await createBrokenImport();
    const payload: CodeJobPayload = { jobId, storeId: store.storeId, kind: "import_codes" };
    await queue.queue.add(CODE_JOB_NAMES.import_codes, payload, {
      jobId,
      attempts: 2,
      backoff: { type: "fixed", delay: 50 },
    });
    const job = await eventually(async () => {
      const found = await findJob(poolSql(ctx.db.database.pool), store.storeId, jobId);
      return found?.state === "failed" ? found : null;
    }, "the job to fail");
    expect(job.errors).toEqual([gaveUpProblem("import_codes", 2)]);
    expect(job.errors?.[0]?.message).toBe(
      "the job could not be finished after 2 attempts and was given up: nothing was imported; upload the file again",
    );
    expect(job.finishedAt).not.toBeNull();
    expect(await uploadsOf(jobId)).toBe(0);
    expect(ended).toContain(`${jobId} gave_up`);
  });

  it("queues again the unfinished jobs the queue lost (Redis keeps nothing on disk), and they finish", async () => {
    const sql = poolSql(ctx.db.database.pool);
    // Recorded, then lost with Redis's data: one still queued, one a run had started.
    const lost = await Promise.all(
      ["queued", "running"].map(async (state, index) => {
        const job = await createJob(sql, {
          id: randomUUID(),
          storeId: store.storeId,
          campaignId,
          kind: "generate_codes",
          params: { count: 40, length: 10, prefix: `LOST${index}` },
          now: new Date(),
        });
        await sql.query(
          "UPDATE job SET state = $2::job_state, updated_at = now() - interval '5 seconds' WHERE id = $1",
          [job.id, state],
        );
        return job.id;
      }),
    );
    for (const jobId of lost) {
      const job = await eventually(async () => {
        const found = await findJob(sql, store.storeId, jobId);
        return found?.state === "succeeded" ? found : null;
      }, "the lost job to finish");
      expect(job.result).toEqual({ generated: 40 });
    }
    const { rows } = await ctx.db.database.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM code WHERE job_id = ANY($1::uuid[])",
      [lost],
    );
    expect(rows[0]?.n).toBe(80);
  });

  it("fails a job the queue gave up on when its failure was not recorded then", async () => {
    const sql = poolSql(ctx.db.database.pool);
    const jobId = await createBrokenImport();
    await queue.queue.add(
      CODE_JOB_NAMES.import_codes,
      { jobId, storeId: store.storeId, kind: "import_codes" } satisfies CodeJobPayload,
      { jobId, attempts: 1 },
    );
    await eventually(
      async () => (await queue.queue.getJobState(jobId)) === "failed" || null,
      "the queue to give up",
    );
    await eventually(
      async () => (await findJob(sql, store.storeId, jobId))?.state === "failed" || null,
      "the failure to be recorded",
    );
    // As if PostgreSQL had been away when the queue gave up: the row still reads running.
    await sql.query(
      "UPDATE job SET state = 'running', errors = NULL, finished_at = NULL, updated_at = now() - interval '5 seconds' WHERE id = $1",
      [jobId],
    );
    const job = await eventually(async () => {
      const found = await findJob(sql, store.storeId, jobId);
      return found?.state === "failed" ? found : null;
    }, "the recovery round to fail the job");
    expect(job.errors).toEqual([gaveUpProblem("import_codes", 1)]);
  });

  it("leaves a job that finished as it is", async () => {
    const sql = poolSql(ctx.db.database.pool);
    const jobId = await createBrokenImport();
    await finishJob(sql, jobId, { state: "succeeded", result: { imported: 1 }, errors: [], now: new Date() });
    expect(
      await failUnfinishedJob(sql, jobId, { problem: gaveUpProblem("import_codes", 5), now: new Date() }),
    ).toBe(false);
    const job = await findJob(sql, store.storeId, jobId);
    expect([job?.state, job?.result, job?.errors]).toEqual(["succeeded", { imported: 1 }, []]);
  });
});
