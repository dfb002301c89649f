import { type Database, poolSql, readPartitionCursor } from "@promo/db";
import type { Logger } from "@promo/observability";
import {
  type AttemptLimiter,
  createReservationQueues,
  reservationQueueName,
  subscribeReservationResults,
} from "@promo/queue";
import type { Redis } from "ioredis";
import { createReservationDispatcher } from "./dispatcher.ts";

/**
 * The gateway's side of the reservation queue, wired once for main.ts and the test gateway:
 * partition queues (producer), the dispatcher that batches requests into jobs (checking the guess
 * limit per batch), and the listener that hands decisions back to the waiting requests.
 */
export function createReservationPipeline(options: {
  database: Database;
  redis: Redis;
  /** A new connection for each partition's blocking event reader. */
  blockingConnection: () => Redis;
  prefix: string;
  partitionCount: number;
  batchWindowMs: number;
  guessLimiter: AttemptLimiter;
  logger: Logger;
}) {
  const queues = createReservationQueues({
    connection: options.redis,
    prefix: options.prefix,
    readJobIdFloor: (partition) =>
      readPartitionCursor(poolSql(options.database.pool), reservationQueueName(partition), partition),
  });
  const dispatcher = createReservationDispatcher({
    enqueue: (partition, batch) => queues.enqueue(partition, batch),
    admit: (commands) => options.guessLimiter.blockedForEach(commands),
    batchWindowMs: options.batchWindowMs,
    logger: options.logger,
  });
  const results = subscribeReservationResults({
    connectionFactory: options.blockingConnection,
    prefix: options.prefix,
    partitionCount: options.partitionCount,
    onResult: (result) => dispatcher.deliver(result),
    onError: (error) => options.logger.warn({ err: error.message }, "reservation results error"),
  });
  dispatcher.start();
  return {
    queues,
    dispatcher,
    /** Resolves once every partition's listener is connected. */
    ready: results.ready,
    async close(): Promise<void> {
      dispatcher.stop();
      await Promise.allSettled([results.close(), queues.close()]);
    },
  };
}
