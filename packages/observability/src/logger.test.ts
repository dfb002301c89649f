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

  it("drops passwords from connection URLs", () => {
    expect(redactUrl("postgresql://promo:s3cret@db:5432/promo")).toBe("postgresql://promo:***@db:5432/promo");
    expect(redactUrl("not a url")).toBe("[unparseable url]");
  });
});
