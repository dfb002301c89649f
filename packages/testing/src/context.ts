import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { inject } from "vitest";
import "./provided-context.ts";
import { createTestDatabase, type TestDatabase } from "./databases.ts";
import { readTestEnv, type TestEnv } from "./test-env.ts";

export type TestTopics = { orders: string; ordersDeadLetter: string; redemptions: string; alerts: string };

export type TestContext = {
  env: TestEnv;
  db: TestDatabase;
  /** Unique Redis key prefix for queues. */
  queuePrefix: string;
  /** Unique Kafka topic names. */
  topics: TestTopics;
  /**
   * Environment for a service process started by the test (its own database, prefix, topics and
   * order consumer group).
   */
  serviceEnv(extra?: Record<string, string>): Record<string, string>;
  /** Registers something to undo before the database is dropped (last registered runs first). */
  onCleanup(cleanup: () => Promise<void>): void;
  cleanup(): Promise<void>;
};

/**
 * Everything one test file needs against the real services, isolated from every other file: its
 * own database (cloned from the migrated template), Redis key prefix, Kafka topic names and order
 * consumer group.
 */
export async function createTestContext(label: string): Promise<TestContext> {
  const env = readTestEnv();
  const id = randomBytes(4).toString("hex");
  const db = await createTestDatabase(env.DATABASE_URL, inject("templateDatabase"), label);
  const queuePrefix = `test-${label}-${id}`;
  const topics: TestTopics = {
    orders: `test-${id}.orders`,
    ordersDeadLetter: `test-${id}.orders.dlq`,
    redemptions: `test-${id}.promo.redemptions`,
    alerts: `test-${id}.promo.alerts`,
  };
  const cleanups: Array<() => Promise<void>> = [];
  return {
    env,
    db,
    queuePrefix,
    topics,
    serviceEnv(extra = {}) {
      return {
        DATABASE_URL: db.url,
        REDIS_URL: env.REDIS_URL,
        KAFKA_BROKERS: env.KAFKA_BROKERS.join(","),
        QUEUE_PREFIX: queuePrefix,
        TOPIC_ORDERS: topics.orders,
        TOPIC_ORDERS_DLQ: topics.ordersDeadLetter,
        TOPIC_REDEMPTIONS: topics.redemptions,
        TOPIC_ALERTS: topics.alerts,
        ORDER_CONSUMER_GROUP: `test-${id}.order-consumer`,
        LOG_LEVEL: "warn",
        ...extra,
      };
    },
    onCleanup(cleanup) {
      cleanups.push(cleanup);
    },
    async cleanup() {
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
      await deleteKeysWithPrefix(env.REDIS_URL, queuePrefix);
      await db.drop();
    },
  };
}

/** Removes every Redis key under `prefix:` (SCAN, never KEYS). */
export async function deleteKeysWithPrefix(redisUrl: string, prefix: string): Promise<number> {
  const redis = new Redis(redisUrl, { lazyConnect: true });
  await redis.connect();
  let deleted = 0;
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1_000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
  return deleted;
}
