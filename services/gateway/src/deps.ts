import type { CodeJobPayload } from "@promo/contracts";
import type { Database } from "@promo/db";
import type { Logger } from "@promo/observability";
import type { ApiKeyRevocations, AttemptLimiter, RedisConnection, ReservationQueues } from "@promo/queue";
import type { Queue } from "bullmq";
import type { Context } from "hono";
import type { GatewayEnv } from "./env.ts";
import type { GatewayMetrics } from "./metrics.ts";
import type { ReservationDispatcher } from "./reservations/dispatcher.ts";

export type ReadinessCheck = { name: string; check: () => Promise<boolean> };

/** Everything the HTTP app needs, built by main.ts (or by a test). */
export type GatewayDeps = {
  database: Database;
  logger: Logger;
  /** Prometheus series, served at /metrics (here, or on METRICS_PORT). */
  metrics: GatewayMetrics;
  readiness: readonly ReadinessCheck[];
  clock: () => Date;
  /** The caller's address (for misuse limits and logs). */
  clientIp: (c: Context<GatewayEnv>) => string | null;
  /** Failed code attempts per account and client IP (docs/api.md "Misuse monitoring"). */
  guessLimiter: AttemptLimiter;
  reservations: {
    dispatcher: ReservationDispatcher;
    /** The partition queues, to tell a request still queued from one lost with Redis's data. */
    queues: Pick<ReservationQueues, "queuedAtOf">;
    /** How long after its batch was queued a lost request is answered RESERVATION_LOST. */
    lostAfterMs: number;
    redis: RedisConnection;
    prefix: string;
    partitionCount: number;
  };
  /** Revoked API keys, told to every gateway so that none keeps one in its key cache. */
  apiKeyRevocations: ApiKeyRevocations;
  /** Background code jobs (generation, import): queued here, run by the code jobs worker. */
  codeJobs: { enqueue(payload: CodeJobPayload): Promise<void> };
  /** Queues shown by the dashboard at /admin/queues. */
  dashboardQueues: readonly Queue[];
  settings: {
    bodyLimitBytes: number;
    /** Largest code import upload. */
    importMaxBytes: number;
    apiKeyCacheMs: number;
    /** Serve the /bench baselines (only for `npm run bench`). */
    benchRoutes: boolean;
    /** Serve GET /metrics on this app's port (false when METRICS_PORT gives it a port of its own). */
    metricsRoute: boolean;
    /** The slug of the store whose admin keys open the queue dashboard (it shows every store's queues). */
    dashboardStore: string;
  };
};
