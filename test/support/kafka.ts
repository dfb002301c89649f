import { randomUUID } from "node:crypto";
import { createKafka } from "@promo/events";
import { eventually } from "@promo/testing";
import type { Consumer, Kafka, Producer } from "kafkajs";

export type CollectedMessage = {
  key: string | null;
  value: string;
  headers: Record<string, string>;
  partition: number;
  offset: string;
};

/** Reads a topic from the beginning into memory, for assertions. */
export async function collectTopic(
  kafka: Kafka,
  topic: string,
): Promise<{
  messages: CollectedMessage[];
  json: <T = Record<string, unknown>>() => T[];
  stop(): Promise<void>;
}> {
  const consumer: Consumer = kafka.consumer({
    groupId: `test-collector-${randomUUID()}`,
    allowAutoTopicCreation: false,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const messages: CollectedMessage[] = [];
  await consumer.run({
    eachMessage: async ({ message, partition }) => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(message.headers ?? {})) {
        if (value !== undefined) headers[name] = String(value);
      }
      messages.push({
        key: message.key?.toString() ?? null,
        value: message.value?.toString() ?? "",
        headers,
        partition,
        offset: message.offset,
      });
    },
  });
  return {
    messages,
    json: <T>() => messages.map((message) => JSON.parse(message.value) as T),
    stop: () => consumer.disconnect(),
  };
}

export function testKafka(brokers: readonly string[]): Kafka {
  return createKafka({ brokers, clientId: `test-${randomUUID().slice(0, 8)}` });
}

/** Waits until every one of `topics` exists (the services create theirs when they start). */
export async function waitForTopics(
  kafka: Kafka,
  topics: readonly string[],
  what = "the services to create their topics",
): Promise<void> {
  await eventually(async () => {
    const admin = kafka.admin();
    await admin.connect();
    const existing = await admin.listTopics();
    await admin.disconnect();
    return topics.every((topic) => existing.includes(topic));
  }, what);
}

/** Produces one message: `event` as JSON, or a string as it is, under `key`. */
export async function sendEvent(
  producer: Producer,
  topic: string,
  key: string,
  event: unknown,
): Promise<void> {
  await producer.send({
    topic,
    messages: [{ key, value: typeof event === "string" ? event : JSON.stringify(event) }],
  });
}

export async function connectedProducer(kafka: Kafka): Promise<Producer> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  return producer;
}

export function orderPlaced(input: {
  storeId: string;
  reservationId: string;
  accountId: string;
  orderNumber: string;
  orderTotal?: number;
  eventId?: string;
}) {
  return {
    eventId: input.eventId ?? randomUUID(),
    type: "order.placed",
    storeId: input.storeId,
    occurredAt: new Date().toISOString(),
    orderNumber: input.orderNumber,
    reservationId: input.reservationId,
    accountId: input.accountId,
    orderTotal: input.orderTotal ?? 939,
  };
}

export function orderCancelled(input: { storeId: string; orderNumber: string; eventId?: string }) {
  return {
    eventId: input.eventId ?? randomUUID(),
    type: "order.cancelled",
    storeId: input.storeId,
    occurredAt: new Date().toISOString(),
    orderNumber: input.orderNumber,
  };
}
