import { randomUUID } from "node:crypto";
import { createTestContext, eventually, seedStore, type TestContext } from "@promo/testing";
import { CompressionTypes, type Kafka, type Producer } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CollectedMessage,
  collectTopic,
  connectedProducer,
  orderCancelled,
  orderPlaced,
  sendEvent,
  testKafka,
  waitForTopics,
} from "../support/kafka.ts";
import { api, createLiveCampaign, FLASH_CART, type System, startSystem } from "../support/system.ts";

let ctx: TestContext;
let system: System;
let kafka: Kafka;
let producer: Producer;
let redemptions: Awaited<ReturnType<typeof collectTopic>>;
let deadLetters: Awaited<ReturnType<typeof collectTopic>>;
let gatewayUrl: string;

type RedemptionEvent = {
  eventId: string;
  type: string;
  reservationId: string;
  orderNumber?: string;
  orderTotal?: number;
  discount?: number;
  partnerId?: string | null;
  errorCode?: string;
  conflictsWith?: string;
  reason?: string;
};

beforeAll(async () => {
  ctx = await createTestContext("orders");
  system = await startSystem(ctx, { gateways: 1, workers: 1 });
  system.startProcess("order-consumer", "order-consumer");
  system.startProcess("outbox-relay", "outbox-relay");
  gatewayUrl = system.gateways[0]?.url ?? "";
  kafka = testKafka(ctx.env.KAFKA_BROKERS);
  await waitForTopics(
    kafka,
    [ctx.topics.orders, ctx.topics.ordersDeadLetter, ctx.topics.redemptions],
    "the services to create their topics",
  );
  producer = await connectedProducer(kafka);
  redemptions = await collectTopic(kafka, ctx.topics.redemptions);
  deadLetters = await collectTopic(kafka, ctx.topics.ordersDeadLetter);
});

afterAll(async () => {
  await redemptions?.stop();
  await deadLetters?.stop();
  await producer?.disconnect();
  await system?.stop();
  await ctx?.cleanup();
});

async function reserve(code: string, accountId: string, checkoutKey = system.store.keys.checkout) {
  const response = await api<{ id: string; status: string }>(
    gatewayUrl,
    checkoutKey,
    "POST",
    "/v1/reservations",
    {
      code,
      accountId,
      cart: FLASH_CART,
    },
  );
  return response;
}

function send(event: unknown, key = "k"): Promise<void> {
  return sendEvent(producer, ctx.topics.orders, key, event);
}

function eventsFor(reservationId: string): RedemptionEvent[] {
  return redemptions.json<RedemptionEvent>().filter((event) => event.reservationId === reservationId);
}

async function waitForEvent(reservationId: string, type: string): Promise<RedemptionEvent> {
  return eventually(
    async () => eventsFor(reservationId).find((event) => event.type === type),
    `${type} for ${reservationId} on ${ctx.topics.redemptions}`,
    60_000,
  );
}

async function singleSlotCode(prefix: string): Promise<string> {
  const code = `${prefix}${Date.now().toString(36).toUpperCase()}`;
  await createLiveCampaign(gatewayUrl, system.store.keys.merchant, {
    code,
    usageLimit: 1,
    oncePerAccount: false,
  });
  return code;
}

