import { DevServicesEnvSchema, parseEnv } from "@promo/config";
import { startLocalKafka, stopLocalKafka } from "@promo/dev-services";
import {
  createTestContext,
  eventually,
  freePort,
  logLines,
  type ServiceProcess,
  type TestContext,
  waitForOutput,
} from "@promo/testing";
import type { Kafka } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectTopic, connectedProducer, orderPlaced, sendEvent, testKafka } from "../support/kafka.ts";
import { api, createLiveCampaign, FLASH_CART, type System, startSystem } from "../support/system.ts";

let ctx: TestContext;
let system: System;
let kafka: Kafka;
let gatewayUrl: string;

beforeAll(async () => {
  ctx = await createTestContext("outbox");
  system = await startSystem(ctx, { gateways: 1, workers: 1 });
  gatewayUrl = system.gateways[0]?.url ?? "";
  kafka = testKafka(ctx.env.KAFKA_BROKERS);
});

afterAll(async () => {
  const env = parseEnv(DevServicesEnvSchema, process.env);
  await startLocalKafka({ brokers: env.KAFKA_BROKERS, controllerPort: env.KAFKA_CONTROLLER_PORT });
  await system?.stop();
  await ctx?.cleanup();
});

function relay(label: string, extra: Record<string, string> = {}): ServiceProcess {
  return system.startProcess("outbox-relay", label, {
    OUTBOX_BATCH_SIZE: "50",
    OUTBOX_IDLE_POLL_MS: "10",
    ...extra,
  });
}

async function burst(codes: string[], requests: number): Promise<void> {
  await Promise.all(
    Array.from({ length: requests }, (_, index) =>
      api(gatewayUrl, system.store.keys.checkout, "POST", "/v1/reservations", {
        code: codes[index % codes.length],
        accountId: `shopper-${index}`,
        cart: FLASH_CART,
      }),
    ),
  );
}

type OutboxRow = { id: bigint; key: string; payload: { eventId: string }; publishedAt: Date | null };

async function outboxRows(): Promise<OutboxRow[]> {
  return (await ctx.db.database.prisma.outboxEvent.findMany({
    orderBy: { id: "asc" },
  })) as unknown as OutboxRow[];
}

/** Per key, the event ids in the order they first appear on the topic. */
function firstSeenOrder(messages: { key: string | null; value: string }[]): Map<string, string[]> {
  const seen = new Set<string>();
  const byKey = new Map<string, string[]>();
  for (const message of messages) {
    const eventId = (JSON.parse(message.value) as { eventId: string }).eventId;
    if (seen.has(eventId)) continue;
    seen.add(eventId);
    const list = byKey.get(message.key ?? "") ?? [];
    list.push(eventId);
    byKey.set(message.key ?? "", list);
  }
  return byKey;
}

