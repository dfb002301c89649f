import { partitionKey, queueOnSharedConnection, reservationQueueName } from "@promo/queue";
import {
  createTestContext,
  eventually,
  startTcpProxyFor,
  type TcpProxy,
  type TestContext,
  waitForOutput,
} from "@promo/testing";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  codeOnPartition,
  expectFirstDistinctAccountsWon,
  expectRecordAgrees,
  type ReservationAnswer,
  readAnswer,
  resolvePending,
} from "../support/reservations.ts";
import {
  api,
  createLiveCampaign,
  FLASH_CART,
  SYSTEM_PARTITIONS,
  type System,
  startSystem,
} from "../support/system.ts";

// A worker that holds jobs it cannot decide (PostgreSQL is away for it, and only for it, behind a
// TCP proxy) and gives its partitions up to a worker that can.
let ctx: TestContext;
let databaseProxy: TcpProxy;
let system: System;
let redis: Redis;

/** Every account reserves `code` twice, all at once, with `wait=0`: the answers say where each was queued. */
function queueTwice(code: string, accounts: readonly string[]): Promise<ReservationAnswer[]> {
  const [gateway] = system.gateways;
  if (!gateway) throw new Error("no gateway");
  return Promise.all(
    [...accounts, ...accounts].map(async (accountId) =>
      readAnswer(
        accountId,
        await api(gateway.url, system.store.keys.checkout, "POST", "/v1/reservations?wait=0", {
          code,
          accountId,
          cart: FLASH_CART,
        }),
      ),
    ),
  );
}

/** The lease of the worker that sweeps run-out holds. */
const sweeperLease = () => `${ctx.queuePrefix}:expiry-sweeper`;

/** Which worker holds each partition's lease (null: none). */
async function partitionOwners(): Promise<Array<string | null>> {
  const partitions = Array.from({ length: Number(SYSTEM_PARTITIONS) }, (_, partition) => partition);
  return Promise.all(
    partitions.map((partition) => redis.get(partitionKey(ctx.queuePrefix, partition, "owner"))),
  );
}

beforeAll(async () => {
  ctx = await createTestContext("handover");
  redis = new Redis(ctx.env.REDIS_URL);
  const proxied = await startTcpProxyFor(ctx.serviceEnv().DATABASE_URL ?? "", 5432);
  databaseProxy = proxied.proxy;
  system = await startSystem(ctx, {
    gateways: 1,
    workers: 0,
    env: { JOB_LOCK_MS: "2000", PARTITION_LEASE_MS: "2000" },
  });
  const first = system.startWorker("worker-a", {
    WORKER_ID: "worker-a",
    DATABASE_URL: proxied.url,
    LOG_LEVEL: "info",
  });
  await waitForOutput(first, `"owned":${SYSTEM_PARTITIONS}`);
});

afterAll(async () => {
  redis?.disconnect();
  await databaseProxy?.restore();
  await system?.stop();
  await databaseProxy?.close();
  await ctx?.cleanup();
});

