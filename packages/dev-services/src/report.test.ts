import { describe, expect, it } from "vitest";
import { DevServicesError, formatReport, redactUrl } from "./report.ts";

describe("service report lines", () => {
  it("prints one aligned line per service", () => {
    expect(formatReport({ name: "redis", target: "redis://127.0.0.1:6379", note: "already running" })).toBe(
      "redis      ok  redis://127.0.0.1:6379 (already running)",
    );
    expect(
      formatReport({
        name: "kafka",
        target: "127.0.0.1:9092",
        note: "started local broker 3.9.1 in 9.8 s",
      }),
    ).toBe("kafka      ok  127.0.0.1:9092 (started local broker 3.9.1 in 9.8 s)");
  });

  it("puts one line per failing service in the error message", () => {
    const error = new DevServicesError(
      [],
      [
        { name: "redis", message: "Redis is not reachable" },
        { name: "kafka", message: "Java is missing" },
      ],
    );
    expect(error.message.split("\n")).toEqual([
      "redis      FAILED  Redis is not reachable",
      "kafka      FAILED  Java is missing",
    ]);
  });

  it("hides passwords in URLs", () => {
    expect(redactUrl("postgresql://app:secret@db:5432/promo")).toBe("postgresql://app:***@db:5432/promo");
  });
});
