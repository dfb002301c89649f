import { logLevel } from "kafkajs";
import { describe, expect, it } from "vitest";
import { isKafkaConnectionFailure, isKafkaUnavailable, kafkaLogLevel } from "./kafka-client.ts";

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

  it("writes a consumer's restart, which follows the crash logged before it, at info", () => {
    expect(kafkaLogLevel(entry("Consumer", logLevel.ERROR, "Restarting the consumer in 300ms"))).toBe("info");
  });

  it("maps the other levels as they are", () => {
    expect(kafkaLogLevel(entry("Connection", logLevel.WARN, "Response Metadata(key: 3, version: 6)"))).toBe(
      "warn",
    );
    expect(kafkaLogLevel(entry("Consumer", logLevel.INFO, "Starting"))).toBe("info");
    expect(kafkaLogLevel(entry("Consumer", logLevel.DEBUG, "Fetch"))).toBe("debug");
  });
});

describe("isKafkaConnectionFailure", () => {
  it("knows each attempt to reach a broker failing, as kafkajs logs it while the broker is away", () => {
    const failures = [
      entry("Connection", logLevel.ERROR, "Connection error: connect ECONNREFUSED 127.0.0.1:9092"),
      entry("Connection", logLevel.ERROR, "Connection timeout"),
      entry(
        "BrokerPool",
        logLevel.ERROR,
        "Failed to connect to seed broker, trying another broker from the list: Connection error: connect ECONNREFUSED 127.0.0.1:9092",
      ),
      entry(
        "Consumer",
        logLevel.ERROR,
        "Crash: KafkaJSNonRetriableError: Connection error: connect ECONNREFUSED 127.0.0.1:9092",
      ),
      entry("Consumer", logLevel.ERROR, "Crash: KafkaJSConnectionClosedError: Closed connection"),
    ];
    expect(failures.filter((failure) => !isKafkaConnectionFailure(failure))).toEqual([]);
  });

  it("leaves every other line to the log: a broker's answers, other crashes, a restart", () => {
    const others = [
      entry("Connection", logLevel.ERROR, "Response Produce(key: 0, version: 7)"),
      entry("Consumer", logLevel.ERROR, "Crash: KafkaJSNumberOfRetriesExceeded: eachBatch failed"),
      entry("Consumer", logLevel.ERROR, "Restarting the consumer in 300ms"),
      entry("Producer", logLevel.ERROR, "Failed to send messages: This server is not the leader"),
    ];
    expect(others.filter(isKafkaConnectionFailure)).toEqual([]);
  });
});

describe("isKafkaUnavailable", () => {
  const named = (name: string, cause?: unknown) => Object.assign(new Error(name), { name, cause });

  it("knows a broker that could not be reached, however deep in the causes", () => {
    expect(isKafkaUnavailable(named("KafkaJSConnectionError"))).toBe(true);
    expect(
      isKafkaUnavailable(named("KafkaJSNumberOfRetriesExceeded", named("KafkaJSConnectionClosedError"))),
    ).toBe(true);
    expect(
      isKafkaUnavailable(named("KafkaJSNonRetriableError", named("KafkaJSNoBrokerAvailableError"))),
    ).toBe(true);
  });

  it("is false for other failures and for values that are not errors", () => {
    expect(isKafkaUnavailable(named("KafkaJSProtocolError"))).toBe(false);
    expect(isKafkaUnavailable(new Error("boom"))).toBe(false);
    expect(isKafkaUnavailable(null)).toBe(false);
    const loop = named("KafkaJSError");
    loop.cause = loop;
    expect(isKafkaUnavailable(loop)).toBe(false);
  });
});
