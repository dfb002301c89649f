import { createServer, type Server } from "node:http";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { Logger } from "./logger.ts";

export { Counter, Gauge, Histogram, Registry };

/** Decision and commit latencies: 1 ms .. 10 s. */
export const LATENCY_BUCKETS_SECONDS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** One registry per process: the process's own series (CPU, memory, event loop) plus the app's. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, prefix: "promo_" });
  return registry;
}

/** The Prometheus text exposition of `registry`. */
export async function renderMetrics(registry: Registry): Promise<{ contentType: string; body: string }> {
  return { contentType: registry.contentType, body: await registry.metrics() };
}

export type MetricsServer = { port: number; close(): Promise<void> };

/** Whether a process can do its work now, and if not, why (answered by GET /readyz). */
export type Readiness = { ready: true } | { ready: false; reason: string };

/**
 * A tiny HTTP server for worker processes that serve nothing else: GET /metrics, GET /healthz (the
 * process answers: 200) and, given a `ready` check, GET /readyz (200 when it says so, else 503 with
 * its reason). Port 0 in settings means "off" (the caller does not start it).
 */
export async function serveMetrics(
  registry: Registry,
  options: { port: number; host?: string; logger: Logger; ready?: () => Readiness },
): Promise<MetricsServer> {
  const server: Server = createServer((request, response) => {
    const path = request.url?.split("?")[0];
    const json = (status: number, body: object) =>
      response.writeHead(status, { "content-type": "application/json" }).end(`${JSON.stringify(body)}\n`);
    if (request.method !== "GET" && request.method !== "HEAD") {
      response
        .writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain" })
        .end("method not allowed\n");
      return;
    }
    if (path === "/healthz") {
      json(200, { status: "alive" });
      return;
    }
    if (path === "/readyz" && options.ready) {
      const readiness = options.ready();
      json(
        readiness.ready ? 200 : 503,
        readiness.ready ? { status: "ready" } : { status: "not ready", reason: readiness.reason },
      );
      return;
    }
    if (path !== "/metrics") {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    renderMetrics(registry).then(
      ({ contentType, body }) => response.writeHead(200, { "content-type": contentType }).end(body),
      (error: unknown) => {
        options.logger.warn({ err: error }, "metrics collection failed");
        response.writeHead(500, { "content-type": "text/plain" }).end("metrics collection failed\n");
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "0.0.0.0", () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  options.logger.info(
    { port },
    options.ready
      ? "metrics at /metrics, probes at /healthz and /readyz"
      : "metrics at /metrics, probe at /healthz",
  );
  return {
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
