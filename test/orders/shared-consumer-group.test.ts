import { randomUUID } from "node:crypto";
import {
  createTestContext,
  eventually,
  type ServiceProcess,
  startService,
  type TestContext,
} from "@promo/testing";
import type { Kafka, Producer } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectTopic, connectedProducer, sendEvent, testKafka, waitForTopics } from "../support/kafka.ts";

/**
 * Two order consumer deployments on one Kafka cluster that share a consumer group name but read
 * different orders topics: two environments left on the default ORDER_CONSUMER_GROUP, or a rolling
 * update to a renamed topic. kafkajs's own round-robin assigner hands out only the group leader's
 * topics, so the deployment that joined second would never read its topic, and nothing would say so.
 */
let first: TestContext;
let second: TestContext;
let kafka: Kafka;
let producer: Producer;
const consumers: ServiceProcess[] = [];
const collectors: Array<{ stop(): Promise<void> }> = [];

beforeAll(async () => {
  first = await createTestContext("group-a");
  second = await createTestContext("group-b");
  kafka = testKafka(first.env.KAFKA_BROKERS);
  producer = await connectedProducer(kafka);
});

afterAll(async () => {
  await Promise.all(collectors.map((collector) => collector.stop()));
  await producer?.disconnect();
  await Promise.all(consumers.map((consumer) => consumer.stop()));
  await first?.cleanup();
  await second?.cleanup();
});

async function startConsumer(ctx: TestContext, group: string, label: string) {
  consumers.push(startService("order-consumer", ctx.serviceEnv({ ORDER_CONSUMER_GROUP: group }), label));
  await waitForTopics(
    kafka,
    [ctx.topics.orders, ctx.topics.ordersDeadLetter],
    `${label} to create its topics`,
  );
  const deadLetters = await collectTopic(kafka, ctx.topics.ordersDeadLetter);
  collectors.push(deadLetters);
  return deadLetters;
}

/** A message the consumer can only dead-letter: proof that it read its topic. */
async function sendUnreadable(ctx: TestContext, marker: string): Promise<void> {
  await sendEvent(producer, ctx.topics.orders, marker, `not json ${marker}`);
}

describe("one consumer group name, two orders topics", () => {
  it("each deployment reads its own topic, the one that joined the group second too", async () => {
    const group = `test-shared-group-${randomUUID()}`;
    const lettersOfFirst = await startConsumer(first, group, "consumer-a");
    await sendUnreadable(first, "a-1");
    await eventually(async () => lettersOfFirst.messages.length === 1, "the first deployment's letter");

    const lettersOfSecond = await startConsumer(second, group, "consumer-b");
    await sendUnreadable(second, "b-1");
    await eventually(
      async () => lettersOfSecond.messages.length === 1,
      "the second deployment's letter",
      60_000,
    );
    await sendUnreadable(first, "a-2");
    await eventually(
      async () => lettersOfFirst.messages.length === 2,
      "the first deployment's second letter",
    );

    expect(lettersOfFirst.messages.map((letter) => letter.key)).toEqual(["a-1", "a-2"]);
    expect(lettersOfSecond.messages.map((letter) => letter.key)).toEqual(["b-1"]);
  });
});
