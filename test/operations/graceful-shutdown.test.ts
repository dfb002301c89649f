import { createCodeJobsQueue } from "@promo/queue";
import { createTestContext, eventually, freePort, type TestContext, waitForHttp } from "@promo/testing";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmptyCampaign, type JobView, waitForJob } from "../support/code-jobs.ts";
import {
  expectRecordAgrees,
  firstDistinctAccounts,
  partitionOwner,
  type ReservationAnswer,
  readAnswer,
  resolvePending,
  shuffle,
} from "../support/reservations.ts";
import {
  api,
  createLiveCampaign,
  FLASH_CART,
  type RunningGateway,
  type System,
  startFailoverSystem,
} from "../support/system.ts";

let ctx: TestContext;
let system: System;
let redis: Redis;

beforeAll(async () => {
  ctx = await createTestContext("graceful");
  system = await startFailoverSystem(ctx);
  redis = new Redis(ctx.env.REDIS_URL);
});

afterAll(async () => {
  redis?.disconnect();
  await system?.stop();
  await ctx?.cleanup();
});

/**
 * One shopper's request as a load balancer would send it: to the given gateway, and to the other
 * one if the first refuses the connection (it is shutting down). Only an answer counts as accepted.
 */
async function reserve(gateways: readonly RunningGateway[], first: number, code: string, accountId: string) {
  let lastError: unknown = null;
  for (let attempt = 0; attempt < gateways.length * 3; attempt += 1) {
    const gateway = gateways[(first + attempt) % gateways.length];
    if (!gateway) break;
    try {
      return readAnswer(
        accountId,
        await api(gateway.url, system.store.keys.checkout, "POST", "/v1/reservations?wait=5000", {
          code,
          accountId,
          cart: FLASH_CART,
        }),
      );
    } catch (error) {
      lastError = error;
    }
  }
  throw new Error(`no gateway answered ${accountId}: ${String(lastError)}`);
}

