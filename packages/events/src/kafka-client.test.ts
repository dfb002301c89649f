import { logLevel } from "kafkajs";
import { describe, expect, it } from "vitest";
import { kafkaLogLevel } from "./kafka-client.ts";

const entry = (namespace: string, level: logLevel, message: string) => ({
  namespace,
  level,
  log: { timestamp: "2026-11-23T00:00:00.000Z", message },
});

describe("kafkaLogLevel", () => {
  it("writes a broker's error answer, which kafkajs may still retry, as a warning", () => {
    expect(
      kafkaLogLevel(entry("Connection", logLevel.ERROR, "Response GroupCoordinator(key: 10, version: 2)")),
    ).toBe("warn");
  });

  it("writes a topic creation answer at info: the caller of ensureTopics sees a real failure", () => {
    expect(
      kafkaLogLevel(entry("Connection", logLevel.ERROR, "Response CreateTopics(key: 19, version: 3)")),
    ).toBe("info");
  });

  it("keeps every other error an error", () => {
    expect(kafkaLogLevel(entry("Connection", logLevel.ERROR, "Connection error: read ECONNRESET"))).toBe(
      "error",
    );
    expect(kafkaLogLevel(entry("Producer", logLevel.ERROR, "Response Produce(key: 0, version: 7)"))).toBe(
      "error",
    );
    expect(kafkaLogLevel(entry("Consumer", logLevel.ERROR, "Crash: KafkaJSNumberOfRetriesExceeded"))).toBe(
      "error",
    );
  });

  it("writes kafkajs's note on the producers' bounded retries (a deliberate setting) at info", () => {
    expect(
      kafkaLogLevel(
        entry(
          "Producer",
          logLevel.WARN,
          "Limiting retries for the idempotent producer may invalidate EoS guarantees",
        ),
      ),
    ).toBe("info");
    expect(kafkaLogLevel(entry("Producer", logLevel.WARN, "Producer is disconnecting"))).toBe("warn");
  });

  it("maps the other levels as they are", () => {
    expect(kafkaLogLevel(entry("Connection", logLevel.WARN, "Response Metadata(key: 3, version: 6)"))).toBe(
      "warn",
    );
    expect(kafkaLogLevel(entry("Consumer", logLevel.INFO, "Starting"))).toBe("info");
    expect(kafkaLogLevel(entry("Consumer", logLevel.DEBUG, "Fetch"))).toBe("debug");
  });
});
