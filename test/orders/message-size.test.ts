import { DEAD_LETTER_HEADERS } from "@promo/contracts";
import { createTestContext, eventually, type TestContext } from "@promo/testing";
import type { Kafka, Producer } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  collectTopic,
  connectedProducer,
  orderPlaced,
  sendEvent,
  testKafka,
  waitForTopics,
} from "../support/kafka.ts";
import { api, createLiveCampaign, FLASH_CART, type System, startSystem } from "../support/system.ts";

/**
 * Kafka refuses a record batch over the topic's max.message.bytes (1 MiB by default), and refuses it
 * for good: a publisher that sends it again and again stops every message behind it.
 */
const BROKER_MAX_MESSAGE_BYTES = 1_048_588;

let ctx: TestContext;
let system: System;
let kafka: Kafka;
let producer: Producer;
let gatewayUrl: string;
let redemptions: Awaited<ReturnType<typeof collectTopic>>;
let deadLetters: Awaited<ReturnType<typeof collectTopic>>;

beforeAll(async () => {
  ctx = await createTestContext("msgsize");
  system = await startSystem(ctx, { gateways: 1, workers: 1 });
  gatewayUrl = system.gateways[0]?.url ?? "";
  system.startProcess("order-consumer", "order-consumer");
  kafka = testKafka(ctx.env.KAFKA_BROKERS);
  await waitForTopics(
    kafka,
    [ctx.topics.orders, ctx.topics.ordersDeadLetter],
    "the order consumer to create its topics",
  );
  producer = await connectedProducer(kafka);
  deadLetters = await collectTopic(kafka, ctx.topics.ordersDeadLetter);
});

afterAll(async () => {
  await redemptions?.stop();
  await deadLetters?.stop();
  await producer?.disconnect();
  await system?.stop();
  await ctx?.cleanup();
});

async function liveCode(prefix: string, usageLimit: number): Promise<string> {
  const code = `${prefix}${Date.now().toString(36).toUpperCase()}`;
  await createLiveCampaign(gatewayUrl, system.store.keys.merchant, {
    code,
    usageLimit,
    oncePerAccount: true,
  });
  return code;
}

describe("messages near Kafka's size limit", () => {
  it("the outbox relay publishes a round of one code's events larger than one Kafka batch may be", async () => {
    const code = await liveCode("BIGROUND", 11);
    const requests = 3_000;
    // Long account ids make each event about 700 bytes: one round of all of them is about 2 MB.
    const accountOf = (index: number) => `shopper-${index}-${"a".repeat(240)}`;
    for (let sent = 0; sent < requests; sent += 250) {
      await Promise.all(
        Array.from({ length: 250 }, (_, offset) =>
          api(gatewayUrl, system.store.keys.checkout, "POST", "/v1/reservations", {
            code,
            accountId: accountOf(sent + offset),
            cart: FLASH_CART,
          }),
        ),
      );
    }
    expect(
      await ctx.db.database.prisma.outboxEvent.count({ where: { publishedAt: null } }),
    ).toBeGreaterThanOrEqual(requests);
    redemptions = await collectTopic(kafka, ctx.topics.redemptions);
    system.startProcess("outbox-relay", "outbox-relay", { OUTBOX_BATCH_SIZE: "5000" });
    await eventually(
      async () => (await ctx.db.database.prisma.outboxEvent.count({ where: { publishedAt: null } })) === 0,
      "every outbox row published",
      60_000,
    );
    await eventually(
      async () => redemptions.messages.filter((message) => message.key === code).length >= requests,
      `${requests} events of ${code} on the topic`,
      30_000,
    );
    const sequences = redemptions
      .json<{ code: string; sequence: number }>()
      .filter((event) => event.code === code)
      .map((event) => event.sequence);
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
  });

  it("a bad order message that fits the limit only without the dead-letter headers goes to orders.dlq without its value; the messages behind it are applied", async () => {
    // The broker takes this message, but not with the dead-letter headers added.
    const huge = `{"huge": "${"y".repeat(BROKER_MAX_MESSAGE_BYTES - 200)}`;
    await producer.send({ topic: ctx.topics.orders, messages: [{ key: "size", value: huge }] });
    const burst = 3_000;
    for (let sent = 0; sent < burst; sent += 300) {
      await producer.send({
        topic: ctx.topics.orders,
        messages: Array.from({ length: 300 }, (_, index) => ({
          key: "size",
          value: `not json ${sent + index} ${"x".repeat(900)}`,
        })),
      });
    }
    const code = await liveCode("AFTERHUGE", 1);
    const held = await api<{ id: string }>(
      gatewayUrl,
      system.store.keys.checkout,
      "POST",
      "/v1/reservations",
      {
        code,
        accountId: "after-huge",
        cart: FLASH_CART,
      },
    );
    expect(held.status).toBe(200);
    await sendEvent(
      producer,
      ctx.topics.orders,
      "size",
      orderPlaced({
        storeId: system.store.storeId,
        reservationId: held.body.id,
        accountId: "after-huge",
        orderNumber: "AFTER-HUGE",
      }),
    );
    await eventually(
      async () =>
        (await ctx.db.database.prisma.reservation.findUnique({ where: { id: held.body.id } }))?.status ===
        "CONFIRMED",
      "the order behind the oversized message",
      60_000,
    );
    const letters = await eventually(
      async () => (deadLetters.messages.length >= burst + 1 ? deadLetters.messages : null),
      `${burst + 1} dead letters`,
      30_000,
    );
    expect(letters).toHaveLength(burst + 1);
    const first = letters[0];
    expect(first?.value).toBe("");
    expect(first?.headers).toMatchObject({
      [DEAD_LETTER_HEADERS.reason]: "malformed",
      [DEAD_LETTER_HEADERS.topic]: ctx.topics.orders,
      [DEAD_LETTER_HEADERS.valueOmitted]: String(Buffer.byteLength(huge)),
    });
    expect(letters.slice(1).every((letter) => letter.value.startsWith("not json "))).toBe(true);
  });
});
