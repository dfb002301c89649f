import { partitionKey } from "@promo/queue";
import { createTestContext, eventually, type TestContext } from "@promo/testing";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  expectRecordAgrees,
  firstDistinctAccounts,
  partitionOfCode,
  partitionOwner,
  retryingBurst,
} from "../support/reservations.ts";
import { api, createLiveCampaign, FLASH_CART, type System, startFailoverSystem } from "../support/system.ts";

let ctx: TestContext;
let system: System;
let redis: Redis;

beforeAll(async () => {
  ctx = await createTestContext("resilience");
  // A lost request is told so 8 s after it was queued (60 s by default): a test waits less.
  system = await startFailoverSystem(ctx, { RESERVATION_LOST_AFTER_MS: "8000" });
  redis = new Redis(ctx.env.REDIS_URL);
});

afterAll(async () => {
  redis?.disconnect();
  await system?.stop();
  await ctx?.cleanup();
});

/** As FLUSHALL would for this system, and for nothing else: every key of the test's prefix. */
async function loseRedisData(): Promise<void> {
  await redis.del(...(await redis.keys(`${ctx.queuePrefix}*`)));
}

/** A new code of a live campaign, 5 uses, once per account; with the gateway and checkout key to use. */
async function liveCodeOfFive(prefix: string) {
  const gateway = system.gateways[0]?.url ?? "";
  const code = `${prefix}${Date.now().toString(36).toUpperCase()}`;
  await createLiveCampaign(gateway, system.store.keys.merchant, {
    code,
    usageLimit: 5,
    oncePerAccount: true,
  });
  return { gateway, checkout: system.store.keys.checkout, code };
}

