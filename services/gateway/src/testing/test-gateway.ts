import { createLogger, createOutageLog } from "@promo/observability";
import {
  type AttemptLimits,
  createApiKeyRevocations,
  createAttemptLimiter,
  createCodeJobsQueue,
  createRedisConnection,
} from "@promo/queue";
import type { TestContext } from "@promo/testing";
import { createApp } from "../app.ts";
import type { GatewayDeps, ReadinessCheck } from "../deps.ts";
import { createGatewayMetrics } from "../metrics.ts";
import { createReservationPipeline } from "../reservations/pipeline.ts";

export const TEST_PARTITIONS = 4;

/** The gateway app wired to a test context's database and queue prefix, called in-process. */
export async function createTestGateway(
  ctx: TestContext,
  overrides: {
    readiness?: readonly ReadinessCheck[];
    bodyLimitBytes?: number;
    importMaxBytes?: number;
    clock?: () => Date;
    guessLimits?: AttemptLimits;
    /** How long verified keys are trusted from memory; 0 (every request checks PostgreSQL) unless set. */
    apiKeyCacheMs?: number;
    /** The slug of the store whose admin keys open the queue dashboard; `default` unless set. */
    dashboardStore?: string;
  } = {},
) {
  const logger = createLogger({ service: "gateway-test", level: "silent" });
  const redis = createRedisConnection({ url: ctx.env.REDIS_URL, cluster: false }, "producer", "gateway-test");
  const guessLimiter = createAttemptLimiter({
    redis,
    prefix: ctx.queuePrefix,
    limits: overrides.guessLimits ?? { perAccount: 10, perIp: 50, windowMs: 60_000 },
  });
  const pipeline = createReservationPipeline({
    database: ctx.db.database,
    redis,
    subscriberConnection: createRedisConnection(
      { url: ctx.env.REDIS_URL, cluster: false },
      "blocking",
      "gateway-test-results",
    ),
    prefix: ctx.queuePrefix,
    batchWindowMs: 2,
    guessLimiter,
    logger,
    redisOutages: createOutageLog({ logger, dependency: "redis" }),
  });
  await pipeline.ready;
  const { dispatcher, queues } = pipeline;
  const codeJobs = createCodeJobsQueue({ connection: redis, prefix: ctx.queuePrefix });
  const apiKeyRevocations = createApiKeyRevocations({
    publisher: redis,
    subscriber: createRedisConnection(
      { url: ctx.env.REDIS_URL, cluster: false },
      "blocking",
      "gateway-test-keys",
    ),
    prefix: ctx.queuePrefix,
    onError: (error) => logger.warn({ err: error.message }, "key revocations error"),
  });
  await apiKeyRevocations.ready;
  const dashboardQueues = [
    ...Array.from({ length: TEST_PARTITIONS }, (_, partition) => queues.queueFor(partition)),
    codeJobs.queue,
  ];
  const deps: GatewayDeps = {
    database: ctx.db.database,
    logger,
    metrics: createGatewayMetrics({ queues: () => dashboardQueues }),
    clock: overrides.clock ?? (() => new Date()),
    clientIp: () => "127.0.0.1",
    guessLimiter,
    readiness: overrides.readiness ?? [],
    reservations: {
      dispatcher,
      queues,
      lostAfterMs: 60_000,
      redis,
      prefix: ctx.queuePrefix,
      partitionCount: TEST_PARTITIONS,
    },
    codeJobs,
    apiKeyRevocations,
    dashboardQueues,
    settings: {
      bodyLimitBytes: overrides.bodyLimitBytes ?? 1_048_576,
      importMaxBytes: overrides.importMaxBytes ?? 10_485_760,
      apiKeyCacheMs: overrides.apiKeyCacheMs ?? 0,
      benchRoutes: false,
      metricsRoute: true,
      dashboardStore: overrides.dashboardStore ?? "default",
    },
  };
  const app = createApp(deps);
  ctx.onCleanup(async () => {
    await pipeline.close();
    await codeJobs.close();
    await apiKeyRevocations.close();
    redis.disconnect();
  });
  return { app, deps, codeJobs };
}
