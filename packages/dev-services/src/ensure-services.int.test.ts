import { randomBytes } from "node:crypto";
import { DevServicesEnvSchema, parseEnv } from "@promo/config";
import { createKafka, isKafkaReachable } from "@promo/events";
import { afterAll, describe, expect, it } from "vitest";
import { ensureServices } from "./ensure-services.ts";
import { localBrokerPid, startLocalKafka, stopLocalKafka } from "./kafka/broker.ts";

const env = parseEnv(DevServicesEnvSchema, process.env);

afterAll(async () => {
  await ensureServices(env);
});

describe("npm run services", () => {
  it("is idempotent: a second run finds everything running", async () => {
    await ensureServices(env);
    const second = await ensureServices(env);
    expect(second.map((report) => report.name)).toEqual(["redis", "postgres", "kafka"]);
    expect(second.every((report) => report.note.startsWith("already running"))).toBe(true);
  });

  it("gives a broker that stores and delivers messages", async () => {
    const kafka = createKafka({ brokers: env.KAFKA_BROKERS, clientId: "services-test" });
    const topic = `test-services-${randomBytes(4).toString("hex")}`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    const producer = kafka.producer();
    const consumer = kafka.consumer({ groupId: `${topic}-group` });
    try {
      await producer.connect();
      await producer.send({ topic, messages: [{ key: "k", value: "hello" }] });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const received = await new Promise<string>((resolve) => {
        void consumer.run({ eachMessage: async ({ message }) => resolve(String(message.value)) });
      });
      expect(received).toBe("hello");
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
      await admin.deleteTopics({ topics: [topic] });
      await admin.disconnect();
    }
  });

  it("can stop the local broker and start it again", async () => {
    const pid = localBrokerPid();
    if (pid === null) {
      throw new Error(
        "Kafka at KAFKA_BROKERS was not started by this project (no live .services/kafka/kafka.pid)",
      );
    }
    expect(await stopLocalKafka()).toBe(true);
    expect(await isKafkaReachable(env.KAFKA_BROKERS, 2_000)).toBe(false);
    const report = await startLocalKafka({
      brokers: env.KAFKA_BROKERS,
      controllerPort: env.KAFKA_CONTROLLER_PORT,
    });
    expect(report.note).toMatch(/started local broker/);
    expect(await isKafkaReachable(env.KAFKA_BROKERS, 5_000)).toBe(true);
  });
});
