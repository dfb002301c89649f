import { CODE_ALPHABET } from "@promo/domain";
import {
  createTestContext,
  eventually,
  type ServiceProcess,
  seedStore,
  type TestContext,
} from "@promo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmptyCampaign, type JobView, waitForJob } from "../support/code-jobs.ts";
import { expectFirstDistinctAccountsWon, flashBurst } from "../support/reservations.ts";
import { api, createLiveCampaign, type System, startSystem } from "../support/system.ts";

let ctx: TestContext;
let system: System;
let gatewayUrl: string;
let merchantKey: string;

const JOBS_WORKER_ENV = { LOG_LEVEL: "info", CODE_JOB_LOCK_MS: "2000" };

function startJobsWorker(label: string): ServiceProcess {
  return system.startProcess("code-jobs-worker", label, JOBS_WORKER_ENV);
}

beforeAll(async () => {
  ctx = await createTestContext("codegen");
  system = await startSystem(ctx, { gateways: 2, workers: 2 });
  gatewayUrl = system.gateways[0]?.url ?? "";
  merchantKey = system.store.keys.merchant;
});

afterAll(async () => {
  await system?.stop();
  await ctx?.cleanup();
});

async function generate(campaignId: string, body: Record<string, unknown>) {
  return api<JobView & { error?: { code: string; details?: unknown } }>(
    gatewayUrl,
    merchantKey,
    "POST",
    `/v1/campaigns/${campaignId}/codes/generate`,
    body,
  );
}

async function codesOf(campaignId: string): Promise<{ total: number; distinct: number; codes: string[] }> {
  const { rows } = await ctx.db.database.pool.query<{ total: number; distinct: number }>(
    "SELECT count(*)::int AS total, count(DISTINCT code_key)::int AS distinct FROM code WHERE campaign_id = $1",
    [campaignId],
  );
  const sample = await ctx.db.database.pool.query<{ code: string }>(
    "SELECT code FROM code WHERE campaign_id = $1",
    [campaignId],
  );
  return {
    total: rows[0]?.total ?? 0,
    distinct: rows[0]?.distinct ?? 0,
    codes: sample.rows.map((row) => row.code),
  };
}

