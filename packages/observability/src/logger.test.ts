import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, redactUrl } from "./logger.ts";

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk));
      callback();
    },
  });
  return { lines, destination };
}

describe("logger", () => {
  it("writes one JSON object per line with the service, level and time", () => {
    const { lines, destination } = capture();
    createLogger({ service: "gateway", level: "info", destination }).info({ requestId: "r-1" }, "request");
    const entry = JSON.parse(lines[0] ?? "{}");
    expect(entry).toMatchObject({ service: "gateway", level: "info", requestId: "r-1", msg: "request" });
    expect(entry.time).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it("never writes API keys, authorization headers or passwords", () => {
    const { lines, destination } = capture();
    const logger = createLogger({ service: "gateway", level: "info", destination });
    logger.info(
      { headers: { authorization: "Bearer pk_secret" }, apiKey: "pk_secret", password: "hunter2" },
      "x",
    );
    logger.child({ requestId: "r-2" }).info({ req: { headers: { authorization: "Bearer pk_secret" } } }, "y");
    const output = lines.join("");
    expect(output).not.toContain("pk_secret");
    expect(output).not.toContain("hunter2");
    expect(output).toContain("[redacted]");
  });

  it("logs connection URLs and settings without their passwords or the bootstrap key", () => {
    const { lines, destination } = capture();
    const logger = createLogger({ service: "gateway", level: "info", destination });
    logger.info({ databaseUrl: "postgresql://promo:s3cret@db:5432/promo" }, "a");
    logger.info(
      {
        env: {
          DATABASE_URL: "postgresql://promo:s3cret@db:5432/promo",
          REDIS_URL: "redis://:r3dis-pass@redis:6379",
          BOOTSTRAP_API_KEY: "pk_bootstrap_secret",
        },
      },
      "b",
    );
    const output = lines.join("");
    expect(output).not.toContain("s3cret");
    expect(output).not.toContain("r3dis-pass");
    expect(output).not.toContain("pk_bootstrap_secret");
    const [first, second] = lines.map((line) => JSON.parse(line));
    expect(first.databaseUrl).toBe("postgresql://promo:***@db:5432/promo");
    expect(second.env).toEqual({
      DATABASE_URL: "postgresql://promo:***@db:5432/promo",
      REDIS_URL: "redis://:***@redis:6379",
      BOOTSTRAP_API_KEY: "[redacted]",
    });
  });

  it("drops passwords from connection URLs", () => {
    expect(redactUrl("postgresql://promo:s3cret@db:5432/promo")).toBe("postgresql://promo:***@db:5432/promo");
    expect(redactUrl("not a url")).toBe("[unparseable url]");
  });
});
