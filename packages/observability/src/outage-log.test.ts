import { describe, expect, it } from "vitest";
import { createOutageLog } from "./outage-log.ts";

function recordingLogger() {
  const lines: { level: "warn" | "info" | "debug"; fields: Record<string, unknown>; msg: string }[] = [];
  const at =
    (level: "warn" | "info" | "debug") =>
    (fields: Record<string, unknown>, msg: string): void => {
      lines.push({ level, fields, msg });
    };
  return { lines, logger: { warn: at("warn"), info: at("info"), debug: at("debug") } as never };
}

function setUp(remindEveryMs = 60_000) {
  let clock = 0;
  const { lines, logger } = recordingLogger();
  const outages = createOutageLog({ logger, dependency: "redis", remindEveryMs, now: () => clock });
  return {
    lines,
    outages,
    advance: (ms: number) => {
      clock += ms;
    },
    levels: () => lines.map((line) => line.level),
  };
}

const refused = new Error("connect ECONNREFUSED 127.0.0.1:6379");

describe("createOutageLog", () => {
  it("warns once when a connection fails, keeps the retries at debug and says once when it is back", () => {
    const { outages, advance, lines, levels } = setUp();
    for (let attempt = 0; attempt < 30; attempt += 1) {
      outages.failed("control", refused);
      advance(400);
    }
    outages.recovered("control");
    expect(levels()).toEqual(["warn", ...Array(29).fill("debug"), "info"]);
    expect(lines[0]?.fields).toMatchObject({ dependency: "redis", source: "control", err: refused.message });
    expect(lines.at(-1)).toMatchObject({
      msg: "redis reachable again",
      fields: { downForMs: 12_000, failedAttempts: 30 },
    });
  });

  it("treats the process's connections as one outage: back when the last one is", () => {
    const { outages, levels } = setUp();
    outages.failed("producer", refused);
    outages.failed("subscriber", refused);
    outages.failed("producer", refused);
    outages.recovered("producer");
    expect(levels()).toEqual(["warn", "debug", "debug"]);
    outages.recovered("subscriber");
    expect(levels()).toEqual(["warn", "debug", "debug", "info"]);
  });

  it("reminds at warn while the outage lasts", () => {
    const { outages, advance, lines } = setUp(10_000);
    for (let second = 0; second <= 25; second += 1) {
      outages.failed("control", refused);
      advance(1_000);
    }
    const warnings = lines.filter((line) => line.level === "warn");
    expect(warnings.map((line) => line.fields.downForMs ?? 0)).toEqual([0, 10_000, 20_000]);
    expect(warnings[2]).toMatchObject({ msg: "redis still unreachable", fields: { failedAttempts: 21 } });
  });

  it("takes whatever was thrown, or a client's own words, as the error", () => {
    const { outages, lines } = setUp();
    outages.failed("kafka", "Connection error: connect ECONNREFUSED 127.0.0.1:9092");
    expect(lines[0]?.fields.err).toBe("Connection error: connect ECONNREFUSED 127.0.0.1:9092");
  });

  it("says nothing for a connection that becomes ready without having failed", () => {
    const { outages, lines } = setUp();
    outages.recovered("control");
    expect(lines).toEqual([]);
  });

  it("stops counting a connection closed on purpose, without claiming the dependency is back", () => {
    const { outages, levels } = setUp();
    outages.failed("partition-3", refused);
    outages.forget("partition-3");
    outages.recovered("control");
    expect(levels()).toEqual(["warn"]);
    // A later failure is a new outage, warned again.
    outages.failed("control", refused);
    expect(levels()).toEqual(["warn", "warn"]);
  });
});
