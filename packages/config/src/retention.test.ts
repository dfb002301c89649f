import { describe, expect, it } from "vitest";
import { OrderConsumerEnvSchema } from "./order-consumer.ts";
import { parseEnv } from "./parse-env.ts";
import { ReservationWorkerEnvSchema } from "./reservation-worker.ts";

const required = {
  DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/promo",
  REDIS_URL: "redis://127.0.0.1:6379",
  KAFKA_BROKERS: "127.0.0.1:9092",
};

describe("history retention settings", () => {
  it("keep a week by default, and 0 keeps the rows for good", () => {
    expect(parseEnv(ReservationWorkerEnvSchema, required).IDEMPOTENCY_RETENTION_HOURS).toBe(168);
    expect(parseEnv(OrderConsumerEnvSchema, required).PROCESSED_EVENT_RETENTION_HOURS).toBe(168);
    expect(
      parseEnv(ReservationWorkerEnvSchema, { ...required, IDEMPOTENCY_RETENTION_HOURS: "0" })
        .IDEMPOTENCY_RETENTION_HOURS,
    ).toBe(0);
    expect(
      parseEnv(OrderConsumerEnvSchema, { ...required, PROCESSED_EVENT_RETENTION_HOURS: "24" })
        .PROCESSED_EVENT_RETENTION_HOURS,
    ).toBe(24);
  });

  it("refuses a negative, fractional or non-numeric retention with the variable named", () => {
    for (const bad of ["-1", "1.5", "week"]) {
      expect(() =>
        parseEnv(ReservationWorkerEnvSchema, { ...required, IDEMPOTENCY_RETENTION_HOURS: bad }),
      ).toThrow(/IDEMPOTENCY_RETENTION_HOURS/);
      expect(() =>
        parseEnv(OrderConsumerEnvSchema, { ...required, PROCESSED_EVENT_RETENTION_HOURS: bad }),
      ).toThrow(/PROCESSED_EVENT_RETENTION_HOURS/);
    }
  });
});
