import type { ReservationCommand } from "@promo/contracts";
import { createLogger } from "@promo/observability";
import { describe, expect, it } from "vitest";
import { type Admission, createReservationDispatcher } from "./dispatcher.ts";

const logger = createLogger({ service: "dispatcher-test", level: "silent" });

function command(accountId: string): ReservationCommand {
  return {
    id: crypto.randomUUID(),
    storeId: "00000000-0000-4000-8000-000000000001",
    code: "FLASH11",
    codeKey: "FLASH11",
    accountId,
    memberGroups: [],
    cart: { currency: "TWD", items: [{ productId: "P-1", unitPrice: 990, quantity: 1 }], shipping: 60 },
    idempotencyKey: null,
    requestHash: "",
    clientIp: null,
    acceptedAt: new Date(0).toISOString(),
  };
}

/** A promise with its resolver, to answer admission checks in any order. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

describe("reservation dispatcher", () => {
  it("answers requests the guess limit blocks as limited and queues only the others", async () => {
    const enqueued: string[][] = [];
    const dispatcher = createReservationDispatcher({
      enqueue: async (_partition, batch) => {
        enqueued.push(batch.requests.map((request) => request.accountId));
        return { jobId: 7, queuedAt: 1_795_000_000_000 };
      },
      admit: async (commands) =>
        commands.map((request) => ({
          blockedForMs: request.accountId === "guesser" ? 30_000 : 0,
          addedTo: [],
        })),
      batchWindowMs: 0,
      logger,
    });
    const answers = await Promise.all(
      ["first", "guesser", "second"].map((account) => dispatcher.submit(0, command(account)).acceptance),
    );
    expect(answers).toEqual<Admission[]>([
      { kind: "queued", jobId: 7, queuedAt: 1_795_000_000_000, sequence: 7_000 },
      { kind: "limited", blockedForMs: 30_000 },
      { kind: "queued", jobId: 7, queuedAt: 1_795_000_000_000, sequence: 7_001 },
    ]);
    expect(enqueued).toEqual([["first", "second"]]);
  });

  it("enqueues one partition's batches in the order they were cut, whatever order admission answers in", async () => {
    const enqueued: string[] = [];
    const checks: Array<ReturnType<typeof deferred<number[]>>> = [];
    const dispatcher = createReservationDispatcher({
      enqueue: async (_partition, batch) => {
        enqueued.push(batch.requests[0]?.accountId ?? "");
        return { jobId: enqueued.length, queuedAt: 0 };
      },
      admit: (commands) => {
        const check = deferred<number[]>();
        checks.push(check);
        return check.promise.then(() => commands.map(() => ({ blockedForMs: 0, addedTo: [] })));
      },
      batchWindowMs: 0,
      logger,
    });
    const first = dispatcher.submit(0, command("first")).acceptance;
    await new Promise((resolve) => setImmediate(resolve));
    const second = dispatcher.submit(0, command("second")).acceptance;
    await new Promise((resolve) => setImmediate(resolve));
    expect(checks).toHaveLength(2);
    checks[1]?.resolve([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(enqueued).toEqual([]);
    checks[0]?.resolve([]);
    expect(await first).toMatchObject({ kind: "queued", jobId: 1 });
    expect(await second).toMatchObject({ kind: "queued", jobId: 2 });
    expect(enqueued).toEqual(["first", "second"]);
  });

  it("takes a code back out of the guess limit once decided, unless its refusal is a failed code attempt", async () => {
    const withdrawn: string[][] = [];
    let batchId = "";
    const dispatcher = createReservationDispatcher({
      enqueue: async (_partition, batch) => {
        batchId = batch.batchId;
        return { jobId: 5, queuedAt: 0 };
      },
      admit: async (commands) =>
        commands.map((request) => ({ blockedForMs: 0, addedTo: [`sets-of-${request.accountId}`] })),
      withdraw: async (withdrawals) => {
        withdrawn.push(withdrawals.flatMap((withdrawal) => withdrawal.addedTo));
      },
      batchWindowMs: 0,
      logger,
    });
    const commands = ["winner", "late", "guesser"].map((account) => command(account));
    const submitted = commands.map((request) => dispatcher.submit(0, request));
    await Promise.all(submitted.map((request) => request.acceptance));
    const rejected = (request: ReservationCommand, errorCode: string) => ({
      kind: "rejected" as const,
      requestId: request.id,
      replayed: false,
      id: request.id,
      sequence: 5_000,
      errorCode,
      campaignId: null,
    });
    const [winner, late, guesser] = commands as [ReservationCommand, ReservationCommand, ReservationCommand];
    dispatcher.deliver({
      batchId,
      decisions: [
        {
          kind: "decided",
          requestId: winner.id,
          replayed: false,
          reservation: { status: "RESERVED" } as never,
        },
        rejected(late, "USAGE_LIMIT_REACHED"),
        rejected(guesser, "CODE_NOT_FOUND"),
      ],
    });
    await Promise.all(submitted.map((request) => request.decision));
    expect(withdrawn).toEqual([["sets-of-winner", "sets-of-late"]]);
  });

  it("lets a batch through when the guess limit cannot be checked", async () => {
    const dispatcher = createReservationDispatcher({
      enqueue: async () => ({ jobId: 3, queuedAt: 0 }),
      admit: async () => {
        throw new Error("redis down");
      },
      batchWindowMs: 0,
      logger,
    });
    expect(await dispatcher.submit(0, command("shopper")).acceptance).toMatchObject({
      kind: "queued",
      jobId: 3,
      sequence: 3_000,
    });
  });
});
