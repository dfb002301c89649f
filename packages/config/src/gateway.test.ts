import { describe, expect, it } from "vitest";
import { GatewayEnvSchema } from "./gateway.ts";
import { parseEnv } from "./parse-env.ts";

const required = {
  DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/promo",
  REDIS_URL: "redis://127.0.0.1:6379",
  KAFKA_BROKERS: "127.0.0.1:9092",
};

describe("gateway configuration", () => {
  it("limits guesses per client IP by default only when the IP is the shopper's (TRUST_PROXY)", () => {
    expect(parseEnv(GatewayEnvSchema, required).GUESS_LIMIT_PER_IP).toBe(0);
    expect(parseEnv(GatewayEnvSchema, { ...required, TRUST_PROXY: "true" }).GUESS_LIMIT_PER_IP).toBe(50);
    expect(parseEnv(GatewayEnvSchema, { ...required, GUESS_LIMIT_PER_IP: "20" }).GUESS_LIMIT_PER_IP).toBe(20);
    expect(
      parseEnv(GatewayEnvSchema, { ...required, TRUST_PROXY: "true", GUESS_LIMIT_PER_IP: "0" })
        .GUESS_LIMIT_PER_IP,
    ).toBe(0);
  });

  it("serves /metrics on PORT unless METRICS_PORT names a port of its own", () => {
    expect(parseEnv(GatewayEnvSchema, required).METRICS_PORT).toBe(0);
    expect(parseEnv(GatewayEnvSchema, { ...required, METRICS_PORT: "9464" }).METRICS_PORT).toBe(9464);
    expect(() => parseEnv(GatewayEnvSchema, { ...required, METRICS_PORT: "http" })).toThrow(/METRICS_PORT/);
  });

  it("refuses a negative limit with the variable named", () => {
    expect(() => parseEnv(GatewayEnvSchema, { ...required, GUESS_LIMIT_PER_IP: "-1" })).toThrow(
      /GUESS_LIMIT_PER_IP/,
    );
  });
});
