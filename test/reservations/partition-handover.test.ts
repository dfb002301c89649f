import {
  createTestContext,
  startTcpProxy,
  type TcpProxy,
  type TestContext,
  waitForOutput,
} from "@promo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  codeOnPartition,
  expectFirstDistinctAccountsWon,
  expectRecordAgrees,
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

// A worker made to give a partition up (a second worker joined) while it holds jobs it cannot
// decide (PostgreSQL is away for it, and only for it, behind a TCP proxy).
let ctx: TestContext;
let databaseProxy: TcpProxy;
let system: System;

beforeAll(async () => {
  ctx = await createTestContext("handover");
  const databaseUrl = new URL(ctx.serviceEnv().DATABASE_URL ?? "");
  databaseProxy = await startTcpProxy({ host: databaseUrl.hostname, port: Number(databaseUrl.port || 5432) });
  system = await startSystem(ctx, {
    gateways: 1,
    workers: 0,
    env: { JOB_LOCK_MS: "2000", PARTITION_LEASE_MS: "2000" },
  });
  databaseUrl.hostname = "127.0.0.1";
  databaseUrl.port = String(databaseProxy.port);
  const first = system.startWorker("worker-a", {
    WORKER_ID: "worker-a",
    DATABASE_URL: databaseUrl.href,
    LOG_LEVEL: "info",
  });
  await waitForOutput(first, `"owned":${SYSTEM_PARTITIONS}`);
});

afterAll(async () => {
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
    const queued = await Promise.all(
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
    expect(queued.filter((answer) => answer.status !== 202)).toEqual([]);

    // Another worker joins: worker-a gives up half its partitions, this code's first. It cannot
    // decide the jobs it holds, so after its grace period it hands them back undecided.
    system.startWorker("worker-b", { WORKER_ID: "worker-b" });
    await waitForOutput(first, "handing undecided jobs back to the queue", 60_000);
    // PostgreSQL back for worker-a too, which may well own the partition again.
    await databaseProxy.restore();

    const answers = await Promise.all(
      queued.map((answer) => resolvePending(gateway.url, system.store.keys.checkout, answer)),
    );
    expect(answers.filter((answer) => ![200, 409].includes(answer.status))).toEqual([]);
    expectFirstDistinctAccountsWon(answers, limit);
    await expectRecordAgrees(ctx.db.database, codeId, answers, limit);
    expect([first.child.exitCode, first.child.signalCode]).toEqual([null, null]);
  });
});