describe("order.placed links the order", () => {
  it("confirms the reservation: the code lookup shows the order number, Kafka carries reservation.confirmed", async () => {
    const code = await singleSlotCode("ORDER");
    const held = await reserve(code, "buyer-1");
    expect(held.status).toBe(200);
    await waitForEvent(held.body.id, "reservation.reserved");
    await send(
      orderPlaced({
        storeId: system.store.storeId,
        reservationId: held.body.id,
        accountId: "buyer-1",
        orderNumber: "WVQP8DYGV",
        orderTotal: 1_599,
      }),
    );
    const confirmed = await waitForEvent(held.body.id, "reservation.confirmed");
    expect(confirmed).toMatchObject({
      orderNumber: "WVQP8DYGV",
      orderTotal: 1_599,
      discount: 111,
      partnerId: null,
    });
    const lookup = await api<{
      items: { reservations: { id: string; status: string; orderNumber: string | null }[] }[];
    }>(gatewayUrl, system.store.keys.merchant, "GET", `/v1/codes/${code}`);
    expect(lookup.body.items[0]?.reservations).toEqual([
      expect.objectContaining({ id: held.body.id, status: "CONFIRMED", orderNumber: "WVQP8DYGV" }),
    ]);
    const message = redemptions.messages.find((entry) =>
      entry.value.includes(confirmed.eventId),
    ) as CollectedMessage;
    expect(message.key).toBe(code.toUpperCase());
    expect(message.headers["event-type"]).toBe("reservation.confirmed");
  });

  it("reads batches other clients compressed with snappy (the Java client's format), not only gzip", async () => {
    const placed: string[] = [];
    for (const [compression, prefix] of [
      [CompressionTypes.Snappy, "SNAPPY"],
      [CompressionTypes.GZIP, "GZIP"],
    ] as const) {
      const held = await reserve(await singleSlotCode(prefix), `buyer-${prefix}`);
      expect(held.status).toBe(200);
      await producer.send({
        topic: ctx.topics.orders,
        compression,
        messages: [
          {
            key: `ORDER-${prefix}`,
            value: JSON.stringify(
              orderPlaced({
                storeId: system.store.storeId,
                reservationId: held.body.id,
                accountId: `buyer-${prefix}`,
                orderNumber: `ORDER-${prefix}`,
              }),
            ),
          },
        ],
      });
      placed.push(held.body.id);
    }
    // Each confirmed: a batch the consumer could not read stopped it for good before (kafkajs reads
    // only gzip by itself), and every order after it waited. lz4 and zstd, which this test cannot
    // write, are read as the Java client writes them in @promo/events's codec tests.
    for (const id of placed) await waitForEvent(id, "reservation.confirmed");
  });

  it("applies the same event delivered twice once: one effect, one confirmed event", async () => {
    const code = await singleSlotCode("TWICE");
    const held = await reserve(code, "buyer-2");
    const event = orderPlaced({
      storeId: system.store.storeId,
      reservationId: held.body.id,
      accountId: "buyer-2",
      orderNumber: "ORDER-2",
    });
    await send(event);
    await send(event);
    await waitForEvent(held.body.id, "reservation.confirmed");
    const marker = await reserve(await singleSlotCode("MARK"), "marker");
    await send(
      orderPlaced({
        storeId: system.store.storeId,
        reservationId: marker.body.id,
        accountId: "marker",
        orderNumber: "MARK-1",
      }),
    );
    await waitForEvent(marker.body.id, "reservation.confirmed");
    expect(eventsFor(held.body.id).filter((entry) => entry.type === "reservation.confirmed")).toHaveLength(1);
    const processed = await ctx.db.database.prisma.processedEvent.count({
      where: { eventId: event.eventId },
    });
    expect(processed).toBe(1);
  });

  it("order.cancelled returns the slot and emits reservation.cancelled", async () => {
    const code = await singleSlotCode("CANCEL");
    const held = await reserve(code, "buyer-3");
    await send(
      orderPlaced({
        storeId: system.store.storeId,
        reservationId: held.body.id,
        accountId: "buyer-3",
        orderNumber: "ORDER-3",
      }),
    );
    const confirmed = await waitForEvent(held.body.id, "reservation.confirmed");
    expect((await reserve(code, "someone-else")).status).toBe(409);
    await send(orderCancelled({ storeId: system.store.storeId, orderNumber: "ORDER-3" }));
    const cancelled = await waitForEvent(held.body.id, "reservation.cancelled");
    expect((await reserve(code, "someone-else")).status).toBe(200);
    // It says what the confirmation said of the redemption: a partner platform reverses from it alone.
    expect({
      orderNumber: cancelled.orderNumber,
      orderTotal: cancelled.orderTotal,
      discount: cancelled.discount,
      partnerId: cancelled.partnerId,
    }).toEqual({
      orderNumber: "ORDER-3",
      orderTotal: confirmed.orderTotal,
      discount: confirmed.discount,
      partnerId: confirmed.partnerId,
    });
    expect(cancelled.discount).toBeGreaterThan(0);
  });

  it("applies one batch's events in their order: a cancel reaches only the orders placed before it", async () => {
    const code = `REPLACED${Date.now().toString(36).toUpperCase()}`;
    await createLiveCampaign(gatewayUrl, system.store.keys.merchant, {
      code,
      usageLimit: 5,
      oncePerAccount: false,
    });
    const first = await reserve(code, "buyer-replaced");
    const second = await reserve(code, "buyer-replaced");
    const cancelledFirst = await reserve(code, "buyer-early-cancel");
    const storeId = system.store.storeId;
    await send(
      orderPlaced({
        storeId,
        reservationId: first.body.id,
        accountId: "buyer-replaced",
        orderNumber: "ORDER-R",
      }),
    );
    await waitForEvent(first.body.id, "reservation.confirmed");
    // One produce request: the messages sit next to each other in the partition and reach the
    // consumer in one batch. The order is cancelled, then placed again with the second hold; and a
    // cancel of ORDER-E that comes before ORDER-E is placed cancels nothing: it is dead-lettered.
    await producer.send({
      topic: ctx.topics.orders,
      messages: [
        orderCancelled({ storeId, orderNumber: "ORDER-R" }),
        orderPlaced({
          storeId,
          reservationId: second.body.id,
          accountId: "buyer-replaced",
          orderNumber: "ORDER-R",
        }),
        orderCancelled({ storeId, orderNumber: "ORDER-E" }),
        orderPlaced({
          storeId,
          reservationId: cancelledFirst.body.id,
          accountId: "buyer-early-cancel",
          orderNumber: "ORDER-E",
        }),
      ].map((event) => ({ key: "ORDER", value: JSON.stringify(event) })),
    });
    await waitForEvent(cancelledFirst.body.id, "reservation.confirmed");
    const statusOf = async (id: string) =>
      (await api<{ status: string }>(gatewayUrl, system.store.keys.checkout, "GET", `/v1/reservations/${id}`))
        .body.status;
    expect([
      await statusOf(first.body.id),
      await statusOf(second.body.id),
      await statusOf(cancelledFirst.body.id),
    ]).toEqual(["CANCELLED", "CONFIRMED", "CONFIRMED"]);
    await waitForEvent(first.body.id, "reservation.cancelled");
    expect(eventsFor(second.body.id).map((event) => event.type)).toEqual([
      "reservation.reserved",
      "reservation.confirmed",
    ]);
    expect(eventsFor(cancelledFirst.body.id).map((event) => event.type)).toEqual([
      "reservation.reserved",
      "reservation.confirmed",
    ]);
    const early = await eventually(
      async () =>
        deadLetters.messages.find(
          (message) => message.key === "ORDER" && message.value.includes('"ORDER-E"'),
        ) ?? null,
      "the early cancel of ORDER-E in orders.dlq",
    );
    expect(early.headers["x-dlq-reason"]).toBe("unknown_order");
    // Replayed from the dead-letter topic once the order is placed, it cancels it.
    await send(JSON.parse(early.value), "ORDER");
    await waitForEvent(cancelledFirst.body.id, "reservation.cancelled");
    expect(await statusOf(cancelledFirst.body.id)).toBe("CANCELLED");
  });

  it("refuses to confirm a hold that ran out when the code has no room left, with a refusal event", async () => {
    const code = `LATE${Date.now().toString(36).toUpperCase()}`;
    await createLiveCampaign(gatewayUrl, system.store.keys.merchant, {
      code,
      usageLimit: 1,
      oncePerAccount: false,
    });
    const first = await reserve(code, "slow");
    const released = await api(
      gatewayUrl,
      system.store.keys.checkout,
      "POST",
      `/v1/reservations/${first.body.id}/release`,
    );
    expect(released.status).toBe(200);
    expect((await reserve(code, "fast")).status).toBe(200);
    await send(
      orderPlaced({
        storeId: system.store.storeId,
        reservationId: first.body.id,
        accountId: "slow",
        orderNumber: "ORDER-LATE",
      }),
    );
    const refusal = await waitForEvent(first.body.id, "reservation.confirmation_refused");
    expect(refusal).toMatchObject({ orderNumber: "ORDER-LATE", errorCode: "USAGE_LIMIT_REACHED" });
  });

  it("refuses a second code on the order when the two campaigns do not stack, placed in one batch", async () => {
    // Two campaigns created without combinesWith: a quote would apply only one of them.
    const [first, second] = [await singleSlotCode("STACKA"), await singleSlotCode("STACKB")];
    const heldFirst = await reserve(first, "stacker");
    const heldSecond = await reserve(second, "stacker");
    const storeId = system.store.storeId;
    await producer.send({
      topic: ctx.topics.orders,
      messages: [heldFirst, heldSecond].map((held) => ({
        key: "ORDER-STACK",
        value: JSON.stringify(
          orderPlaced({
            storeId,
            reservationId: held.body.id,
            accountId: "stacker",
            orderNumber: "ORDER-STACK",
          }),
        ),
      })),
    });
    await waitForEvent(heldFirst.body.id, "reservation.confirmed");
    const refusal = await waitForEvent(heldSecond.body.id, "reservation.confirmation_refused");
    // As HTTP confirm's details: the order's reservation in the way, and why.
    expect(refusal).toMatchObject({
      orderNumber: "ORDER-STACK",
      errorCode: "NOT_COMBINABLE",
      conflictsWith: heldFirst.body.id,
      reason: "CAMPAIGNS_DO_NOT_COMBINE",
    });
    expect(eventsFor(heldSecond.body.id).some((event) => event.type === "reservation.confirmed")).toBe(false);
  });
});

