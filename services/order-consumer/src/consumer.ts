import type { OrderEvent } from "@promo/contracts";
import {
  createHistoryCleanup,
  type Database,
  isDatabaseUnavailable,
  isTransactionConflict,
  poolSql,
} from "@promo/db";
import { idempotentProducer, subscribedRoundRobin, type TopicMap } from "@promo/events";
import { createOutageLog, type Logger, type OutageLog, type Readiness } from "@promo/observability";
import { type Consumer, type Kafka, type KafkaMessage, PartitionAssigners, type Producer } from "kafkajs";
import { applyOrderEvents, type OrderEffect } from "./handlers/apply-order-events.ts";
import { type DeadLetter, sendDeadLetters } from "./handlers/dead-letters.ts";
import { parseOrderMessage } from "./handlers/parse-message.ts";
import { type ConsumerPhase, consumerReadiness } from "./readiness.ts";

export type OrderConsumerDeps = {
  database: Database;
  kafka: Kafka;
  topics: TopicMap;
  groupId: string;
  /** Partitions handled at once. */
  concurrency: number;
  /** Processed event ids older than this are removed; 0 keeps them. */
  processedEventRetentionMs: number;
  logger: Logger;
  /** The process's Kafka outage log: back once the consumer has joined its group or heartbeated. */
  kafkaOutages: OutageLog;
  clock: () => Date;
};

const CLEANUP_POLL_MS = 1_000;

/**
 * The dead letter of an event the batch did not apply. One naming something its store does not have
 * is not recorded as processed, so the letter replayed once it exists (a cancel after its
 * order.placed) applies.
 */
const NOT_APPLIED_LETTERS: Partial<Record<OrderEffect["kind"], Pick<DeadLetter, "reason" | "error">>> = {
  "reused-event-id": {
    reason: "event_id_reused",
    error:
      "another event of this store was applied under this eventId: this one was not applied (send it with its own id)",
  },
  "unknown-reservation": { reason: "unknown_reservation", error: "no such reservation in the store" },
  "unknown-store": {
    reason: "unknown_store",
    error: "no such store: storeId is the store's id, as GET /v1/me answers it",
  },
  "unknown-order": {
    reason: "unknown_order",
    error:
      "no order with this number was confirmed in the store, so nothing was cancelled: replay this letter once its order.placed is applied",
  },
};
/** Times a batch is applied again at once after PostgreSQL ended it to break a conflict. */
const CONFLICT_RETRIES = 5;

/**
 * Consumes `orders` in batches: parses every message, applies the good ones in one PostgreSQL
 * transaction, moves the rest (with the reason and the original bytes) to the dead-letter topic,
 * then commits the offsets. A failure (database or Kafka away) leaves the offsets where they were:
 * the batch is consumed again, and the processed-event ids keep its effects single. Ids older than
 * the retention are removed in the background, a chunk at a time.
 */
