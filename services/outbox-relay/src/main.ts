// Composition root of the outbox relay: publishes outbox rows to Kafka.
import { OutboxRelayEnvSchema, parseEnv } from "@promo/config";
import { TOPICS } from "@promo/contracts";
import { createKafka, ensureTopics, topicMapFrom } from "@promo/events";
import { createLogger } from "@promo/observability";
import { createOutboxRelay } from "./relay.ts";

const env = parseEnv(OutboxRelayEnvSchema, process.env);
const logger = createLogger({ service: "outbox-relay", level: env.LOG_LEVEL });
const kafka = createKafka({
  brokers: env.KAFKA_BROKERS,
  clientId: "promo-outbox-relay",
  log: (level, message, extra) => logger[level](extra, message),
});
const topics = topicMapFrom(env);

async function createTopics(): Promise<void> {
  for (;;) {
    try {
      const created = await ensureTopics(kafka, Object.values(topics), {
        partitions: env.KAFKA_TOPIC_PARTITIONS,
        replicationFactor: env.KAFKA_REPLICATION_FACTOR,
      });
      if (created.length > 0) logger.info({ created }, "created topics");
      return;
    } catch (error) {
      logger.warn({ err: error }, "could not create topics yet; retrying");
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
  }
}

await createTopics();
const relay = createOutboxRelay({
  databaseUrl: env.DATABASE_URL,
  kafka,
  topics,
  logger,
  clock: () => new Date(),
  settings: {
    batchSize: env.OUTBOX_BATCH_SIZE,
    idlePollMs: env.OUTBOX_IDLE_POLL_MS,
    retentionMs: env.OUTBOX_RETENTION_HOURS * 3_600_000,
  },
});
relay.start();
logger.info({ topic: topics.redemptions, logical: TOPICS.redemptions }, "outbox relay started");

const SHUTDOWN_DEADLINE_MS = 30_000;
let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  setTimeout(() => {
    logger.error("shutdown took too long; exiting");
    process.exit(1);
  }, SHUTDOWN_DEADLINE_MS).unref();
  logger.info({ signal }, "outbox relay stopping");
  await relay.stop();
  logger.info({ published: relay.published }, "outbox relay stopped");
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
