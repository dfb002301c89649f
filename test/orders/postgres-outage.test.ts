// The order consumer while PostgreSQL is away: it keeps the batch in hand and applies it once
// PostgreSQL is back (nothing lost, nothing applied twice), stays in its group, and says so once
// rather than at every retry. Real processes, PostgreSQL cut behind a TCP proxy, real Kafka.
import {
  createTestContext,
  eventually,
  logLines,
  type ServiceProcess,
  startTcpProxyFor,
  type TcpProxy,
  type TestContext,
  waitForOutput,
} from "@promo/testing";
import type { Kafka, Producer } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectedProducer, orderPlaced, sendEvent, testKafka, waitForTopics } from "../support/kafka.ts";
import { createLiveCampaign, holdCode, type System, startSystem } from "../support/system.ts";

let ctx: TestContext;
let system: System;
let kafka: Kafka;
let producer: Producer;
let proxy: TcpProxy;
let consumer: ServiceProcess;

beforeAll(async () => {
  ctx = await createTestContext("orders-pg-outage");
  system = await startSystem(ctx, { gateways: 1, workers: 1 });
  const proxied = await startTcpProxyFor(ctx.db.url, 5432);
  proxy = proxied.proxy;
  consumer = system.startProcess("order-consumer", "order-consumer", {
    DATABASE_URL: proxied.url,
    LOG_LEVEL: "info",
  });
  kafka = testKafka(ctx.env.KAFKA_BROKERS);
  await waitForTopics(kafka, [ctx.topics.orders]);
  await waitForOutput(consumer, "order consumer started");
  producer = await connectedProducer(kafka);
});

afterAll(async () => {
  await producer?.disconnect();
  await proxy?.restore();
  await system?.stop();
  await proxy?.close();
  await ctx?.cleanup();
});

function hold(code: string, accountId: string): Promise<string> {
  return holdCode(system.gateways[0]?.url ?? "", system.store.keys.checkout, code, accountId);
}

async function statusOf(id: string): Promise<string | undefined> {
  return (await ctx.db.database.prisma.reservation.findUnique({ where: { id } }))?.status;
}

function place(reservationId: string, accountId: string): Promise<void> {
  return sendEvent(
    producer,
    ctx.topics.orders,
    reservationId,
    orderPlaced({ storeId: system.store.storeId, reservationId, accountId, orderNumber: `O-${accountId}` }),
  );
}

async function liveCode(prefix: string): Promise<string> {
  const code = `${prefix}${Date.now().toString(36).toUpperCase()}`;
  await createLiveCampaign(system.gateways[0]?.url ?? "", system.store.keys.merchant, {
    code,
    usageLimit: 10,
    oncePerAccount: false,
  });
  return code;
}

function outageWarnings(service: ServiceProcess): number {
  return logLines(service).filter((line) => line.msg.startsWith("postgresql unreachable")).length;
}

describe("the order consumer with PostgreSQL away", () => {
  it("applies the orders that arrived meanwhile once it is back, once each, warning once", async () => {
    const code = await liveCode("PGAWAY");
    const before = await hold(code, "before");
    const during = await hold(code, "during");
    const after = await hold(code, "after");

    await place(before, "before");
    await eventually(async () => (await statusOf(before)) === "CONFIRMED", "the first order applied");

    await proxy.cut();
    await place(during, "during");
    // Longer than kafkajs's own retries of a failing batch would take before it restarted the consumer.
    await new Promise((resolve) => setTimeout(resolve, 8_000));
    expect(await statusOf(during)).toBe("RESERVED");
    await proxy.restore();

    await eventually(
      async () => (await statusOf(during)) === "CONFIRMED",
      "the order sent meanwhile applied",
      60_000,
    );
    await place(after, "after");
    await eventually(async () => (await statusOf(after)) === "CONFIRMED", "the next order applied", 60_000);
    const confirmations = await ctx.db.database.prisma.outboxEvent.count({
      where: { eventType: "reservation.confirmed" },
    });
    expect(confirmations).toBe(3);

    await waitForOutput(consumer, "postgresql reachable again");
    const lines = logLines(consumer);
    expect([consumer.child.exitCode, consumer.child.signalCode]).toEqual([null, null]);
    expect(lines.filter((line) => line.level === "error")).toEqual([]);
    expect(lines.filter((line) => line.msg.startsWith("postgresql unreachable"))).toHaveLength(1);
    expect(lines.filter((line) => line.msg === "postgresql reachable again")).toHaveLength(1);
    // It kept its place in the group: no crash, no restart.
    expect(lines.filter((line) => /Crash|Restarting the consumer/.test(line.msg))).toEqual([]);
  });

  it("stops cleanly while waiting, and the batch it gave up is applied by the next consumer", async () => {
    const code = await liveCode("PGSTOP");
    const pending = await hold(code, "stopping");
    const warned = outageWarnings(consumer);
    await proxy.cut();
    await place(pending, "stopping");
    await eventually(async () => outageWarnings(consumer) > warned, "the consumer to meet the outage");

    await consumer.stop();
    expect(await consumer.exited).toBe(0);
    const lines = logLines(consumer);
    expect(lines.filter((line) => line.level === "error")).toEqual([]);
    expect(lines.at(-1)?.msg).toBe("order consumer stopped");
    await proxy.restore();
    expect(await statusOf(pending)).toBe("RESERVED");

    const next = system.startProcess("order-consumer", "order-consumer-2", { LOG_LEVEL: "info" });
    await eventually(
      async () => (await statusOf(pending)) === "CONFIRMED",
      "the order given up applied by the next consumer",
      60_000,
    );
    const confirmations = await ctx.db.database.prisma.outboxEvent.count({
      where: { eventType: "reservation.confirmed", payload: { path: ["reservationId"], equals: pending } },
    });
    expect(confirmations).toBe(1);
    expect(logLines(next).filter((line) => line.level === "error")).toEqual([]);
  });
});