describe("ids and guest e-mails written in another case", () => {
  it("name the same event, store and reservation: the order is linked once, and a lower-case redelivery is a duplicate", async () => {
    const code = await singleSlotCode("UPPER");
    const held = await reserve(code, "buyer-upper");
    expect(held.status).toBe(200);
    const event = orderPlaced({
      storeId: system.store.storeId,
      reservationId: held.body.id,
      accountId: "buyer-upper",
      orderNumber: "ORDER-UPPER",
    });
    const shouted = {
      ...event,
      eventId: event.eventId.toUpperCase(),
      storeId: event.storeId.toUpperCase(),
      reservationId: event.reservationId.toUpperCase(),
    };
    await send(shouted);
    const confirmed = await waitForEvent(held.body.id, "reservation.confirmed");
    expect(confirmed).toMatchObject({ orderNumber: "ORDER-UPPER" });
    await send(event);
    const marker = await reserve(await singleSlotCode("UPMARK"), "marker-upper");
    await send(
      orderPlaced({
        storeId: system.store.storeId,
        reservationId: marker.body.id,
        accountId: "marker-upper",
        orderNumber: "MARK-UPPER",
      }),
    );
    await waitForEvent(marker.body.id, "reservation.confirmed");
    expect(eventsFor(held.body.id).filter((entry) => entry.type === "reservation.confirmed")).toHaveLength(1);
    expect(await ctx.db.database.prisma.processedEvent.count({ where: { eventId: event.eventId } })).toBe(1);
    const reservation = await api<{ id: string; status: string; orderNumber: string | null }>(
      gatewayUrl,
      system.store.keys.checkout,
      "GET",
      `/v1/reservations/${held.body.id.toUpperCase()}`,
    );
    expect(reservation.status).toBe(200);
    expect(reservation.body).toMatchObject({
      id: held.body.id,
      status: "CONFIRMED",
      orderNumber: "ORDER-UPPER",
    });
  });
  it("a guest's e-mail as the order system writes it names the account the checkout reserved for", async () => {
    const code = await singleSlotCode("GUEST");
    const held = await reserve(code, "  Guest.Buyer@Example.com ");
    expect(held.status).toBe(200);
    await send(
      orderPlaced({
        storeId: system.store.storeId,
        reservationId: held.body.id,
        accountId: "GUEST.BUYER@example.COM",
        orderNumber: "ORDER-GUEST",
      }),
    );
    const outcome = await eventually(
      async () =>
        eventsFor(held.body.id).find((entry) =>
          ["reservation.confirmed", "reservation.confirmation_refused"].includes(entry.type),
        ),
      "the order's outcome",
      60_000,
    );
    expect(outcome).toMatchObject({ type: "reservation.confirmed", orderNumber: "ORDER-GUEST" });
  });
});

