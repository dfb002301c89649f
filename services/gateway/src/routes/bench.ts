import { randomUUID } from "node:crypto";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { ReservationRequestSchema } from "@promo/contracts";
import type { GatewayDeps } from "../deps.ts";
import type { GatewayEnv } from "../env.ts";
import { jsonBody, jsonResponse } from "../openapi-helpers.ts";
import { validationHook } from "../validation.ts";

/**
 * Baselines for `npm run bench`, served only with ENABLE_BENCH_ROUTES=true: the same gateway,
 * auth and body validation as POST /v1/reservations, with (no-op) nothing behind it, or (row lock)
 * the textbook reservation: one transaction per request doing a conditional UPDATE of a counter
 * row plus an insert. Their tables exist only in benchmark databases.
 */
const NoopSchema = z.object({ ok: z.literal(true) });
const RowLockSchema = z.object({ id: z.string(), status: z.enum(["RESERVED", "REJECTED"]) });

const noopRoute = createRoute({
  method: "post",
  path: "/bench/noop",
  tags: ["Benchmark"],
  summary: "Benchmark baseline: authenticate and validate a reservation request, do nothing",
  request: { body: jsonBody(ReservationRequestSchema) },
  responses: { 200: jsonResponse(NoopSchema, "Nothing done") },
});

const rowLockRoute = createRoute({
  method: "post",
  path: "/bench/row-lock",
  tags: ["Benchmark"],
  summary: "Benchmark baseline: one transaction per request with a conditional UPDATE of a counter row",
  request: { body: jsonBody(ReservationRequestSchema) },
  responses: { 200: jsonResponse(RowLockSchema, "Decided"), 409: jsonResponse(RowLockSchema, "Refused") },
});

export const BENCH_TABLES_SQL = `
CREATE TABLE IF NOT EXISTS bench_code_counter (code text PRIMARY KEY, used int NOT NULL DEFAULT 0, usage_limit int NOT NULL);
CREATE TABLE IF NOT EXISTS bench_reservation (id uuid PRIMARY KEY, code text NOT NULL, account_id text NOT NULL,
  status text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());`;

export function benchRoutes(deps: GatewayDeps) {
  const app = new OpenAPIHono<GatewayEnv>({ defaultHook: validationHook });
  app.openapi(noopRoute, (c) => {
    c.req.valid("json");
    return c.json({ ok: true as const }, 200);
  });
  app.openapi(rowLockRoute, async (c) => {
    const body = c.req.valid("json");
    const id = randomUUID();
    const client = await deps.database.pool.connect();
    try {
      await client.query("BEGIN");
      const won = await client.query(
        "UPDATE bench_code_counter SET used = used + 1 WHERE code = $1 AND used < usage_limit RETURNING used",
        [body.code],
      );
      const status = won.rowCount === 1 ? ("RESERVED" as const) : ("REJECTED" as const);
      await client.query(
        "INSERT INTO bench_reservation (id, code, account_id, status) VALUES ($1, $2, $3, $4)",
        [id, body.code, body.accountId, status],
      );
      await client.query("COMMIT");
      return c.json({ id, status }, status === "RESERVED" ? 200 : 409);
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  });
  return app;
}
