import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ConfigError, parseEnv, parseServiceEnv } from "./parse-env.ts";

const Schema = z.object({ PORT: z.coerce.number().int().min(1), QUEUE_PREFIX: z.string().regex(/^\w+$/) });

class Exited extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

describe("parseEnv", () => {
  it("names every bad variable", () => {
    expect(() => parseEnv(Schema, { PORT: "x", QUEUE_PREFIX: "{a}" })).toThrow(ConfigError);
    expect(() => parseEnv(Schema, { PORT: "x", QUEUE_PREFIX: "{a}" })).toThrow(/PORT:[\s\S]*QUEUE_PREFIX:/);
  });
});

describe("parseServiceEnv", () => {
  it("returns the parsed configuration", () => {
    expect(parseServiceEnv(Schema, "gateway", { env: { PORT: "3000", QUEUE_PREFIX: "promo" } })).toEqual({
      PORT: 3000,
      QUEUE_PREFIX: "promo",
    });
  });

  it("writes one JSON log line naming each bad variable and exits with status 1", () => {
    const lines: string[] = [];
    const run = () =>
      parseServiceEnv(Schema, "gateway", {
        env: { PORT: "0", QUEUE_PREFIX: "{promo}" },
        write: (line) => lines.push(line),
        exit: (code) => {
          throw new Exited(code);
        },
      });
    expect(run).toThrow(new Exited(1));
    expect(lines).toHaveLength(1);
    expect(lines[0]?.endsWith("\n")).toBe(true);
    const entry = JSON.parse(lines[0] ?? "");
    expect(entry).toMatchObject({ level: "fatal", service: "gateway" });
    expect(entry.problems).toHaveLength(2);
    expect(entry.problems[0]).toMatch(/^PORT: /);
    expect(entry.problems[1]).toMatch(/^QUEUE_PREFIX: /);
    expect(entry.msg).toMatch(/^invalid configuration, not starting: PORT: .*; QUEUE_PREFIX: /);
  });
});
