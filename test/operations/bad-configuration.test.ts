// Every service started with a bad variable refuses to start the way its logs read: one JSON line
// naming each variable and what is wrong with it, then exit status 1 (before: a stack trace).
import { startService } from "@promo/testing";
import { describe, expect, it } from "vitest";

const SERVICES = ["gateway", "reservation-worker", "code-jobs-worker", "order-consumer", "outbox-relay"];

describe("a service with a bad configuration", () => {
  it.each(SERVICES)("%s writes one JSON line naming the variables and exits with status 1", async (name) => {
    const service = startService(name, {
      DATABASE_URL: "mysql://127.0.0.1/promo",
      REDIS_URL: "redis://127.0.0.1:6379",
      KAFKA_BROKERS: "127.0.0.1:9092",
      LOG_LEVEL: "loud",
    });
    expect(await service.exited).toBe(1);
    const lines = service
      .output()
      .split("\n")
      .filter((line) => line.trim() !== "");
    expect(lines, service.output()).toHaveLength(1);
    const entry = JSON.parse(lines[0] ?? "");
    expect(entry).toMatchObject({ level: "fatal", service: name });
    expect(entry.problems).toEqual([
      expect.stringMatching(/^DATABASE_URL: /),
      expect.stringMatching(/^LOG_LEVEL: /),
    ]);
  });
});
