import { z } from "zod";

/** Defaults point at the services a developer runs locally (`npm run services`). */
export const DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/promo";
export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";
export const DEFAULT_KAFKA_BROKERS = "127.0.0.1:9092";

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

export const DatabaseUrlSchema = z
  .string()
  .default(DEFAULT_DATABASE_URL)
  .pipe(z.url({ protocol: /^postgres(ql)?$/, error: "must be a postgresql:// URL" }));

export const RedisUrlSchema = z
  .string()
  .default(DEFAULT_REDIS_URL)
  .pipe(z.url({ protocol: /^rediss?$/, error: "must be a redis:// URL" }));

/** Comma-separated host:port list. */
export const KafkaBrokersSchema = z
  .string()
  .default(DEFAULT_KAFKA_BROKERS)
  .transform((value) =>
    value
      .split(",")
      .map((broker) => broker.trim())
      .filter(Boolean),
  )
  .pipe(
    z
      .array(z.string().regex(/^[^\s:]+:\d{1,5}$/, "each broker must be host:port"))
      .min(1, "at least one broker"),
  );

export const LogLevelSchema = z.enum(LOG_LEVELS).default("info");

export const PortSchema = z.coerce.number().int().min(0).max(65_535);

/** Port of a worker process's Prometheus endpoint (GET /metrics); 0 turns it off. */
export const MetricsPortSchema = PortSchema.default(0);

export const PositiveIntSchema = z.coerce.number().int().positive();

/** Hours a history table keeps its rows (up to ten years); 0 keeps them for good. */
export const RetentionHoursSchema = z.coerce
  .number()
  .int()
  .min(0)
  .max(24 * 365 * 10);

export const BooleanFlagSchema = z
  .enum(["true", "false", "1", "0", ""])
  .default("false")
  .transform((value) => value === "true" || value === "1");
