// Composition root of the outbox relay: publishes outbox rows to Kafka.
import { OutboxRelayEnvSchema, parseServiceEnv } from "@promo/config";
import { TOPICS } from "@promo/contracts";
import { createDatabase, measureOutboxLag, poolSql } from "@promo/db";
import { createKafka, ensureTopicsOnceReachable, topicMapFrom } from "@promo/events";
import {
  createLogger,
  createMetricsRegistry,
  createOutageLog,
  exitOnStopSignals,
  Gauge,
  type MetricsServer,
  serveMetrics,
} from "@promo/observability";
import { createOutboxRelay } from "./relay.ts";

const env = parseServiceEnv(OutboxRelayEnvSchema, "outbox-relay");
const logger = createLogger({ service: "outbox-relay", level: env.LOG_LEVEL });
// One warning per Kafka outage, not one per connection attempt (kafkajs logs each at error).
const kafkaOutages = createOutageLog({ logger, dependency: "kafka" });
const kafka = createKafka({
  brokers: env.KAFKA_BROKERS,
  clientId: "promo-outbox-relay",
  log: (level, message, extra) => logger[level](extra, message),
  onConnectionFailure: (message) => kafkaOutages.failed("kafka", message),
});
const topics = topicMapFrom(env);

const created = await ensureTopicsOnceReachable(
  kafka,
  Object.values(topics),
  { partitions: env.KAFKA_TOPIC_PARTITIONS, replicationFactor: env.KAFKA_REPLICATION_FACTOR },
  { outages: kafkaOutages, logger },
);
if (created.length > 0) logger.info({ created }, "created topics");
const relay = createOutboxRelay({
  databaseUrl: env.DATABASE_URL,
  kafka,
  topics,
  logger,
  kafkaOutages,
  clock: () => new Date(),
  settings: {
    batchSize: env.OUTBOX_BATCH_SIZE,
    idlePollMs: env.OUTBOX_IDLE_POLL_MS,
    retentionMs: env.OUTBOX_RETENTION_HOURS * 3_600_000,
  },
});
relay.start();

// Outbox lag, read from PostgreSQL when Prometheus scrapes (one small pool, only when enabled).
let metricsServer: MetricsServer | null = null;
let metricsDatabase: ReturnType<typeof createDatabase> | null = null;
if (env.METRICS_PORT > 0) {
  const registry = createMetricsRegistry("outbox-relay");
  const lagDatabase = createDatabase({
    databaseUrl: env.DATABASE_URL,
    maxConnections: 1,
    applicationName: "promo-outbox-relay-metrics",
    onPoolError: (error) => logger.warn({ err: error }, "postgres pool error"),
  });
  metricsDatabase = lagDatabase;
  const readLag = () => measureOutboxLag(poolSql(lagDatabase.pool), new Date());
  new Gauge({
    name: "promo_outbox_unpublished_events",
    help: "Outbox rows committed but not yet acknowledged by Kafka",
    registers: [registry],
    async collect() {
      this.set((await readLag()).pending);
    },
  });
  new Gauge({
    name: "promo_outbox_lag_seconds",
    help: "Age of the oldest outbox row not yet on Kafka (0 when none)",
    registers: [registry],
    async collect() {
      this.set((await readLag()).oldestMs / 1_000);
    },
  });
  new Gauge({
    name: "promo_outbox_published_events",
    help: "Outbox rows this process has published since it started",
    registers: [registry],
    collect() {
      this.set(relay.published);
    },
  });
  metricsServer = await serveMetrics(registry, { port: env.METRICS_PORT, logger });
}
logger.info({ topic: topics.redemptions, logical: TOPICS.redemptions }, "outbox relay started");

exitOnStopSignals(logger, async (signal) => {
  logger.info({ signal }, "outbox relay stopping");
  await relay.stop();
  await Promise.allSettled([metricsServer?.close(), metricsDatabase?.close()]);
  logger.info({ published: relay.published }, "outbox relay stopped");
});
