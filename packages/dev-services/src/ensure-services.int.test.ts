import { randomBytes } from "node:crypto";
import { DevServicesEnvSchema, parseEnv } from "@promo/config";
import { Kafka, logLevel, Partitioners } from "kafkajs";
import { afterAll, describe, expect, it } from "vitest";
import { ensureServices } from "./ensure-services.ts";
import { ensureKafka, findLocalKafkaPid, startLocalKafka, stopLocalKafka } from "./kafka/broker.ts";
import { launchBroker } from "./kafka/broker-process.ts";
import { resolveKafkaPaths } from "./kafka/paths.ts";
import { isKafkaReachable } from "./kafka/reachability.ts";
import { pollUntil } from "./wait.ts";

// The same variables and defaults as `npm run services`.
const env = parseEnv(DevServicesEnvSchema, process.env);

afterAll(async () => {
  // Whatever happened above, leave the services running for whoever comes next.
  await ensureServices(env);
});

describe("ensureServices", () => {
  it("is idempotent: a second run finds every service already running", async () => {
    await ensureServices(env);
    const second = await ensureServices(env);
    expect(second.map((report) => report.name)).toEqual(["redis", "postgres", "kafka"]);
    expect(second.map((report) => report.note)).toEqual([
      "already running",
      "already running",
      "already running",
    ]);
  });

  it("gives a Kafka that stores and delivers a message", async () => {
    const kafka = new Kafka({
      clientId: "dev-services-test",
      brokers: [...env.KAFKA_BROKERS],
      logLevel: logLevel.NOTHING,
    });
    const topic = `dev-services-test-${randomBytes(6).toString("hex")}`;
    const groupId = `${topic}-group`;
    const admin = kafka.admin();
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    const consumer = kafka.consumer({ groupId });
    await admin.connect();
    try {
      await admin.createTopics({
        topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
        waitForLeaders: true,
      });
      await producer.connect();
      await producer.send({ topic, messages: [{ key: "greeting", value: "hello" }] });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const received = await new Promise<{ key: string; value: string }>((resolve) => {
        void consumer.run({
          eachMessage: async ({ message }) =>
            resolve({ key: String(message.key), value: String(message.value) }),
        });
      });
      expect(received).toEqual({ key: "greeting", value: "hello" });
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
      await admin.deleteGroups([groupId]).catch(() => undefined);
      await admin.deleteTopics({ topics: [topic] });
      await admin.disconnect();
    }
  });

  /** What kafkajs logs (at warn and above) while an idempotent producer connects and a group is described. */
  async function brokerComplaints(): Promise<string[]> {
    const complaints: string[] = [];
    const kafka = new Kafka({
      clientId: `dev-services-test-${randomBytes(4).toString("hex")}`,
      brokers: [...env.KAFKA_BROKERS],
      retry: { initialRetryTime: 100, maxRetryTime: 1_000, retries: 30 },
      logLevel: logLevel.WARN,
      logCreator: () => (entry) => {
        if (entry.namespace !== "Producer" || !entry.log.message.startsWith("Limiting retries"))
          complaints.push(`${entry.namespace}: ${entry.log.message} ${String(entry.log.error ?? "")}`);
      },
    });
    const producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
    const admin = kafka.admin();
    try {
      await producer.connect();
      await admin.connect();
      await admin.describeGroups([`dev-services-test-${randomBytes(4).toString("hex")}`]);
    } finally {
      await Promise.allSettled([producer.disconnect(), admin.disconnect()]);
    }
    return complaints;
  }

  function requireOwnBroker(): void {
    if (findLocalKafkaPid() === null) {
      throw new Error(
        `Kafka at ${env.KAFKA_BROKERS.join(",")} was not started by this package (no live .services/kafka/kafka.pid), so this test cannot stop it. Stop that broker and run \`npm run services\`.`,
      );
    }
  }

  it("stops the local broker (Kafka unreachable) and starts it again (reachable, coordinators loaded)", async () => {
    requireOwnBroker();
    expect(await stopLocalKafka()).toBe(true);
    expect(findLocalKafkaPid()).toBeNull();
    expect(await isKafkaReachable(env.KAFKA_BROKERS)).toBe(false);

    const report = await startLocalKafka({
      brokers: env.KAFKA_BROKERS,
      controllerPort: env.KAFKA_CONTROLLER_PORT,
    });
    expect(report.note).toMatch(/^started local broker /);
    expect(findLocalKafkaPid()).not.toBeNull();
    expect(await isKafkaReachable(env.KAFKA_BROKERS)).toBe(true);
    // A client meeting the restarted broker first is not told "the coordinator is loading".
    expect(await brokerComplaints()).toEqual([]);
  });

  it("waits for the coordinators of a broker someone else has just started, then reports it already running", async () => {
    requireOwnBroker();
    expect(await stopLocalKafka()).toBe(true);
    // Started as another checkout or a hand-run command would: answering, coordinators not loaded.
    launchBroker(resolveKafkaPaths());
    const answered = await pollUntil(() => isKafkaReachable(env.KAFKA_BROKERS, 2_000), {
      timeoutMs: 90_000,
      intervalMs: 100,
    });
    expect(answered).toBe(true);

    const report = await ensureKafka({
      brokers: env.KAFKA_BROKERS,
      controllerPort: env.KAFKA_CONTROLLER_PORT,
    });
    expect(report.note).toBe("already running");
    expect(await brokerComplaints()).toEqual([]);
  });
});