describe("code generation jobs", () => {
  it("generates 10,000 distinct codes that pass the code rules, visible in the campaign's list", async () => {
    startJobsWorker("code-jobs-1");
    const campaignId = await createEmptyCampaign(gatewayUrl, merchantKey, "Generated 10k");
    const accepted = await generate(campaignId, { count: 10_000, prefix: "GEN" });
    expect(accepted.status).toBe(202);
    expect(accepted.body.state).toBe("queued");

    const { job } = await waitForJob(gatewayUrl, merchantKey, accepted.body.id);
    expect([job.state, job.progress, job.result]).toEqual(["succeeded", 100, { generated: 10_000 }]);
    const { total, distinct, codes } = await codesOf(campaignId);
    expect([total, distinct]).toEqual([10_000, 10_000]);
    // The job took the code table's statistics again (it grew by more than a tenth): the planner
    // sees the new codes at once, whether or not autovacuum runs.
    const plannedRows = await eventually(
      async () => {
        const { rows } = await ctx.db.database.pool.query<{ reltuples: number }>(
          "SELECT reltuples::int AS reltuples FROM pg_class WHERE oid = 'code'::regclass",
        );
        const reltuples = rows[0]?.reltuples ?? 0;
        return reltuples >= 10_000 && reltuples;
      },
      "the code table's statistics count the new codes",
      10_000,
    );
    expect(plannedRows).toBeGreaterThanOrEqual(10_000);
    const pattern = new RegExp(`^GEN[${CODE_ALPHABET}]{7}$`);
    expect(codes.filter((code) => !pattern.test(code))).toEqual([]);

    const page = await api<{ items: { code: string; source: string }[]; nextCursor: string | null }>(
      gatewayUrl,
      merchantKey,
      "GET",
      `/v1/campaigns/${campaignId}/codes?limit=500`,
    );
    expect(page.status).toBe(200);
    expect(page.body.items).toHaveLength(500);
    expect(page.body.items.every((item) => item.source === "generated" && codes.includes(item.code))).toBe(
      true,
    );
    expect(page.body.nextCursor).not.toBeNull();
  });

  it("refuses more than 10,000 without `large`, a code space under 1,000 × count, and other stores' jobs", async () => {
    const campaignId = await createEmptyCampaign(gatewayUrl, merchantKey, "Refusals");
    const tooMany = await generate(campaignId, { count: 10_001 });
    expect(tooMany.status).toBe(400);
    expect(JSON.stringify(tooMany.body.error?.details)).toContain("large");

    const tooSmall = await generate(campaignId, { count: 10_000, length: 6, prefix: "AB" });
    expect([tooSmall.status, tooSmall.body.error?.code]).toEqual([422, "CODE_SPACE_TOO_SMALL"]);

    // 31^4 = 923,521 holds 923 codes: filled by one job, it takes no more from another.
    const prefix = `S${Date.now().toString(36).slice(-5).toUpperCase()}`;
    const full = await generate(campaignId, { count: 923, length: 10, prefix });
    expect((await waitForJob(gatewayUrl, merchantKey, full.body.id)).job.state).toBe("succeeded");
    const more = await generate(campaignId, { count: 1, length: 10, prefix: prefix.toLowerCase() });
    expect([more.status, more.body.error?.code, more.body.error?.details]).toEqual([
      422,
      "CODE_SPACE_TOO_SMALL",
      { count: 1, existingCodes: 923, randomLength: 4, codeSpace: "923521", required: "924000" },
    ]);
    expect((await generate(campaignId, { count: 1, length: 11, prefix })).status).toBe(202);

    // A 64-character code may carry a 60-character prefix: 4 random characters are the least.
    const longest = await generate(campaignId, { count: 1, length: 64, prefix: "P".repeat(60) });
    expect(longest.status).toBe(202);
    expect((await waitForJob(gatewayUrl, merchantKey, longest.body.id)).job.state).toBe("succeeded");
    const tooLong = await generate(campaignId, { count: 1, length: 64, prefix: "P".repeat(61) });
    expect([tooLong.status, tooLong.body.error?.details]).toEqual([
      400,
      {
        fields: [
          { path: "prefix", message: "must leave at least 4 random characters in a code of at most 64" },
        ],
      },
    ]);

    const missing = await generate("00000000-0000-4000-8000-000000000000", { count: 10 });
    expect(missing.status).toBe(404);

    const small = await generate(campaignId, { count: 10 });
    expect(small.status).toBe(202);
    const other = await seedStore(ctx.db.database.prisma, "other");
    const foreign = await api(gatewayUrl, other.keys.merchant, "GET", `/v1/jobs/${small.body.id}`);
    expect(foreign.status).toBe(404);
    const checkoutKey = await api(gatewayUrl, system.store.keys.checkout, "GET", `/v1/jobs/${small.body.id}`);
    expect(checkoutKey.status).toBe(403);
    await waitForJob(gatewayUrl, merchantKey, small.body.id);
  });

  it("1,000,000 codes in one job, during a flash sale and through a SIGKILL of its worker: exact flash sale, progress moves, no duplicates", async () => {
    await Promise.all(
      system.workers.filter((worker) => worker.name.startsWith("code-jobs")).map((w) => w.stop()),
    );
    const first = startJobsWorker("code-jobs-2");
    const campaignId = await createEmptyCampaign(gatewayUrl, merchantKey, "Generated 1M");
    const accepted = await generate(campaignId, { count: 1_000_000, large: true });
    expect(accepted.status).toBe(202);
    const jobId = accepted.body.id;
    const progressSeen = new Set<number>();
    const progress = async () => {
      const job = (await api<JobView>(gatewayUrl, merchantKey, "GET", `/v1/jobs/${jobId}`)).body;
      progressSeen.add(job.progress);
      return job;
    };
    await eventually(async () => (await progress()).progress >= 3, "the generation to move", 60_000, 50);

    const code = `GENFLASH${Date.now().toString(36).toUpperCase()}`;
    await createLiveCampaign(gatewayUrl, merchantKey, { code, usageLimit: 11, oncePerAccount: true });
    const answers = await flashBurst(system, code, 500, 4_242);
    expect(answers).toHaveLength(1_000);
    expectFirstDistinctAccountsWon(answers, 11);

    const before = await eventually(
      async () => {
        const job = await progress();
        return job.progress >= 10 ? job : null;
      },
      "the generation to pass 10 %",
      120_000,
      50,
    );
    expect(before.state).toBe("running");
    expect(before.progress).toBeLessThan(100);
    await first.kill("SIGKILL");
    expect(await first.exited).toBe("SIGKILL");
    const atKill = await progress();
    expect(atKill.state).toBe("running");

    const second = startJobsWorker("code-jobs-3");
    const { job } = await waitForJob(gatewayUrl, merchantKey, jobId, 400_000);
    expect([job.state, job.progress, job.result]).toEqual(["succeeded", 100, { generated: 1_000_000 }]);
    const { rows } = await ctx.db.database.pool.query<{ total: number; distinct: number; bad: number }>(
      `SELECT count(*)::int AS total, count(DISTINCT code_key)::int AS distinct,
         count(*) FILTER (WHERE code !~ $2)::int AS bad
       FROM code WHERE campaign_id = $1`,
      [campaignId, `^[${CODE_ALPHABET}]{10}$`],
    );
    expect(rows[0]).toEqual({ total: 1_000_000, distinct: 1_000_000, bad: 0 });
    expect([...progressSeen].filter((value) => value > 0 && value < 100).length).toBeGreaterThanOrEqual(3);

    const finished = second
      .output()
      .split("\n")
      .filter((line) => line.includes('"code job finished"'))
      .map((line) => JSON.parse(line) as { peakRssMb: number; ms: number });
    expect(finished).toHaveLength(1);
    console.log(`1,000,000 codes: the resuming worker's peak RSS ${finished[0]?.peakRssMb} MB`);
    expect(finished[0]?.peakRssMb).toBeLessThan(300);
  });
});