export function createOrderConsumer(deps: OrderConsumerDeps) {
  const { logger } = deps;
  let consumer: Consumer | null = null;
  let producer: Producer | null = null;
  let handled = 0;
  /** For readiness: where the consumer is, and when the group coordinator last answered it. */
  let phase: ConsumerPhase = "starting";
  let lastContactAt: number | null = null;
  /** A batch in hand, or the cleanup, last found PostgreSQL away. */
  let postgresAway = false;
  const contact = () => {
    lastContactAt = deps.clock().getTime();
  };
  const processedCleanup = createHistoryCleanup({
    history: "processedEvents",
    retentionMs: deps.processedEventRetentionMs,
    clock: deps.clock,
  });
  let cleanupTimer: NodeJS.Timeout | null = null;
  let cleaning: Promise<void> | null = null;
  const postgresOutages = createOutageLog({ logger, dependency: "postgresql" });

  /**
   * Applies a batch's events, waiting while PostgreSQL is away: the batch stays in hand and the
   * consumer in its group (heartbeats go on), instead of kafkajs retrying and then restarting the
   * consumer, an error line each time. Null when the consumer stops or loses the partition meanwhile:
   * the offsets stay where they were and the batch is read again.
   */
  async function applyWhileReachable(
    events: readonly OrderEvent[],
    batch: { heartbeat(): Promise<void>; isRunning(): boolean; isStale(): boolean },
  ): Promise<Awaited<ReturnType<typeof applyOrderEvents>> | null> {
    let conflicts = 0;
    for (let attempt = 0; ; attempt += 1) {
      try {
        const effects = await applyOrderEvents(deps.database, events, deps.clock());
        postgresAway = false;
        postgresOutages.recovered("orders");
        return effects;
      } catch (error) {
        // Rolled back to break a conflict with another batch (a deadlock: two batches whose events
        // touch the same orders or codes in opposite orders): nothing took effect, so it is applied
        // again at once, not handed to kafkajs as a failure. Locking everything a batch touches up
        // front would prevent it, but cost every batch more than the rare conflict does.
        if (isTransactionConflict(error) && conflicts < CONFLICT_RETRIES) {
          conflicts += 1;
          logger.info(
            { err: error, attempt: conflicts },
            "order batch conflicted with another; applying it again",
          );
          continue;
        }
        if (!isDatabaseUnavailable(error)) throw error;
        postgresAway = true;
        postgresOutages.failed("orders", error);
        await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 250 * 2 ** attempt)));
        // A consumer stopping (or a batch a rebalance took away) gives the batch up uncommitted, before
        // a heartbeat that would race the group leave.
        if (!batch.isRunning() || batch.isStale()) return null;
        await batch.heartbeat();
      }
    }
  }

  /** Every second, removes a chunk of old processed event ids when a cleanup is due. */
  function scheduleCleanup(): void {
    cleanupTimer = setTimeout(() => {
      cleaning = processedCleanup
        .runIfDue(poolSql(deps.database.pool))
        .then((removed) => {
          postgresAway = false;
          postgresOutages.recovered("cleanup");
          if (removed > 0) logger.info({ removed }, "removed old processed event ids");
        })
        .catch((error: unknown) => {
          if (isDatabaseUnavailable(error)) {
            postgresAway = true;
            postgresOutages.failed("cleanup", error);
          } else logger.warn({ err: error }, "processed event cleanup failed");
        })
        .finally(() => {
          cleaning = null;
          if (cleanupTimer) scheduleCleanup();
        });
    }, CLEANUP_POLL_MS);
  }

  async function deadLetter(partition: number, letters: readonly DeadLetter[]): Promise<void> {
    const sender = producer;
    if (letters.length === 0 || !sender) return;
    const withoutOriginal = await sendDeadLetters(
      async (messages) => {
        await sender.send({ topic: deps.topics.ordersDeadLetter, acks: -1, messages });
      },
      letters,
      { topic: deps.topics.orders, partition, failedAt: deps.clock() },
    );
    for (const letter of letters) {
      logger.warn(
        { offset: letter.message.offset, reason: letter.reason, error: letter.error },
        "order message to DLQ",
      );
    }
    for (const letter of withoutOriginal) {
      logger.warn(
        { offset: letter.message.offset, partition, bytes: letter.message.value?.length ?? 0 },
        "order message too large for the DLQ with its headers: sent without its value",
      );
    }
  }

  let restartTimer: NodeJS.Timeout | null = null;
  /** Crashes kafkajs would not restart from, since a batch was last handled. */
  let crashes = 0;
  let stopped = false;

  /**
   * kafkajs restarts a crashed consumer only after an error it calls retriable; after any other
   * (KafkaJSNotImplemented, as a batch in a compression it could not read gave before
   * registerCompressionCodecs) the consumer stays stopped in a running process, and every partition
   * with it. Started again here, after 1 s, 2 s, 4 s … up to a minute, an error line each time.
   */
  function restartAfterCrash(error: unknown): void {
    if (stopped || restartTimer) return;
    phase = "restarting";
    const delayMs = Math.min(60_000, 1_000 * 2 ** crashes);
    crashes += 1;
    logger.error(
      { err: error, restartInMs: delayMs },
      "order consumer stopped by an error kafkajs does not restart from; starting it again",
    );
    restartTimer = setTimeout(() => {
      restartTimer = null;
      const crashed = consumer;
      consumer = null;
      void (async () => {
        await crashed?.disconnect().catch(() => undefined);
        if (!stopped) await runConsumer();
      })().catch(restartAfterCrash);
    }, delayMs);
  }

  async function runConsumer(): Promise<void> {
    const created = deps.kafka.consumer({
      groupId: deps.groupId,
      // Members of one group name may read different orders topics (see subscribedRoundRobin).
      partitionAssigners: [subscribedRoundRobin, PartitionAssigners.roundRobin],
      allowAutoTopicCreation: false,
      retry: {
        retries: 10,
        initialRetryTime: 300,
        maxRetryTime: 10_000,
        restartOnFailure: async () => true,
      },
    });
    // Joined, or a heartbeat answered: the group coordinator is reachable (a heartbeat also ends a
    // brief outage that needed no rejoin).
    const reachable = () => {
      deps.kafkaOutages.recovered("kafka");
      contact();
    };
    created.on(created.events.GROUP_JOIN, () => {
      reachable();
      if (!stopped) phase = "consuming";
    });
    created.on(created.events.HEARTBEAT, reachable);
    created.on(created.events.CRASH, ({ payload }) => {
      if (payload.restart) {
        if (!stopped) phase = "joining";
      } else restartAfterCrash(payload.error);
    });
    consumer = created;
    phase = "joining";
    await created.connect();
    await created.subscribe({ topic: deps.topics.orders, fromBeginning: true });
    await created.run({
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: deps.concurrency,
      autoCommitInterval: 1_000,
      eachBatch: async ({
        batch,
        resolveOffset,
        heartbeat,
        commitOffsetsIfNecessary,
        isRunning,
        isStale,
      }) => {
        if (!isRunning() || isStale()) return;
        const letters: DeadLetter[] = [];
        const events: Array<{ message: KafkaMessage; event: OrderEvent }> = [];
        for (const message of batch.messages) {
          const parsed = parseOrderMessage(message.value);
          if (parsed.kind === "dead") letters.push({ message, reason: parsed.reason, error: parsed.error });
          else events.push({ message, event: parsed.event });
        }
        const effects = await applyWhileReachable(
          events.map(({ event }) => event),
          { heartbeat, isRunning, isStale },
        );
        if (effects === null) return;
        for (const effect of effects) {
          const letter = NOT_APPLIED_LETTERS[effect.kind];
          const entry = "index" in effect ? events[effect.index] : undefined;
          if (letter && entry) letters.push({ message: entry.message, ...letter });
        }
        // In the order the partition holds them, whichever step refused them, so a letter's key
        // keeps its events' order in orders.dlq (a replay applies them in it).
        letters.sort((a, b) => compareOffsets(a.message.offset, b.message.offset));
        await deadLetter(batch.partition, letters);
        const last = batch.messages.at(-1);
        if (last) resolveOffset(last.offset);
        await commitOffsetsIfNecessary();
        await heartbeat();
        handled += batch.messages.length;
        crashes = 0;
        contact();
      },
    });
  }

  return {
    async start(): Promise<void> {
      producer = idempotentProducer(deps.kafka);
      await producer.connect();
      await runConsumer();
      scheduleCleanup();
    },
    get handled(): number {
      return handled;
    },
    /** Whether order events reach this consumer now (GET /readyz on the metrics port). */
    readiness(): Readiness {
      return consumerReadiness({ phase, lastContactAt, postgresAway }, deps.clock().getTime());
    },
    async stop(): Promise<void> {
      stopped = true;
      phase = "stopping";
      if (restartTimer) clearTimeout(restartTimer);
      restartTimer = null;
      if (cleanupTimer) clearTimeout(cleanupTimer);
      cleanupTimer = null;
      await cleaning;
      await consumer?.disconnect().catch(() => undefined);
      await producer?.disconnect().catch(() => undefined);
    },
  };
}

/** Kafka offsets (decimal strings of 64-bit numbers) in their order. */
function compareOffsets(a: string, b: string): number {
  const difference = BigInt(a) - BigInt(b);
  return difference < 0n ? -1 : difference > 0n ? 1 : 0;
}
