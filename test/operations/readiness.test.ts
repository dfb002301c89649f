import { DevServicesEnvSchema, parseEnv } from "@promo/config";
import { startLocalKafka, stopLocalKafka } from "@promo/dev-services";
import { createTestContext, eventually, type TestContext } from "@promo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type System, startSystem } from "../support/system.ts";

let ctx: TestContext;
let system: System;

beforeAll(async () => {
  ctx = await createTestContext("readiness");
  system = await startSystem(ctx, { gateways: 1, workers: 0 });
});

afterAll(async () => {
  const env = parseEnv(DevServicesEnvSchema, process.env);
  await startLocalKafka({ brokers: env.KAFKA_BROKERS, controllerPort: env.KAFKA_CONTROLLER_PORT });
  await system?.stop();
  await ctx?.cleanup();
});

async function readiness(): Promise<{
  status: number;
  body: { status: string; checks: Record<string, string> };
}> {
  const response = await fetch(`${system.gateways[0]?.url}/readyz`);
  return {
    status: response.status,
    body: (await response.json()) as { status: string; checks: Record<string, string> },
  };
}

describe("health and readiness of a running gateway", () => {
  it("is alive and ready when Redis, PostgreSQL and Kafka answer", async () => {
    const health = await fetch(`${system.gateways[0]?.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
    expect(await readiness()).toEqual({
      status: 200,
      body: { status: "ready", checks: { postgres: "up", redis: "up", kafka: "up" } },
    });
  });

  it("is not ready while Kafka is stopped, and ready again once it is back", async () => {
    const env = parseEnv(DevServicesEnvSchema, process.env);
    if (!(await stopLocalKafka()))
      throw new Error("the test needs the local broker that npm run services starts");
    const down = await readiness();
    expect(down.status).toBe(503);
    expect(down.body).toEqual({
      status: "not_ready",
      checks: { postgres: "up", redis: "up", kafka: "down" },
    });
    expect((await fetch(`${system.gateways[0]?.url}/healthz`)).status).toBe(200);
    await startLocalKafka({ brokers: env.KAFKA_BROKERS, controllerPort: env.KAFKA_CONTROLLER_PORT });
    const up = await eventually(async () => {
      const answer = await readiness();
      return answer.status === 200 ? answer : null;
    }, "readiness after Kafka restarted");
    expect(up.body.checks.kafka).toBe("up");
  });

  it("is not ready when Redis does not answer", async () => {
    const gateway = await system.startGateway("gateway-bad-redis", { REDIS_URL: "redis://127.0.0.1:1" });
    const response = await fetch(`${gateway.url}/readyz`);
    expect(response.status).toBe(503);
    expect(((await response.json()) as { checks: Record<string, string> }).checks).toMatchObject({
      redis: "down",
      postgres: "up",
    });
  });
});