describe("partition handover", () => {
  it("the jobs a worker could not decide before giving its partition up go to the next owner, decided once, in order", async () => {
    const [gateway] = system.gateways;
    const [first] = system.workers;
    if (!gateway || !first) throw new Error("no gateway or worker");
    // The highest partition: the first the worker gives up when another joins.
    const limit = 11;
    const code = codeOnPartition(system.store.storeId, "HANDOVER", Number(SYSTEM_PARTITIONS) - 1);
    const { codeId } = await createLiveCampaign(gateway.url, system.store.keys.merchant, {
      code,
      usageLimit: limit,
      oncePerAccount: true,
    });

    await databaseProxy.cut();
    const accounts = Array.from({ length: 60 }, (_, index) => `handover-${index}`);
    const queued = await queueTwice(code, accounts);
    expect(queued.filter((answer) => answer.status !== 202)).toEqual([]);

    // Another worker joins: worker-a, which has stepped aside since it cannot reach PostgreSQL, gives
    // its partitions up to it. It cannot decide the jobs it holds, so after its grace period it
    // hands them back undecided.
    system.startWorker("worker-b", { WORKER_ID: "worker-b" });
    await waitForOutput(first, "handing undecided jobs back to the queue", 60_000);
    await eventually(
      async () => (await redis.get(sweeperLease())) === "worker-b",
      "worker-b to sweep run-out holds",
    );
    // PostgreSQL back for worker-a too, which may well own the partition again.
    await databaseProxy.restore();

    const answers = await Promise.all(
      queued.map((answer) => resolvePending(gateway.url, system.store.keys.checkout, answer)),
    );
    expect(answers.filter((answer) => ![200, 409].includes(answer.status))).toEqual([]);
    expectFirstDistinctAccountsWon(answers, limit);
    await expectRecordAgrees(ctx.db.database, codeId, answers, limit);
    expect([first.child.exitCode, first.child.signalCode]).toEqual([null, null]);

    // Handed back straight to the queue: no job had to wait for its lock to lapse and be found stalled.
    const queue = queueOnSharedConnection(reservationQueueName(Number(SYSTEM_PARTITIONS) - 1), {
      connection: redis,
      prefix: ctx.queuePrefix,
    });
    try {
      const jobs = await queue.getJobs(["completed"]);
      expect(jobs.length).toBeGreaterThan(0);
      expect(jobs.filter((job) => job.stalledCounter > 0).map((job) => job.id)).toEqual([]);
    } finally {
      await queue.close();
    }
  });

  it("a worker that loses PostgreSQL steps aside: the other decides its partitions without it, and it takes a share back once PostgreSQL returns", async () => {
    const [gateway] = system.gateways;
    const [first, second] = system.workers;
    if (!gateway || !first || !second) throw new Error("no gateway or workers");
    // After the first case worker-a is back and the two share the partitions.
    await eventually(async () => {
      const owners = await partitionOwners();
      return owners.includes("worker-a") && owners.includes("worker-b");
    }, "both workers to own partitions");
    const owners = await partitionOwners();
    expect(owners).toContain("worker-a");
    const limit = 7;
    const campaigns = await Promise.all(
      owners.map(async (_, partition) => {
        const code = codeOnPartition(system.store.storeId, `STEPASIDE${partition}X`, partition);
        const { codeId } = await createLiveCampaign(gateway.url, system.store.keys.merchant, {
          code,
          usageLimit: limit,
          oncePerAccount: true,
        });
        return { code, codeId, partition };
      }),
    );

    const steppedAsideFrom = first.output().length;
    await databaseProxy.cut();
    // Queued at once: worker-a still holds its partitions while it finds out.
    const accounts = Array.from({ length: 25 }, (_, index) => `aside-${index}`);
    const queued = await Promise.all(campaigns.map(({ code }) => queueTwice(code, accounts)));
    expect(queued.flat().filter((answer) => answer.status !== 202)).toEqual([]);

    // Every request is decided while PostgreSQL is still away for worker-a: by worker-b.
    const answers = await Promise.all(
      queued.map((forCode) =>
        Promise.all(forCode.map((answer) => resolvePending(gateway.url, system.store.keys.checkout, answer))),
      ),
    );
    expect(first.output().slice(steppedAsideFrom)).toContain("stepping aside for workers that can");
    expect(await partitionOwners()).toEqual(owners.map(() => "worker-b"));
    // The sweep of run-out holds, too, is left to a worker that can reach PostgreSQL.
    await eventually(
      async () => (await redis.get(sweeperLease())) === "worker-b",
      "worker-b to sweep run-out holds",
    );
    for (const [index, { codeId }] of campaigns.entries()) {
      const forCode = answers[index] ?? [];
      expect(forCode.filter((answer) => ![200, 409].includes(answer.status))).toEqual([]);
      expectFirstDistinctAccountsWon(forCode, limit);
      await expectRecordAgrees(ctx.db.database, codeId, forCode, limit);
    }

    // PostgreSQL back: worker-a takes a share again.
    await databaseProxy.restore();
    await eventually(
      async () => first.output().slice(steppedAsideFrom).includes("PostgreSQL reachable again"),
      "worker-a to find PostgreSQL again",
    );
    await eventually(
      async () => (await partitionOwners()).includes("worker-a"),
      "worker-a to own a partition again",
    );
    expect([first.child.exitCode, second.child.exitCode]).toEqual([null, null]);
  });
});
