import { EVENT_HEADERS, TOPICS } from "@promo/contracts";
import {
  deletePublishedOutbox,
  fetchUnpublishedOutbox,
  HISTORY_CLEANUP_CHUNK,
  isDatabaseUnavailable,
  markOutboxPublished,
  nextCleanupDue,
  type PendingOutboxEvent,
  poolSql,
} from "@promo/db";
import {
  chunkBySize,
  idempotentProducer,
  isKafkaUnavailable,
  messageBytes,
  physicalTopic,
  type TopicMap,
} from "@promo/events";
import { createOutageLog, type Logger, type OutageLog } from "@promo/observability";
import { CompressionTypes, type Kafka, type Message, type Producer } from "kafkajs";
import pg from "pg";

/** Session advisory lock: one relay publishes at a time (per-code order), the others wait. */
export const RELAY_LOCK_KEY = 72_707_401;

export type OutboxRelayDeps = {
  databaseUrl: string;
  kafka: Kafka;
  topics: TopicMap;
  logger: Logger;
  /** The process's Kafka outage log (the client reports its failed connection attempts there). */
  kafkaOutages: OutageLog;
  clock: () => Date;
  settings: { batchSize: number; idlePollMs: number; retentionMs: number };
};

const RETRY_MAX_MS = 5_000;

/**
 * Publishes outbox rows to Kafka in id order, keyed by code, then marks them published. At least
 * once: a crash between publishing and marking publishes those rows again (consumers dedupe by
 * eventId); nothing is ever skipped, because a row stays unpublished until Kafka acknowledged it.
 * One relay holds the PostgreSQL advisory lock and works; others stand by until it goes away.
 *
 * Per-code order: every writer of a code's outbox rows (worker decisions, release, confirm, cancel,
 * expiry) holds that code's row lock while it inserts, so within a code, ids follow commit order.
 * A row of another code with a smaller id may become visible later; it is simply published later.
 */
export function createOutboxRelay(deps: OutboxRelayDeps) {
  const { logger, settings } = deps;
  let stopped = false;
  let loop: Promise<void> | null = null;
  let leader: pg.Client | null = null;
  let producer: Producer | null = null;
  let cleanupDue = 0;
  let published = 0;
  // A standby relay, or one whose PostgreSQL is away, tries every second: one warning per outage.
  const postgresOutages = createOutageLog({ logger, dependency: "postgresql" });

  async function becomeLeader(): Promise<pg.Client | null> {
    const client = new pg.Client({
      connectionString: deps.databaseUrl,
      application_name: "promo-outbox-relay",
    });
    client.on("error", (error) => logger.warn({ err: error.message }, "relay connection error"));
    try {
      await client.connect();
      postgresOutages.recovered("relay");
      const { rows } = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1) AS locked", [
        RELAY_LOCK_KEY,
      ]);
      if (rows[0]?.locked) return client;
    } catch (error) {
      if (isDatabaseUnavailable(error)) postgresOutages.failed("relay", error);
      else logger.warn({ err: error }, "relay could not take the publisher's lock");
    }
    await client.end().catch(() => undefined);
    return null;
  }

  async function connectProducer(): Promise<Producer> {
    const created = idempotentProducer(deps.kafka);
    await created.connect();
    return created;
  }

  /**
   * Sends the events in id order, in sends small enough for any Kafka batch (SEND_CHUNK_BYTES): one
   * round of a hot code's events would otherwise be one batch over the broker's limit, refused for
   * good, and the relay would stop.
   */
  async function publish(events: readonly PendingOutboxEvent[]): Promise<void> {
    const outgoing: { topic: string; message: Message }[] = [];
    for (const event of events) {
      const topic = physicalTopic(deps.topics, event.topic) ?? physicalTopic(deps.topics, TOPICS.redemptions);
      if (!topic) continue;
      const eventId = (event.payload as { eventId?: unknown }).eventId;
      outgoing.push({
        topic,
        message: {
          key: event.key,
          value: JSON.stringify(event.payload),
          headers: {
            [EVENT_HEADERS.type]: event.eventType,
            ...(typeof eventId === "string" ? { [EVENT_HEADERS.id]: eventId } : {}),
          },
        },
      });
    }
    if (!producer) producer = await connectProducer();
    for (const chunk of chunkBySize(outgoing, ({ message }) => messageBytes(message))) {
      const byTopic = new Map<string, Message[]>();
      for (const { topic, message } of chunk) {
        const messages = byTopic.get(topic) ?? [];
        messages.push(message);
        byTopic.set(topic, messages);
      }
      await producer.sendBatch({
        acks: -1,
        compression: CompressionTypes.None,
        topicMessages: [...byTopic.entries()].map(([topic, messages]) => ({ topic, messages })),
      });
    }
    deps.kafkaOutages.recovered("kafka");
  }

  async function round(client: pg.Client): Promise<number> {
    const sql = poolSql(client);
    const events = await fetchUnpublishedOutbox(sql, settings.batchSize);
    if (events.length > 0) {
      await publish(events);
      await markOutboxPublished(
        sql,
        events.map((event) => event.id),
        deps.clock(),
      );
      published += events.length;
    }
    if (Date.now() >= cleanupDue) {
      const deleted = await deletePublishedOutbox(
        sql,
        new Date(deps.clock().getTime() - settings.retentionMs),
        HISTORY_CLEANUP_CHUNK,
      );
      cleanupDue = nextCleanupDue(Date.now(), deleted);
      if (deleted > 0) logger.info({ deleted }, "removed old published outbox rows");
    }
    return events.length;
  }

  async function run(): Promise<void> {
    let failures = 0;
    while (!stopped) {
      if (!leader) {
        leader = await becomeLeader();
        if (!leader) {
          await sleep(1_000);
          continue;
        }
        logger.info("outbox relay is the publisher");
      }
      try {
        const count = await round(leader);
        failures = 0;
        if (count < settings.batchSize) await sleep(settings.idlePollMs);
      } catch (error) {
        failures += 1;
        const delay = Math.min(RETRY_MAX_MS, 100 * 2 ** Math.min(failures, 6));
        // Kafka away: the outage log says so once; each round's failure is a detail.
        const kafkaAway = isKafkaUnavailable(error);
        if (kafkaAway) deps.kafkaOutages.failed("kafka", error);
        logger[kafkaAway ? "debug" : "warn"](
          { err: error, retryInMs: delay },
          "relay round failed; the rows stay unpublished and are retried",
        );
        if (producer) {
          await producer.disconnect().catch(() => undefined);
          producer = null;
        }
        // A dropped connection (PostgreSQL restarted or failed over) took the lock with it: connect
        // again at once. Other failures keep the connection for two more tries.
        if (leader && (failures % 3 === 0 || isDatabaseUnavailable(error))) {
          await leader.end().catch(() => undefined);
          leader = null;
        }
        await sleep(delay);
      }
    }
  }

  return {
    start(): void {
      loop = run();
    },
    get published(): number {
      return published;
    },
    /** Finishes the round in flight, flushes the producer and lets another relay take over. */
    async stop(): Promise<void> {
      stopped = true;
      await loop;
      await producer?.disconnect().catch(() => undefined);
      await leader?.end().catch(() => undefined);
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
