import { TOPICS, type TopicName } from "@promo/contracts";
import kafkajs, { type Kafka } from "kafkajs";
import { isKafkaUnavailable } from "./kafka-client.ts";

// kafkajs is CommonJS: Node.js finds this export only through the default one.
const { ConfigResourceTypes } = kafkajs;

/** Physical topic names per deployment (tests use unique ones); defaults are the SPEC's names. */
export type TopicMap = Record<TopicName, string>;

export const DEFAULT_TOPIC_MAP: TopicMap = { ...TOPICS };

export type TopicSettings = { partitions: number; replicationFactor: number };

/** Creates the topics that do not exist yet; existing ones are left as they are. */
export async function ensureTopics(
  kafka: Kafka,
  topics: readonly string[],
  settings: TopicSettings,
): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = [...new Set(topics)].filter((topic) => !existing.has(topic));
    if (missing.length === 0) return [];
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({
        topic,
        numPartitions: settings.partitions,
        replicationFactor: settings.replicationFactor,
      })),
    });
    return missing;
  } finally {
    await admin.disconnect();
  }
}

/**
 * How long the broker keeps a topic's messages (`retention.ms`, the topic's own or the broker's
 * default): milliseconds, or null when it keeps them for good (-1).
 */
export async function topicRetentionMs(kafka: Kafka, topic: string): Promise<number | null> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ["retention.ms"] }],
    });
    const value = Number(
      resources[0]?.configEntries.find((entry) => entry.configName === "retention.ms")?.configValue,
    );
    if (!Number.isFinite(value)) throw new Error(`no retention.ms for topic ${topic}`);
    return value < 0 ? null : value;
  } finally {
    await admin.disconnect();
  }
}

/** Maps a logical topic (as stored in the outbox) to its physical name. */
export function physicalTopic(map: TopicMap, logical: string): string | null {
  const entry = Object.entries(TOPICS).find(([, name]) => name === logical);
  return entry ? map[entry[0] as TopicName] : null;
}

/** The physical topic names from the TOPIC_* settings. */
export function topicMapFrom(env: {
  TOPIC_ORDERS: string;
  TOPIC_ORDERS_DLQ: string;
  TOPIC_REDEMPTIONS: string;
  TOPIC_ALERTS: string;
}): TopicMap {
  return {
    orders: env.TOPIC_ORDERS,
    ordersDeadLetter: env.TOPIC_ORDERS_DLQ,
    redemptions: env.TOPIC_REDEMPTIONS,
    alerts: env.TOPIC_ALERTS,
  };
}

/** What ensureTopicsOnceReachable reports to: the service's Kafka outage log and its logger. */
export type TopicWaitReporting = {
  outages: { failed(source: string, error: unknown): void; recovered(source: string): void };
  logger: { warn(fields: object, message: string): void };
};

/**
 * ensureTopics, tried again every `retryMs` until it succeeds: a service that starts before Kafka
 * waits for it. Kafka being away goes to the outage log (warned once, "reachable again" once it
 * answers); any other failure is warned each time.
 */
export async function ensureTopicsOnceReachable(
  kafka: Kafka,
  topics: readonly string[],
  settings: TopicSettings,
  { outages, logger }: TopicWaitReporting,
  retryMs = 2_000,
): Promise<string[]> {
  for (;;) {
    try {
      const created = await ensureTopics(kafka, topics, settings);
      outages.recovered("kafka");
      return created;
    } catch (error) {
      if (isKafkaUnavailable(error)) outages.failed("kafka", error);
      else logger.warn({ err: error }, "could not create topics yet; retrying");
      await new Promise((resolve) => setTimeout(resolve, retryMs));
    }
  }
}
