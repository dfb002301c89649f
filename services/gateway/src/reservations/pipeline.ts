import { randomUUID } from "node:crypto";
import { type Database, poolSql, readPartitionCursor } from "@promo/db";
import type { Logger, OutageLog } from "@promo/observability";
import {
  type AttemptLimiter,
  createReservationQueues,
  type RedisConnection,
  reservationQueueName,
  reservationResultsChannel,
  subscribeReservationResults,
  watchRedisConnection,
} from "@promo/queue";
import { createReservationGuessGate } from "../misuse/reservation-guess-gate.ts";
import { createReservationDispatcher } from "./dispatcher.ts";

/**
 * The gateway's side of the reservation queue, wired once for main.ts and the test gateway:
 * partition queues (producer), the dispatcher that batches requests into jobs (checking the guess
 * limit per batch), and the listener that hands decisions back to the waiting requests: each job
 * names this gateway's own results channel, and the worker publishes the batch result there.
 */
export function createReservationPipeline(options: {
  database: Database;
  redis: RedisConnection;
  /** A dedicated connection for the results subscription. */
  subscriberConnection: RedisConnection;
  prefix: string;
  batchWindowMs: number;
  guessLimiter: AttemptLimiter;
  logger: Logger;
  /** The process's Redis outage log, which the subscriber connection reports to. */
  redisOutages: OutageLog;
}) {
  const queues = createReservationQueues({
    connection: options.redis,
    prefix: options.prefix,
    readJobIdFloor: (partition) =>
      readPartitionCursor(poolSql(options.database.pool), reservationQueueName(partition), partition),
  });
  const channel = reservationResultsChannel(options.prefix, randomUUID());
  const dispatcher = createReservationDispatcher({
    enqueue: (partition, batch) => queues.enqueue(partition, { ...batch, replyTo: channel }),
    guessGate: createReservationGuessGate({ limiter: options.guessLimiter, logger: options.logger }),
    batchWindowMs: options.batchWindowMs,
    logger: options.logger,
  });
  const results = subscribeReservationResults({
    connection: options.subscriberConnection,
    channel,
    onResult: (result) => dispatcher.deliver(result),
    onError: (error) => options.logger.warn({ err: error.message }, "reservation results error"),
  });
  watchRedisConnection(options.subscriberConnection, options.redisOutages, "results subscriber", (error) =>
    options.logger.warn({ err: error.message }, "reservation results connection error"),
  );
  dispatcher.start();
  return {
    queues,
    dispatcher,
    /** Resolves once the results subscription is confirmed. */
    ready: results.ready,
    async close(): Promise<void> {
      dispatcher.stop();
      await Promise.allSettled([results.close(), queues.close()]);
    },
  };
}