describe("the outbox relay", () => {
  it("killed with SIGKILL mid-stream and restarted: every row reaches the topic, in order per code, none left unsent", async () => {
    const codes = await Promise.all(
      ["RELAYA", "RELAYB", "RELAYC"].map(async (prefix) => {
        const code = `${prefix}${Date.now().toString(36).toUpperCase()}`;
        await createLiveCampaign(gatewayUrl, system.store.keys.merchant, {
          code,
          usageLimit: 50,
          oncePerAccount: true,
        });
        return code;
      }),
    );
    await burst(codes, 1_200);
    const rows = await outboxRows();
    expect(rows.length).toBeGreaterThanOrEqual(1_200);

    const first = relay("relay-1");
    await eventually(async () => {
      const admin = kafka.admin();
      await admin.connect();
      const exists = (await admin.listTopics()).includes(ctx.topics.redemptions);
      await admin.disconnect();
      return exists;
    }, "the relay to create its topics");
    const collected = await collectTopic(kafka, ctx.topics.redemptions);
    await eventually(
      async () => collected.messages.length >= 200,
      "the relay to publish a first part",
      60_000,
      5,
    );
    await first.kill("SIGKILL");
    expect(await first.exited).toBe("SIGKILL");
    const publishedBeforeRestart = (await outboxRows()).filter((row) => row.publishedAt !== null).length;
    expect(publishedBeforeRestart).toBeLessThan(rows.length);

    relay("relay-2");
    await eventually(
      async () => (await outboxRows()).every((row) => row.publishedAt !== null),
      "every outbox row to be marked published",
      120_000,
      200,
    );
    const all = await outboxRows();
    await eventually(
      async () =>
        new Set(collected.json<{ eventId: string }>().map((event) => event.eventId)).size >= all.length,
      "every event on the topic",
      60_000,
    );
    const onTopic = firstSeenOrder(collected.messages);
    const expected = new Map<string, string[]>();
    for (const row of all) expected.set(row.key, [...(expected.get(row.key) ?? []), row.payload.eventId]);
    expect(onTopic).toEqual(expected);
    await collected.stop();
  });

  it("resumes by itself after the broker was stopped for a while, and so does the order consumer; each warns once", async () => {
    // Both at info, so their "back" lines show; the first test's relay makes way for this one.
    await system.workers.find((service) => service.name === "relay-2")?.stop();
    const publisher = relay("relay-3", { LOG_LEVEL: "info" });
    const probePort = await freePort();
    const consumer = system.startProcess("order-consumer", "order-consumer", {
      LOG_LEVEL: "info",
      METRICS_PORT: String(probePort),
    });
    const readyz = async () =>
      (await fetch(`http://127.0.0.1:${probePort}/readyz`).catch(() => null))?.status;
    const env = parseEnv(DevServicesEnvSchema, process.env);
    const code = `OUTAGE${Date.now().toString(36).toUpperCase()}`;
    await createLiveCampaign(gatewayUrl, system.store.keys.merchant, {
      code,
      usageLimit: 100,
      oncePerAccount: false,
    });
    await eventually(
      async () => (await outboxRows()).every((row) => row.publishedAt !== null),
      "a quiet outbox",
      60_000,
    );

    await eventually(async () => (await readyz()) === 200, "the order consumer to be ready", 60_000);
    if (!(await stopLocalKafka()))
      throw new Error("the test needs the local broker that npm run services starts");
    const held = await api<{ id: string }>(
      gatewayUrl,
      system.store.keys.checkout,
      "POST",
      "/v1/reservations",
      {
        code,
        accountId: "during-outage",
        cart: FLASH_CART,
      },
    );
    expect(held.status).toBe(200);
    await burst([code], 20);
    const pending = (await outboxRows()).filter((row) => row.publishedAt === null);
    expect(pending.length).toBeGreaterThan(0);
    // Out of its group while the broker is away: not ready, as an orchestrator's probe sees it.
    await eventually(
      async () => (await readyz()) === 503,
      "the order consumer to say it is not ready",
      60_000,
    );
    await startLocalKafka({ brokers: env.KAFKA_BROKERS, controllerPort: env.KAFKA_CONTROLLER_PORT });

    await eventually(
      async () => (await outboxRows()).every((row) => row.publishedAt !== null),
      "the relay to publish what piled up during the outage",
      120_000,
      500,
    );
    const collected = await collectTopic(kafka, ctx.topics.redemptions);
    const pendingIds = new Set(pending.map((row) => row.payload.eventId));
    await eventually(
      async () => {
        const seen = new Set(collected.json<{ eventId: string }>().map((event) => event.eventId));
        return [...pendingIds].every((id) => seen.has(id));
      },
      "the events written during the outage on the topic",
      60_000,
    );

    const producer = await connectedProducer(kafka);
    await sendEvent(
      producer,
      ctx.topics.orders,
      "after-outage",
      orderPlaced({
        storeId: system.store.storeId,
        reservationId: held.body.id,
        accountId: "during-outage",
        orderNumber: "AFTER-OUTAGE",
      }),
    );
    await eventually(
      async () =>
        (await ctx.db.database.prisma.reservation.findUnique({ where: { id: held.body.id } }))?.status ===
        "CONFIRMED",
      "the order consumer to confirm after the outage",
      120_000,
      500,
    );
    await producer.disconnect();
    await collected.stop();
    expect(await readyz()).toBe(200);

    // One warning per process for the outage, one line when it is back; kafkajs's failed connection
    // attempts (each at error before: about 30 a process in 25 s) are at debug.
    for (const service of [publisher, consumer]) {
      await waitForOutput(service, "kafka reachable again");
      const lines = logLines(service);
      expect(
        lines.filter((line) => line.msg.startsWith("kafka unreachable")),
        `${service.name} warned once`,
      ).toHaveLength(1);
      expect(lines.filter((line) => line.msg === "kafka reachable again")).toHaveLength(1);
      expect(
        lines.filter((line) => /Connection error|Failed to connect to seed broker/.test(line.msg)),
      ).toEqual([]);
    }
  });
});