describe("bad order messages go to the dead-letter topic", () => {
  it("malformed, unknown type, unknown reservation, a cancel naming no store and one of an unknown order each land in orders.dlq; the next good message is processed", async () => {
    const unknownReservation = orderPlaced({
      storeId: system.store.storeId,
      reservationId: "00000000-0000-4000-8000-000000000000",
      accountId: "nobody",
      orderNumber: "GHOST",
    });
    await send("{this is not json", "bad-1");
    await send(
      { ...orderCancelled({ storeId: system.store.storeId, orderNumber: "X" }), type: "order.shipped" },
      "bad-2",
    );
    await send(unknownReservation, "bad-3");
    // A cancel naming no store is a wrong storeId; one of an order the store never had cancels
    // nothing, and is dead-lettered to be replayed once its order is placed.
    const unknownStore = orderCancelled({
      storeId: "00000000-0000-4000-8000-000000000001",
      orderNumber: "X",
    });
    await send(unknownStore, "bad-4");
    await send(orderCancelled({ storeId: system.store.storeId, orderNumber: "NEVER-PLACED" }), "bad-5");
    const code = await singleSlotCode("AFTER");
    const held = await reserve(code, "after-bad");
    await send(
      orderPlaced({
        storeId: system.store.storeId,
        reservationId: held.body.id,
        accountId: "after-bad",
        orderNumber: "ORDER-AFTER",
      }),
    );
    await waitForEvent(held.body.id, "reservation.confirmed");
    const letters = await eventually(async () => {
      const byKey = new Map(deadLetters.messages.map((message) => [message.key, message]));
      return ["bad-1", "bad-2", "bad-3", "bad-4", "bad-5"].every((key) => byKey.has(key)) ? byKey : null;
    }, "five dead letters");
    expect(letters.get("bad-1")?.headers["x-dlq-reason"]).toBe("malformed");
    expect(letters.get("bad-1")?.value).toBe("{this is not json");
    expect(letters.get("bad-2")?.headers["x-dlq-reason"]).toBe("unknown_type");
    expect(letters.get("bad-3")?.headers["x-dlq-reason"]).toBe("unknown_reservation");
    expect(JSON.parse(letters.get("bad-3")?.value ?? "{}")).toEqual(unknownReservation);
    expect(letters.get("bad-3")?.headers["x-original-topic"]).toBe(ctx.topics.orders);
    expect(letters.get("bad-4")?.headers["x-dlq-reason"]).toBe("unknown_store");
    expect(JSON.parse(letters.get("bad-4")?.value ?? "{}")).toEqual(unknownStore);
    expect(letters.get("bad-5")?.headers["x-dlq-reason"]).toBe("unknown_order");
  });

  it("a batch's dead letters keep the partition's order, whichever step refused them", async () => {
    const ghost = (orderNumber: string) =>
      orderPlaced({
        storeId: system.store.storeId,
        reservationId: "00000000-0000-4000-8000-000000000001",
        accountId: "nobody",
        orderNumber,
      });
    // One send, one partition, one key: refused when applied, when parsed, when applied.
    const values = [JSON.stringify(ghost("GHOST-1")), "{not json", JSON.stringify(ghost("GHOST-2"))];
    await producer.send({
      topic: ctx.topics.orders,
      messages: values.map((value) => ({ key: "in-order", value, partition: 0 })),
    });
    const letters = await eventually(async () => {
      const found = deadLetters.messages.filter((message) => message.key === "in-order");
      return found.length === 3 ? found : null;
    }, "three dead letters under one key");
    expect(letters.map((letter) => letter.value)).toEqual(values);
    expect(letters.map((letter) => letter.headers["x-dlq-reason"])).toEqual([
      "unknown_reservation",
      "malformed",
      "unknown_reservation",
    ]);
  });

  it("another event sent under an eventId already used lands in orders.dlq (event_id_reused), not applied", async () => {
    const first = await reserve(await singleSlotCode("REUSEA"), "reuse-a");
    const second = await reserve(await singleSlotCode("REUSEB"), "reuse-b");
    const applied = orderPlaced({
      storeId: system.store.storeId,
      reservationId: first.body.id,
      accountId: "reuse-a",
      orderNumber: "ORDER-REUSE-A",
    });
    await send(applied);
    await waitForEvent(first.body.id, "reservation.confirmed");
    const reused = {
      ...orderPlaced({
        storeId: system.store.storeId,
        reservationId: second.body.id,
        accountId: "reuse-b",
        orderNumber: "ORDER-REUSE-B",
      }),
      eventId: applied.eventId,
    };
    await send(reused, "reused-id");
    const letter = await eventually(
      async () => deadLetters.messages.find((message) => message.key === "reused-id") ?? null,
      "the reused id's dead letter",
    );
    expect(letter.headers["x-dlq-reason"]).toBe("event_id_reused");
    expect(JSON.parse(letter.value ?? "{}")).toEqual(reused);
    const row = await ctx.db.database.prisma.reservation.findUnique({ where: { id: second.body.id } });
    expect(row?.status).toBe("RESERVED");
  });

  it("an order system without Kafka cancels over HTTP as order.cancelled does: the slot comes back, one reservation.cancelled", async () => {
    const code = await singleSlotCode("HTTPCANCEL");
    const held = await reserve(code, "http-cancel");
    const orderNumber = "ORDER/HTTP 1";
    const path = `/v1/orders/${encodeURIComponent(orderNumber)}/cancel`;
    const checkoutCall = (method: string, url: string, body?: unknown, headers?: Record<string, string>) =>
      api<{
        orderNumber?: string;
        reservations?: { id: string; status: string; cancelledAt: string | null }[];
        error?: { code: string };
      }>(gatewayUrl, system.store.keys.checkout, method, url, body, headers);
    // Not confirmed yet: no such order, and nothing is kept under the key.
    const early = await checkoutCall("POST", path, undefined, { "idempotency-key": "http-cancel-1" });
    expect([early.status, early.body.error?.code]).toEqual([404, "NOT_FOUND"]);
    const confirmed = await checkoutCall("POST", `/v1/reservations/${held.body.id}/confirm`, { orderNumber });
    expect(confirmed.status).toBe(200);
    expect((await reserve(code, "http-cancel-late")).status).toBe(409);

    const cancelled = await checkoutCall("POST", path, undefined, { "idempotency-key": "http-cancel-1" });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.orderNumber).toBe(orderNumber);
    expect(cancelled.body.reservations?.map((reservation) => [reservation.id, reservation.status])).toEqual([
      [held.body.id, "CANCELLED"],
    ]);
    // Again, with the key or without: the same answer, nothing more cancelled.
    expect(
      (await checkoutCall("POST", path, undefined, { "idempotency-key": "http-cancel-1" })).body,
    ).toEqual(cancelled.body);
    expect((await checkoutCall("POST", path)).body).toEqual(cancelled.body);
    await waitForEvent(held.body.id, "reservation.cancelled");
    expect((await reserve(code, "http-cancel-next")).status).toBe(200);
    expect(eventsFor(held.body.id).filter((event) => event.type === "reservation.cancelled")).toHaveLength(1);

    // Another store's keys do not find it; a merchant key may not cancel.
    const other = await seedStore(ctx.db.database.prisma, "orders-cancel-other");
    expect((await api(gatewayUrl, other.keys.checkout, "POST", path)).status).toBe(404);
    expect((await api(gatewayUrl, system.store.keys.merchant, "POST", path)).status).toBe(403);
  });

  it("two stores may send one eventId (ids are the order systems' own): each store's event is applied", async () => {
    const other = await seedStore(ctx.db.database.prisma, "orders-other");
    const otherCode = `OTHERSTORE${Date.now().toString(36).toUpperCase()}`;
    await createLiveCampaign(gatewayUrl, other.keys.merchant, {
      code: otherCode,
      usageLimit: 1,
      oncePerAccount: false,
    });
    const ours = await reserve(await singleSlotCode("SHAREDID"), "shared-id-a");
    const theirs = await reserve(otherCode, "shared-id-b", other.keys.checkout);
    const eventId = randomUUID();
    // One send, one batch: the same id under two stores, each a first.
    await producer.send({
      topic: ctx.topics.orders,
      messages: [
        orderPlaced({
          storeId: system.store.storeId,
          reservationId: ours.body.id,
          accountId: "shared-id-a",
          orderNumber: "SHARED-ID-1",
          eventId,
        }),
        orderPlaced({
          storeId: other.storeId,
          reservationId: theirs.body.id,
          accountId: "shared-id-b",
          orderNumber: "SHARED-ID-1",
          eventId,
        }),
      ].map((event) => ({ key: "shared-id", value: JSON.stringify(event) })),
    });
    await waitForEvent(ours.body.id, "reservation.confirmed");
    await waitForEvent(theirs.body.id, "reservation.confirmed");
    expect(await ctx.db.database.prisma.processedEvent.count({ where: { eventId } })).toBe(2);
    expect(deadLetters.messages.filter((message) => message.key === "shared-id")).toEqual([]);
  });
});
