import { z } from "zod";
import {
  BooleanFlagSchema,
  DatabaseUrlSchema,
  KafkaBrokersSchema,
  LogLevelSchema,
  MetricsPortSchema,
  PortSchema,
  PositiveIntSchema,
  RedisUrlSchema,
} from "./common.ts";
import { ReservationQueueEnvSchema } from "./reservation-worker.ts";

export const GatewayEnvSchema = ReservationQueueEnvSchema.extend({
  PORT: PortSchema.default(3000),
  DATABASE_URL: DatabaseUrlSchema,
  DATABASE_POOL_SIZE: PositiveIntSchema.default(10),
  REDIS_URL: RedisUrlSchema,
  /** REDIS_URL is one node of a Redis Cluster (the client finds the others); false: a single Redis. */
  REDIS_CLUSTER: BooleanFlagSchema,
  KAFKA_BROKERS: KafkaBrokersSchema,
  /** When set: a store `default` exists with this key and every scope. */
  BOOTSTRAP_API_KEY: z.string().min(16, "must be at least 16 characters").optional(),
  /**
   * The store (its slug) whose admin keys open the queue dashboard at /admin/queues: the queues carry
   * every store's requests, so it is the operator's. Other stores' admin keys get 404 there.
   */
  DASHBOARD_STORE: z.string().trim().min(1).max(100).default("default"),
  /** Largest JSON body accepted (413 above it). */
  BODY_LIMIT_BYTES: PositiveIntSchema.default(1_048_576),
  /** Largest code import upload (.xlsx / .csv; 413 above it). */
  IMPORT_MAX_BYTES: PositiveIntSchema.default(10_485_760),
  /** How long a verified API key is trusted from memory before it is looked up again. */
  API_KEY_CACHE_MS: z.coerce.number().int().min(0).default(30_000),
  /** How long the gateway gathers requests for one partition into one queue job. */
  BATCH_WINDOW_MS: z.coerce.number().min(0).max(50).default(2),
  /**
   * How long after its batch was queued a request that the queue lost (Redis lost its data) and
   * PostgreSQL never recorded is answered RESERVATION_LOST; until then it reads PENDING, since a
   * worker may still hold the batch and commit it.
   */
  RESERVATION_LOST_AFTER_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(60_000),
  /** Failed code attempts (docs/api.md "Misuse monitoring") one account may make per window; 0 turns the limit off. */
  GUESS_LIMIT_PER_ACCOUNT: z.coerce.number().int().min(0).default(10),
  /**
   * Failed code attempts one client IP may make per window; 0 turns the limit off. Unset: 50 with
   * TRUST_PROXY, else off (without it every shopper behind one checkout server shares one address).
   */
  GUESS_LIMIT_PER_IP: z.coerce.number().int().min(0).optional(),
  /** Length of the guess-limit window, counted from the first failed attempt. */
  GUESS_WINDOW_SECONDS: PositiveIntSchema.max(86_400).default(60),
  /** Take the client IP from the left-most X-Forwarded-For entry (only behind a proxy or checkout service that sets it). */
  TRUST_PROXY: BooleanFlagSchema,
  /** Serve the /bench baselines used by `npm run bench` (never in production). */
  ENABLE_BENCH_ROUTES: BooleanFlagSchema,
  LOG_LEVEL: LogLevelSchema,
  /**
   * A port of its own for GET /metrics, which then leaves the API port (404 there). 0: /metrics is
   * served on PORT.
   */
  METRICS_PORT: MetricsPortSchema,
}).transform((env) => ({ ...env, GUESS_LIMIT_PER_IP: env.GUESS_LIMIT_PER_IP ?? (env.TRUST_PROXY ? 50 : 0) }));
export type GatewayEnv = z.output<typeof GatewayEnvSchema>;
