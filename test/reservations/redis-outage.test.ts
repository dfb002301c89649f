import {
  createTestContext,
  eventually,
  type ServiceProcess,
  startTcpProxyFor,
  type TcpProxy,
  type TestContext,
} from "@promo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  codeOnPartition,
  expectRecordAgrees,
  firstDistinctAccounts,
  partitionOfCode,
  type ReservationAnswer,
  retryingBurst,
} from "../support/reservations.ts";
import {
  type ApiResponse,
  api,
  createLiveCampaign,
  FLASH_CART,
  type System,
  startSystem,
} from "../support/system.ts";

// Redis taken away from the services (and only from them) through a TCP proxy, as a Redis restart or
// a network cut would: the real Redis keeps serving every other test.
let ctx: TestContext;
let proxy: TcpProxy;
let system: System;

beforeAll(async () => {
  ctx = await createTestContext("redisoutage");
  const proxied = await startTcpProxyFor(ctx.env.REDIS_URL, 6379);
  proxy = proxied.proxy;
  // Away from the start: every service must come up without it and wait.
  await proxy.cut();
  system = await startSystem(ctx, { gateways: 2, workers: 2, env: { REDIS_URL: proxied.url } });
});

afterAll(async () => {
  await proxy?.restore();
  await system?.stop();
  await proxy?.close();
  await ctx?.cleanup();
});

/** Workers a test stopped on purpose. */
const retired = new Set<ServiceProcess>();

function services() {
  return [...system.workers, ...system.gateways.map((gateway) => gateway.process)].filter(
    (service) => !retired.has(service),
  );
}

/** Every service still running, and everything each printed a structured (JSON) log line. */
function expectServicesHealthy(): void {
  for (const service of services()) {
    expect(
      [service.child.exitCode, service.child.signalCode],
      `${service.name} stopped:\n${service.output().slice(-3_000)}`,
    ).toEqual([null, null]);
    const unstructured = service
      .output()
      .split("\n")
      .filter((line) => line.trim() !== "" && !isJsonObject(line));
    expect(unstructured.slice(0, 5), `${service.name} printed lines that are not JSON logs`).toEqual([]);
  }
}

/** A service's log lines with this message, at any level. */
function linesOf(service: ServiceProcess, message: string): string[] {
  return service
    .output()
    .split("\n")
    .filter((line) => line.includes(`"msg":"${message}"`));
}

/** The workers' log lines with this message, at any level. */
function workerLines(message: string): string[] {
  return system.workers.flatMap((worker) => linesOf(worker, message));
}

function isJsonObject(line: string): boolean {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === "object" && value !== null;
  } catch {
    return false;
  }
}

/**
 * As a checkout would: each request with its own Idempotency-Key, a 503 tried again with the same key
 * after its Retry-After. A request whose enqueue failed midway may still have been queued, and the
 * key then answers with that first decision.
 */
const AS_A_CHECKOUT = { idempotencyKeys: true, retry: { pause: "retry-after", max: 20_000 } } as const;

function expectFairAndCapped(answers: readonly ReservationAnswer[], limit: number): void {
  expect(answers.filter((answer) => ![200, 409].includes(answer.status))).toEqual([]);
  expect(new Set(answers.map((answer) => answer.id)).size).toBe(answers.length);
  expect(new Set(answers.map((answer) => answer.sequence)).size).toBe(answers.length);
  const winners = answers.filter((answer) => answer.outcome === "RESERVED");
  expect(winners).toHaveLength(limit);
  expect(new Set(winners.map((answer) => answer.accountId))).toEqual(firstDistinctAccounts(answers, limit));
}

