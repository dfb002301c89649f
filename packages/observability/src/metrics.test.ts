import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "./logger.ts";
import {
  Counter,
  createMetricsRegistry,
  type MetricsServer,
  type Readiness,
  serveMetrics,
} from "./metrics.ts";

const logger = createLogger({ service: "metrics-test", level: "silent" });
let server: MetricsServer | null = null;

afterEach(async () => {
  await server?.close();
  server = null;
});

async function get(path: string, method = "GET") {
  const response = await fetch(`http://127.0.0.1:${server?.port}${path}`, { method });
  return { status: response.status, type: response.headers.get("content-type"), body: await response.text() };
}

describe("serveMetrics", () => {
  it("answers /metrics, /healthz and, given a check, /readyz with the check's verdict", async () => {
    const registry = createMetricsRegistry("probe-test");
    new Counter({ name: "probe_test_total", help: "a test series", registers: [registry] }).inc(3);
    let readiness: Readiness = { ready: false, reason: "joining the consumer group" };
    server = await serveMetrics(registry, { port: 0, host: "127.0.0.1", logger, ready: () => readiness });

    const metrics = await get("/metrics");
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('probe_test_total{service="probe-test"} 3');
    expect(await get("/healthz")).toEqual({
      status: 200,
      type: "application/json",
      body: '{"status":"alive"}\n',
    });
    expect(await get("/readyz")).toEqual({
      status: 503,
      type: "application/json",
      body: '{"status":"not ready","reason":"joining the consumer group"}\n',
    });
    readiness = { ready: true };
    expect(await get("/readyz?verbose")).toEqual({
      status: 200,
      type: "application/json",
      body: '{"status":"ready"}\n',
    });
    expect((await get("/readyz", "HEAD")).status).toBe(200);
    expect((await get("/elsewhere")).status).toBe(404);
    const post = await fetch(`http://127.0.0.1:${server.port}/metrics`, { method: "POST" });
    expect([post.status, post.headers.get("allow")]).toEqual([405, "GET, HEAD"]);
  });

  it("has no /readyz without a check: the process's readiness is not its to tell", async () => {
    server = await serveMetrics(createMetricsRegistry("probe-test"), { port: 0, host: "127.0.0.1", logger });
    expect((await get("/healthz")).status).toBe(200);
    expect((await get("/readyz")).status).toBe(404);
  });
});