describe("graceful shutdown on SIGTERM", () => {
  it("a gateway and a worker stopped mid-burst: every accepted request is decided once, within the cap", async () => {
    const limit = 40;
    const code = `TERM${Date.now().toString(36).toUpperCase()}`;
    const gateways = [...system.gateways];
    const { codeId } = await createLiveCampaign(gateways[0]?.url ?? "", system.store.keys.merchant, {
      code,
      usageLimit: limit,
      oncePerAccount: true,
    });
    const owner = await partitionOwner(redis, ctx.queuePrefix, system.store.storeId, code);
    const worker = system.workers.find((candidate) => candidate.name === owner);
    const gateway = gateways[0];
    if (!worker || !gateway) throw new Error(`worker ${owner} or gateway missing`);

    const requests = shuffle(
      Array.from({ length: 500 }, (_, index) => `term-${index}`).flatMap((account) => [account, account]),
      7,
    );
    let answered = 0;
    let stopping: Promise<unknown> | null = null;
    const answers: ReservationAnswer[] = await Promise.all(
      requests.map(async (accountId, index) => {
        const answer = await reserve(gateways, index, code, accountId);
        answered += 1;
        if (answered === 200 && !stopping) {
          gateway.process.child.kill("SIGTERM");
          worker.child.kill("SIGTERM");
          stopping = Promise.all([gateway.process.exited, worker.exited]);
        }
        return answer;
      }),
    );
    expect(stopping).not.toBeNull();
    // Both stopped by themselves through their shutdown path (exit 0; the deadline path exits 1).
    expect(
      await stopping,
      `gateway:\n${gateway.process.output().slice(-2_000)}\nworker:\n${worker.output().slice(-4_000)}`,
    ).toEqual([0, 0]);
    system.startWorker(worker.name, { WORKER_ID: worker.name });

    const surviving = gateways[1]?.url ?? "";
    const decided = await Promise.all(
      answers.map((answer) => resolvePending(surviving, system.store.keys.checkout, answer)),
    );
    expect(decided).toHaveLength(1_000);
    expect(new Set(decided.map((answer) => answer.id)).size).toBe(1_000);
    expect(new Set(decided.map((answer) => answer.outcome))).toEqual(
      new Set(["RESERVED", "ACCOUNT_LIMIT_REACHED", "USAGE_LIMIT_REACHED"]),
    );
    const winners = decided.filter((answer) => answer.outcome === "RESERVED");
    expect(winners).toHaveLength(limit);
    expect(new Set(winners.map((answer) => answer.accountId))).toEqual(firstDistinctAccounts(decided, limit));

    // PostgreSQL agrees: one row per accepted request (no request accepted yet unanswered), each
    // decided once, the cap never exceeded.
    expect(await ctx.db.database.prisma.reservation.count({ where: { codeId } })).toBe(1_000);
    await expectRecordAgrees(ctx.db.database, codeId, decided, limit);
  });

  it("the outbox relay, order consumer and code jobs worker stop cleanly and hand their work on", async () => {
    const gateway = system.gateways.find((candidate) => candidate.process.child.exitCode === null);
    if (!gateway) throw new Error("no running gateway");
    const ports = { relay: await freePort(), consumer: await freePort(), codeJobs: await freePort() };
    const start = () => ({
      relay: system.startProcess("outbox-relay", "relay", { METRICS_PORT: String(ports.relay) }),
      consumer: system.startProcess("order-consumer", "consumer", { METRICS_PORT: String(ports.consumer) }),
      codeJobs: system.startProcess("code-jobs-worker", "code-jobs", {
        METRICS_PORT: String(ports.codeJobs),
        GENERATION_BATCH_SIZE: "1000",
      }),
    });
    const first = start();
    await Promise.all(
      (["relay", "consumer", "codeJobs"] as const).map((name) =>
        waitForHttp(
          `http://127.0.0.1:${ports[name]}/${name === "consumer" ? "readyz" : "metrics"}`,
          first[name],
        ),
      ),
    );

    // A long generation in progress when SIGTERM arrives.
    const count = 100_000;
    const campaignId = await createEmptyCampaign(
      gateway.url,
      system.store.keys.merchant,
      "Shutdown generation",
    );
    const started = await api<{ id: string }>(
      gateway.url,
      system.store.keys.merchant,
      "POST",
      `/v1/campaigns/${campaignId}/codes/generate`,
      { count, large: true },
    );
    expect(started.status).toBe(202);
    const jobId = started.body.id;
    await eventually(
      async () => {
        const job = await api<JobView>(gateway.url, system.store.keys.merchant, "GET", `/v1/jobs/${jobId}`);
        return job.body.state === "running" && job.body.progress > 0;
      },
      "the generation to be under way",
      60_000,
      20,
    );
    const processes = [first.relay, first.consumer, first.codeJobs];
    for (const process of processes) process.child.kill("SIGTERM");
    const exits = await Promise.all(processes.map((process) => process.exited));
    expect(
      exits,
      processes.map((process) => `${process.name}:\n${process.output().slice(-2_000)}`).join("\n"),
    ).toEqual([0, 0, 0]);

    // The generation went back to the queue unfinished, without spending an attempt.
    const codeJobs = createCodeJobsQueue({ connection: redis, prefix: ctx.queuePrefix });
    try {
      const queued = await codeJobs.queue.getJob(jobId);
      expect(await queued?.getState()).toBe("waiting");
      expect(queued?.attemptsMade).toBe(0);
    } finally {
      await codeJobs.close();
    }
    const madeBefore = await ctx.db.database.prisma.code.count({ where: { jobId } });
    expect(madeBefore).toBeLessThan(count);
    // Until a worker takes it again, the merchant sees it queued, with the progress made so far.
    const handedBack = await api<JobView>(
      gateway.url,
      system.store.keys.merchant,
      "GET",
      `/v1/jobs/${jobId}`,
    );
    expect(handedBack.body.state).toBe("queued");
    expect(handedBack.body.progress).toBeGreaterThan(0);

    // Restarted, the job resumes and ends with exactly `count` codes; the relay drains the outbox.
    start();
    const { job } = await waitForJob(gateway.url, system.store.keys.merchant, jobId, 120_000);
    expect(job.state).toBe("succeeded");
    expect(await ctx.db.database.prisma.code.count({ where: { jobId } })).toBe(count);
    await eventually(
      async () => (await ctx.db.database.prisma.outboxEvent.count({ where: { publishedAt: null } })) === 0,
      "the outbox to drain",
    );
  });
});
