import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { GatewayDeps } from "../deps.ts";
import type { GatewayEnv } from "../env.ts";
import { jsonResponse } from "../openapi-helpers.ts";

const TAG = ["Operations"];
/** Probes need no API key (the document's default is bearer). */
const NO_KEY: { [scheme: string]: string[] }[] = [];

const HealthSchema = z.object({ status: z.literal("ok") }).openapi("Health");
const ReadinessSchema = z
  .object({
    status: z.enum(["ready", "not_ready"]),
    checks: z.record(z.string(), z.enum(["up", "down"])),
  })
  .openapi("Readiness");

const healthRoute = createRoute({
  method: "get",
  path: "/healthz",
  operationId: "getHealth",
  tags: TAG,
  security: NO_KEY,
  summary: "Liveness: the process answers",
  responses: { 200: jsonResponse(HealthSchema, "Alive") },
});

const readinessRoute = createRoute({
  method: "get",
  path: "/readyz",
  operationId: "getReadiness",
  tags: TAG,
  security: NO_KEY,
  summary: "Readiness: Redis, PostgreSQL and Kafka are reachable",
  responses: {
    200: jsonResponse(ReadinessSchema, "Every dependency answers"),
    503: jsonResponse(ReadinessSchema, "At least one dependency does not answer"),
  },
});

export function healthRoutes(deps: GatewayDeps) {
  const app = new OpenAPIHono<GatewayEnv>();
  app.openapi(healthRoute, (c) => c.json({ status: "ok" as const }, 200));
  app.openapi(readinessRoute, async (c) => {
    const results = await Promise.all(
      deps.readiness.map(
        async ({ name, check }) => [name, (await check().catch(() => false)) ? "up" : "down"] as const,
      ),
    );
    const checks = Object.fromEntries(results);
    const ready = results.every(([, state]) => state === "up");
    return ready
      ? c.json({ status: "ready" as const, checks }, 200)
      : c.json({ status: "not_ready" as const, checks }, 503);
  });
  return app;
}