describe("Redis away", () => {
  it("while the services start: they stay up, the gateway says not ready, and all serve once it is back", async () => {
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expectServicesHealthy();
    const ready = await fetch(`${system.gateways[0]?.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ checks: { redis: "down" } });

    await proxy.restore();
    await eventually(async () => {
      const response = await fetch(`${system.gateways[0]?.url}/readyz`);
      return response.status === 200;
    }, "the gateway ready once Redis is back");

    const limit = 11;
    const code = `RSTART${Date.now().toString(36).toUpperCase()}`;
    const { codeId } = await createLiveCampaign(system.gateways[0]?.url ?? "", system.store.keys.merchant, {
      code,
      usageLimit: limit,
      oncePerAccount: true,
    });
    const { answers } = await retryingBurst(
      system,
      code,
      Array.from({ length: 200 }, (_, index) => `start-${index}`),
      5,
      AS_A_CHECKOUT,
    );
    expectFairAndCapped(answers, limit);
    await expectRecordAgrees(ctx.db.database, codeId, answers, limit);
    expectServicesHealthy();
  });

  it("for two seconds mid-burst: every request is answered or refused with 503, decided once, in order, within the cap", async () => {
    await proxy.restore();
    const limit = 30;
    const code = `RCUT${Date.now().toString(36).toUpperCase()}`;
    const { codeId } = await createLiveCampaign(system.gateways[0]?.url ?? "", system.store.keys.merchant, {
      code,
      usageLimit: limit,
      oncePerAccount: true,
    });
    // A request of another code while Redis is certainly away: refused before it could be queued.
    // On the burst's partition, whose batches are enqueued one after another.
    const probeCode = codeOnPartition(
      system.store.storeId,
      "RPROBE",
      partitionOfCode(system.store.storeId, code),
    );
    await createLiveCampaign(system.gateways[0]?.url ?? "", system.store.keys.merchant, {
      code: probeCode,
      usageLimit: null,
      oncePerAccount: false,
    });
    let probe: ApiResponse | undefined;
    let outage: Promise<void> | undefined;
    const { answers, unavailable } = await retryingBurst(
      system,
      code,
      Array.from({ length: 500 }, (_, index) => `cut-${index}`),
      21,
      {
        ...AS_A_CHECKOUT,
        onAnswer: (count) => {
          if (count !== 200) return;
          outage = (async () => {
            await proxy.cut();
            // Refused while Redis is away, not held until it is back (then it would be decided): the
            // gateway refuses a batch at once while its connection is down, so this one does not
            // wait behind the burst's batches, each running out of reconnect attempts in turn.
            const probing = api(
              system.gateways[1]?.url ?? "",
              system.store.keys.checkout,
              "POST",
              "/v1/reservations",
              { code: probeCode, accountId: "probe", cart: FLASH_CART },
            );
            await new Promise((resolve) => setTimeout(resolve, 2_000));
            await proxy.restore();
            probe = await probing;
          })();
        },
      },
    );
    await outage;
    expect(outage).toBeDefined();
    expect([probe?.status, probe?.headers.get("retry-after"), probe?.body]).toEqual([
      503,
      "1",
      { error: expect.objectContaining({ code: "SERVICE_UNAVAILABLE" }) },
    ]);
    expect(answers).toHaveLength(1_000);
    expectFairAndCapped(answers, limit);
    for (const response of unavailable) {
      expect(response.body).toMatchObject({ error: { code: "SERVICE_UNAVAILABLE" } });
      expect(response.headers.get("retry-after")).not.toBeNull();
    }
    await expectRecordAgrees(ctx.db.database, codeId, answers, limit);
    expectServicesHealthy();
    // Each process warned of each outage at most once (at start, and this cut), not once per
    // connection and reconnect attempt: a worker's 17 connections fail some 80 attempts in a 2 s cut,
    // and its heartbeats and sweeps fail meanwhile. (A job whose lock lapsed in the cut still is a
    // warning.) Every worker polls Redis all the time, so it meets both outages; a gateway warns only
    // of what its connections ran into. (A gateway whose warnings were missing here had written a
    // line with a stack per refused batch, and the output kept was its last 200 KB.)
    for (const service of services()) {
      const outageWarnings = linesOf(service, "redis unreachable; retrying (further attempts at debug)");
      const redisLines = service
        .output()
        .split("\n")
        .filter((line) => line.includes('"dependency":"redis"'))
        .slice(0, 10)
        .join("\n");
      const said = `${service.name} warned of each outage at most once:\n${redisLines}`;
      if (system.workers.includes(service)) expect(outageWarnings.length, said).toBeGreaterThanOrEqual(1);
      expect(outageWarnings.length, said).toBeLessThanOrEqual(2);
    }
    expect(
      system.gateways.some(
        (gateway) =>
          linesOf(gateway.process, "redis unreachable; retrying (further attempts at debug)").length > 0,
      ),
      "a gateway warned of the outages",
    ).toBe(true);
    // Nor a line per refused batch or request: a gateway under load wrote some 50 a second, each with
    // its stack, and its own output then lost the outage warning.
    for (const gateway of system.gateways) {
      for (const message of ["enqueue failed", "guess limit not checked", "Redis unavailable"])
        expect(linesOf(gateway.process, message), `${gateway.process.name}: ${message}`).toEqual([]);
    }
    expect(
      workerLines("partition worker error").filter((line) => /ECONN|EPIPE|ETIMEDOUT/.test(line)),
    ).toEqual([]);
    expect(workerLines("redis control connection error")).toEqual([]);
    expect(workerLines("partition ownership tick failed")).toEqual([]);
    expect(workerLines("expiry sweep failed")).toEqual([]);
  });

  it("while a request with an Idempotency-Key waits: it answers 503 rather than a 202 GET could not find, and the key then answers its decision", async () => {
    await proxy.restore();
    const code = `RWAIT${Date.now().toString(36).toUpperCase()}`;
    await createLiveCampaign(system.gateways[0]?.url ?? "", system.store.keys.merchant, {
      code,
      usageLimit: 1,
      oncePerAccount: false,
    });
    // No worker: the request stays queued, undecided, through its wait.
    for (const worker of system.workers) retired.add(worker);
    await Promise.all(system.workers.map((worker) => worker.stop()));
    const send = (wait: number) =>
      api(
        system.gateways[0]?.url ?? "",
        system.store.keys.checkout,
        "POST",
        `/v1/reservations?wait=${wait}`,
        { code, accountId: "waiter", cart: FLASH_CART },
        { "idempotency-key": `${code}-waiter` },
      );
    const waiting = send(3_000);
    // Queued within a few milliseconds; Redis goes away before the wait ends and the gateway would
    // record the request as PENDING.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await proxy.cut();
    const answered = await waiting;
    expect([answered.status, answered.headers.get("retry-after"), answered.body]).toEqual([
      503,
      "1",
      { error: expect.objectContaining({ code: "SERVICE_UNAVAILABLE" }) },
    ]);

    await proxy.restore();
    system.startWorker("worker-after-wait");
    const replayed = await eventually(async () => {
      const response = await send(5_000);
      return response.status === 200 ? response : null;
    }, "the same key answering the decision");
    expect(replayed.body).toMatchObject({ status: "RESERVED", accountId: "waiter" });
    expect(await ctx.db.database.prisma.reservation.count({ where: { codeInput: code } })).toBe(1);
    const fetched = await api(
      system.gateways[1]?.url ?? "",
      system.store.keys.checkout,
      "GET",
      `/v1/reservations/${String(replayed.body.id)}`,
    );
    expect(fetched.body).toEqual(replayed.body);
    expectServicesHealthy();
  });
});