describe("reservations survive failures", () => {
  it("a worker killed with SIGKILL mid-burst: every request is decided once, in order, within the cap", async () => {
    const limit = 50;
    const code = `CRASH${Date.now().toString(36).toUpperCase()}`;
    const { codeId } = await createLiveCampaign(system.gateways[0]?.url ?? "", system.store.keys.merchant, {
      code,
      usageLimit: limit,
      oncePerAccount: true,
    });
    const owner = await partitionOwner(redis, ctx.queuePrefix, system.store.storeId, code);
    const victim = system.workers.find((worker) => worker.name === owner);
    expect(victim, `worker process ${owner}`).toBeDefined();

    const accounts = Array.from({ length: 600 }, (_, index) => `crash-${index}`);
    let killed: Promise<void> | null = null;
    const { answers } = await retryingBurst(system, code, accounts, 4_242, {
      onAnswer: (count) => {
        if (count === 250 && victim && !killed) {
          killed = victim.kill("SIGKILL").then(() => {
            system.startWorker(victim.name, { WORKER_ID: victim.name });
          });
        }
      },
    });
    await killed;
    expect(killed).not.toBeNull();
    expect(await victim?.exited).toBe("SIGKILL");

    expect(answers).toHaveLength(1_200);
    expect(new Set(answers.map((answer) => answer.id)).size).toBe(1_200);
    expect(new Set(answers.map((answer) => answer.sequence)).size).toBe(1_200);
    const winners = answers.filter((answer) => answer.outcome === "RESERVED");
    expect(winners).toHaveLength(limit);
    expect(new Set(winners.map((answer) => answer.accountId))).toEqual(firstDistinctAccounts(answers, limit));
    await expectRecordAgrees(ctx.db.database, codeId, answers, limit);
  });

  it("every PostgreSQL connection of the services dropped mid-burst, and again later (as in a failover): every request is decided once, in order, within the cap", async () => {
    const limit = 30;
    const code = `PGDROP${Date.now().toString(36).toUpperCase()}`;
    const { codeId } = await createLiveCampaign(system.gateways[0]?.url ?? "", system.store.keys.merchant, {
      code,
      usageLimit: limit,
      oncePerAccount: true,
    });
    const running = [...system.workers, ...system.gateways.map((gateway) => gateway.process)].filter(
      (service) => service.child.exitCode === null && service.child.signalCode === null,
    );
    const dropped: Promise<number>[] = [];
    const dropConnections = () =>
      ctx.db.database.pool
        .query<{ pid: number }>(
          `SELECT pg_terminate_backend(pid) AS pid FROM pg_stat_activity
           WHERE datname = current_database() AND pid <> pg_backend_pid()`,
        )
        .then((result) => result.rowCount ?? 0);
    // A checkout tries a 503 again after Retry-After; such a request was refused before it was queued.
    const { answers, unavailable } = await retryingBurst(
      system,
      code,
      Array.from({ length: 500 }, (_, index) => `pgdrop-${index}`),
      77,
      {
        onAnswer: (count) => {
          if (count === 200 || count === 600) dropped.push(dropConnections());
        },
        retry: { pause: 100, max: 1_000 },
      },
    );
    const droppedCounts = await Promise.all(dropped);
    expect(droppedCounts).toHaveLength(2);
    // Mid-burst the services hold connections; the second drop finds those they made since, if any.
    expect(droppedCounts[0]).toBeGreaterThan(0);

    expect(answers).toHaveLength(1_000);
    expect(answers.filter((answer) => ![200, 409].includes(answer.status))).toEqual([]);
    for (const response of unavailable) {
      expect(response.body).toMatchObject({ error: { code: "SERVICE_UNAVAILABLE" } });
      expect(response.headers.get("retry-after")).toBe("1");
    }
    expect(new Set(answers.map((answer) => answer.id)).size).toBe(1_000);
    expect(new Set(answers.map((answer) => answer.sequence)).size).toBe(1_000);
    const winners = answers.filter((answer) => answer.outcome === "RESERVED");
    expect(winners).toHaveLength(limit);
    expect(new Set(winners.map((answer) => answer.accountId))).toEqual(firstDistinctAccounts(answers, limit));
    await expectRecordAgrees(ctx.db.database, codeId, answers, limit);
    for (const service of running) {
      expect(
        [service.child.exitCode, service.child.signalCode],
        `${service.name} stopped:\n${service.output().slice(-3_000)}`,
      ).toEqual([null, null]);
    }
  });

  it("Redis flushed (FLUSHALL) between two bursts: the cap still holds and sequences keep growing", async () => {
    const limit = 11;
    const code = `FLUSH${Date.now().toString(36).toUpperCase()}`;
    const { codeId } = await createLiveCampaign(system.gateways[0]?.url ?? "", system.store.keys.merchant, {
      code,
      usageLimit: limit,
      oncePerAccount: true,
    });
    const { answers: first } = await retryingBurst(
      system,
      code,
      Array.from({ length: 150 }, (_, index) => `before-${index}`),
      11,
    );
    expect(first.filter((answer) => answer.outcome === "RESERVED")).toHaveLength(limit);

    await redis.flushall();

    const { answers: second } = await retryingBurst(
      system,
      code,
      Array.from({ length: 150 }, (_, index) => `after-${index}`),
      13,
    );
    expect(second.filter((answer) => answer.outcome === "RESERVED")).toEqual([]);
    expect(new Set(second.map((answer) => answer.outcome))).toEqual(new Set(["USAGE_LIMIT_REACHED"]));
    expect(Math.min(...second.map((answer) => answer.sequence))).toBeGreaterThan(
      Math.max(...first.map((answer) => answer.sequence)),
    );
    await expectRecordAgrees(ctx.db.database, codeId, [...first, ...second], limit);
    const live = await ctx.db.database.prisma.reservation.count({ where: { codeId, status: "RESERVED" } });
    expect(live).toBe(limit);
  });

  it("Redis loses its data while a worker commits a batch: the request reads PENDING, then its decision, not lost", async () => {
    const { gateway, checkout, code } = await liveCodeOfFive("INFLIGHT");
    // The code's row held: the worker's group commit waits on it.
    const blocker = await ctx.db.database.pool.connect();
    try {
      await blocker.query("BEGIN");
      await blocker.query("SELECT id FROM code WHERE code_key = $1 FOR UPDATE", [code]);
      const sending = api<{ id: string; status: string }>(
        gateway,
        checkout,
        "POST",
        "/v1/reservations?wait=3000",
        { code, accountId: "inflight-1", cart: FLASH_CART },
      );
      const activeList = partitionKey(ctx.queuePrefix, partitionOfCode(system.store.storeId, code), "active");
      await eventually(async () => (await redis.llen(activeList)) >= 1 || null, "a worker to take the batch");
      await loseRedisData();
      const sent = await sending;
      expect([sent.status, sent.body.status]).toEqual([202, "PENDING"]);
      // Its job is gone and PostgreSQL has no decision yet, but the worker still holds the batch.
      const read = () => api(gateway, checkout, "GET", `/v1/reservations/${sent.body.id}`);
      expect((await read()).status).toBe(202);
      await blocker.query("COMMIT");
      const decided = await eventually(async () => {
        const answered = await read();
        return answered.status === 200 ? answered : null;
      }, "the held batch's decision");
      expect(decided.body).toMatchObject({ id: sent.body.id, status: "RESERVED" });
    } finally {
      await blocker.query("ROLLBACK").catch(() => undefined);
      blocker.release();
    }
  });

  it("Redis loses its data while requests wait: GET and release answer RESERVATION_LOST, and the same requests sent again are decided", async () => {
    const { gateway, checkout, code } = await liveCodeOfFive("LOST");
    // No worker takes the batches meanwhile.
    const live = system.workers.filter(
      (worker) => worker.child.exitCode === null && worker.child.signalCode === null,
    );
    await Promise.all(live.map((worker) => worker.kill("SIGKILL")));
    const requests: { accountId: string; headers: Record<string, string> }[] = [
      { accountId: "lost-plain", headers: {} },
      { accountId: "lost-keyed", headers: { "idempotency-key": `${code}-keyed` } },
    ];
    const reserve = (request: (typeof requests)[number], wait: number) =>
      api<{ id: string; sequence: number; status: string; error?: { code: string; details: unknown } }>(
        gateway,
        checkout,
        "POST",
        `/v1/reservations?wait=${wait}`,
        { code, accountId: request.accountId, cart: FLASH_CART },
        request.headers,
      );
    // Answered 202 at once and still queued: it reads PENDING.
    const early = await reserve({ accountId: "lost-early", headers: {} }, 0);
    expect([early.status, early.body.status]).toEqual([202, "PENDING"]);
    const readEarly = () => api(gateway, checkout, "GET", `/v1/reservations/${early.body.id}`);
    expect((await readEarly()).status).toBe(202);
    const waiting = requests.map((request) => reserve(request, 3_000));
    const waitList = partitionKey(ctx.queuePrefix, partitionOfCode(system.store.storeId, code), "wait");
    await eventually(async () => (await redis.llen(waitList)) >= 2 || null, "the second batch to be queued");
    await loseRedisData();
    // Its pending record went with the rest.
    expect((await readEarly()).status).toBe(404);
    const lost = await Promise.all(waiting);
    expect(lost.map((answer) => [answer.status, answer.body.status])).toEqual([
      [202, "PENDING"],
      [202, "PENDING"],
    ]);

    // PENDING while a worker might still hold the batch (RESERVATION_LOST_AFTER_MS), lost after.
    const read = (answer: (typeof lost)[number]) =>
      api<{ error: { code: string; details: unknown } }>(
        gateway,
        checkout,
        "GET",
        `/v1/reservations/${answer.body.id}`,
      );
    expect((await Promise.all(lost.map(read))).map((answer) => answer.status)).toEqual([202, 202]);
    for (const answer of lost) {
      const gone = await eventually(async () => {
        const answered = await read(answer);
        return answered.status === 202 ? null : answered;
      }, "the lost request to read lost");
      expect([gone.status, gone.body.error?.code]).toEqual([410, "RESERVATION_LOST"]);
      expect(gone.body.error.details).toEqual({ id: answer.body.id, sequence: answer.body.sequence });
    }
    const release = await api<{ error: { code: string } }>(
      gateway,
      checkout,
      "POST",
      `/v1/reservations/${lost[0]?.body.id}/release`,
    );
    expect([release.status, release.body.error?.code]).toEqual([410, "RESERVATION_LOST"]);

    for (const name of ["worker-a", "worker-b"]) system.startWorker(name, { WORKER_ID: name });
    const again = await Promise.all(requests.map((request) => reserve(request, 20_000)));
    expect(again.map((answer) => [answer.status, answer.body.status])).toEqual([
      [200, "RESERVED"],
      [200, "RESERVED"],
    ]);
    // BullMQ numbered the new batch from the last decided job id: the first lost batch's id (the
    // early request's) names it now. The lost request without a key still reads lost; the keyed
    // one's id answers with the reservation its key has now, as any repeat of a keyed request does.
    const jobOf = (answers: { body: { sequence: number } }[]) =>
      Math.floor(Math.min(...answers.map((answer) => answer.body.sequence)) / 1_000);
    expect(jobOf(again)).toBe(jobOf([early]));
    expect(jobOf(lost)).toBeGreaterThan(jobOf([early]));
    const [plain, keyed] = await Promise.all(
      lost.map((answer) =>
        api<{ id: string }>(gateway, checkout, "GET", `/v1/reservations/${answer.body.id}`),
      ),
    );
    expect(plain?.status).toBe(410);
    expect([keyed?.status, keyed?.body.id]).toEqual([200, again[1]?.body.id]);
  });
});
