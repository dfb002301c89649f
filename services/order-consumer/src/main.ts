// Composition root of the order consumer: order events in, reservation effects out.
import { OrderConsumerEnvSchema, parseServiceEnv } from "@promo/config";
import { createDatabase } from "@promo/db";
import { createKafka, ensureTopicsOnceReachable, topicMapFrom, topicRetentionMs } from "@promo/events";
import {
  createLogger,
  createMetricsRegistry,
  createOutageLog,
  exitOnStopSignals,
  Gauge,
  type MetricsServer,
  serveMetrics,
} from "@promo/observability";
import type { Admin } from "kafkajs";
import { createOrderConsumer } from "./consumer.ts";
import { processedIdsOutliveMessages } from "./handlers/retention-check.ts";

const env = parseServiceEnv(OrderConsumerEnvSchema, "order-consumer");
const logger = createLogger({ service: "order-consumer", level: env.LOG_LEVEL });
const database = createDatabase({
  databaseUrl: env.DATABASE_URL,
  maxConnections: env.DATABASE_POOL_SIZE,
  applicationName: "promo-order-consumer",
  onPoolError: (error) => logger.warn({ err: error }, "postgres pool error"),
});
// One warning per Kafka outage, not one per connection attempt (kafkajs logs each at error).
const kafkaOutages = createOutageLog({ logger, dependency: "kafka" });
const kafka = createKafka({
  brokers: env.KAFKA_BROKERS,
  clientId: "promo-order-consumer",
  log: (level, message, extra) => logger[level](extra, message),
  onConnectionFailure: (message) => kafkaOutages.failed("kafka", message),
});
const topics = topicMapFrom(env);
const processedEventRetentionMs = env.PROCESSED_EVENT_RETENTION_HOURS * 3_600_000;
const consumer = createOrderConsumer({
  database,
  kafka,
  topics,
  groupId: env.ORDER_CONSUMER_GROUP,
  concurrency: env.ORDER_CONSUMER_CONCURRENCY,
  processedEventRetentionMs,
  logger,
  kafkaOutages,
  clock: () => new Date(),
});

// The probes answer from the start, so an orchestrator sees a consumer waiting for Kafka as alive
// but not ready.
const registry = env.METRICS_PORT > 0 ? createMetricsRegistry("order-consumer") : null;
const metricsServer: MetricsServer | null = registry
  ? await serveMetrics(registry, { port: env.METRICS_PORT, logger, ready: () => consumer.readiness() })
  : null;
let metricsAdmin: Admin | null = null;

// Registered before anything waits on Kafka: a stop while the consumer starts is a clean stop too.
exitOnStopSignals(logger, async (signal) => {
  logger.info({ signal }, "order consumer stopping: finishing the batch in hand");
  await consumer.stop();
  await Promise.allSettled([database.close(), metricsServer?.close(), metricsAdmin?.disconnect()]);
  logger.info({ handled: consumer.handled }, "order consumer stopped");
});

await ensureTopicsOnceReachable(
  kafka,
  Object.values(topics),
  { partitions: env.KAFKA_TOPIC_PARTITIONS, replicationFactor: env.KAFKA_REPLICATION_FACTOR },
  { outages: kafkaOutages, logger },
);

// Deduplication holds only while processed event ids outlive the orders topic's messages.
await topicRetentionMs(kafka, topics.orders).then(
  (topicRetention) => {
    if (!processedIdsOutliveMessages({ topicRetentionMs: topicRetention, processedEventRetentionMs }))
      logger.warn(
        {
          topic: topics.orders,
          topicRetentionHours: topicRetention === null ? "forever" : topicRetention / 3_600_000,
          processedEventRetentionHours: env.PROCESSED_EVENT_RETENTION_HOURS,
        },
        "processed event ids are removed before the orders topic drops their messages: an event read again after that would be applied again; set PROCESSED_EVENT_RETENTION_HOURS to at least the topic's retention",
      );
  },
  (error: unknown) =>
    logger.warn({ err: error, topic: topics.orders }, "could not read the orders topic's retention"),
);

await consumer.start();
logger.info({ topic: topics.orders, group: env.ORDER_CONSUMER_GROUP }, "order consumer started");

// Consumer lag per partition (end offset minus the group's committed offset), read when scraped.
if (registry) {
  const admin = kafka.admin();
  metricsAdmin = admin;
  await admin.connect();
  new Gauge({
    name: "promo_kafka_consumer_lag",
    help: "Order events not yet consumed, per partition of the orders topic",
    labelNames: ["topic", "partition"],
    registers: [registry],
    async collect() {
      this.reset();
      const [ends, [committed]] = await Promise.all([
        admin.fetchTopicOffsets(topics.orders),
        admin.fetchOffsets({ groupId: env.ORDER_CONSUMER_GROUP, topics: [topics.orders] }),
      ]);
      const done = new Map(committed?.partitions.map((entry) => [entry.partition, Number(entry.offset)]));
      for (const end of ends) {
        const consumed = done.get(end.partition) ?? -1;
        const lag = Number(end.high) - (consumed < 0 ? Number(end.low) : consumed);
        this.set({ topic: topics.orders, partition: String(end.partition) }, Math.max(0, lag));
      }
    },
  });
  new Gauge({
    name: "promo_order_events_handled",
    help: "Order events this process has applied since it started",
    registers: [registry],
    collect() {
      this.set(consumer.handled);
    },
  });
}
