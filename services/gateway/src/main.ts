// Composition root of the HTTP gateway: reads env, builds clients, serves, shuts down on SIGTERM.
import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import { getConnInfo } from "@hono/node-server/conninfo";
import { GatewayEnvSchema, parseServiceEnv } from "@promo/config";
import { createDatabase, ensureBootstrapKey, pingDatabase } from "@promo/db";
import { isKafkaReachable } from "@promo/events";
import {
  createLogger,
  createOutageLog,
  exitOnStopSignals,
  redactUrl,
  serveMetrics,
} from "@promo/observability";
import {
  createApiKeyRevocations,
  createAttemptLimiter,
  createCodeJobsQueue,
  createRedisConnection,
  watchRedisConnection,
} from "@promo/queue";
import { createApp } from "./app.ts";
import { answerClientErrorsAsJson, createGatewayServer } from "./client-errors.ts";
import { createGatewayMetrics } from "./metrics.ts";
import { resolveClientIp } from "./misuse/client-ip.ts";
import { createReservationPipeline } from "./reservations/pipeline.ts";

const env = parseServiceEnv(GatewayEnvSchema, "gateway");
const logger = createLogger({ service: "gateway", level: env.LOG_LEVEL });
const database = createDatabase({
  databaseUrl: env.DATABASE_URL,
  maxConnections: env.DATABASE_POOL_SIZE,
  applicationName: "promo-gateway",
  onPoolError: (error) => logger.warn({ err: error }, "postgres pool error"),
});
const redisTarget = { url: env.REDIS_URL, cluster: env.REDIS_CLUSTER };
const redis = createRedisConnection(redisTarget, "producer", "gateway");
const redisOutages = createOutageLog({ logger, dependency: "redis" });
watchRedisConnection(redis, redisOutages, "gateway", (error) =>
  logger.warn({ err: error.message }, "redis connection error"),
);

if (env.BOOTSTRAP_API_KEY) {
  const { storeId } = await ensureBootstrapKey(database.prisma, env.BOOTSTRAP_API_KEY);
  logger.info({ storeId }, "bootstrap key ensured for store default");
}

const guessLimiter = createAttemptLimiter({
  redis,
  prefix: env.QUEUE_PREFIX,
  limits: {
    perAccount: env.GUESS_LIMIT_PER_ACCOUNT,
    perIp: env.GUESS_LIMIT_PER_IP,
    windowMs: env.GUESS_WINDOW_SECONDS * 1000,
  },
});
const pipeline = createReservationPipeline({
  database,
  redis,
  subscriberConnection: createRedisConnection(redisTarget, "blocking", "gateway-results"),
  prefix: env.QUEUE_PREFIX,
  batchWindowMs: env.BATCH_WINDOW_MS,
  guessLimiter,
  logger,
  redisOutages,
});
const { dispatcher, queues } = pipeline;
pipeline.ready.then(
  () => logger.info("listening for reservation decisions"),
  (error: unknown) => logger.error({ err: error }, "reservation decision listener failed"),
);
const codeJobs = createCodeJobsQueue({ connection: redis, prefix: env.QUEUE_PREFIX });
const keyRevocationsConnection = createRedisConnection(redisTarget, "blocking", "gateway-key-revocations");
watchRedisConnection(keyRevocationsConnection, redisOutages, "key revocations subscriber", (error) =>
  logger.warn({ err: error.message }, "key revocations connection error"),
);
const apiKeyRevocations = createApiKeyRevocations({
  publisher: redis,
  subscriber: keyRevocationsConnection,
  prefix: env.QUEUE_PREFIX,
  onError: (error) => logger.warn({ err: error.message }, "key revocations error"),
});
apiKeyRevocations.ready.catch((error: unknown) =>
  logger.error({ err: error }, "key revocation listener failed: revoked keys end with API_KEY_CACHE_MS"),
);

const dashboardQueues = [
  ...Array.from({ length: env.RESERVATION_PARTITIONS }, (_, partition) => queues.queueFor(partition)),
  codeJobs.queue,
];
const metrics = createGatewayMetrics({ queues: () => dashboardQueues });
const app = createApp({
  database,
  logger,
  metrics,
  clock: () => new Date(),
  clientIp: (c) =>
    resolveClientIp(c, {
      trustProxy: env.TRUST_PROXY,
      peerAddress: (peer) => getConnInfo(peer).remote.address ?? null,
    }),
  guessLimiter,
  reservations: {
    dispatcher,
    queues,
    lostAfterMs: env.RESERVATION_LOST_AFTER_MS,
    redis,
    prefix: env.QUEUE_PREFIX,
    partitionCount: env.RESERVATION_PARTITIONS,
  },
  codeJobs,
  apiKeyRevocations,
  dashboardQueues,
  readiness: [
    { name: "postgres", check: () => pingDatabase(database.pool) },
    { name: "redis", check: async () => (await redis.ping().catch(() => "")) === "PONG" },
    { name: "kafka", check: () => isKafkaReachable(env.KAFKA_BROKERS, 2_000) },
  ],
  settings: {
    bodyLimitBytes: env.BODY_LIMIT_BYTES,
    importMaxBytes: env.IMPORT_MAX_BYTES,
    apiKeyCacheMs: env.API_KEY_CACHE_MS,
    benchRoutes: env.ENABLE_BENCH_ROUTES,
    metricsRoute: env.METRICS_PORT === 0,
    dashboardStore: env.DASHBOARD_STORE,
  },
});
const metricsServer =
  env.METRICS_PORT > 0 ? await serveMetrics(metrics.registry, { port: env.METRICS_PORT, logger }) : null;

const server = serve(
  {
    fetch: app.fetch,
    port: env.PORT,
    createServer: createGatewayServer,
  },
  (info) => {
    logger.info(
      {
        port: info.port,
        database: redactUrl(env.DATABASE_URL),
        redis: redactUrl(env.REDIS_URL),
        kafka: env.KAFKA_BROKERS,
      },
      "gateway listening",
    );
  },
);
answerClientErrorsAsJson(server as Server);

exitOnStopSignals(logger, async (signal) => {
  logger.info({ signal }, "gateway stopping: no new connections, answering in-flight requests");
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  await dispatcher.flushAll();
  await closed;
  await Promise.allSettled([
    pipeline.close(),
    codeJobs.close(),
    apiKeyRevocations.close(),
    metricsServer?.close(),
  ]);
  await Promise.allSettled([database.close(), redis.quit()]);
  logger.info("gateway stopped");
});
