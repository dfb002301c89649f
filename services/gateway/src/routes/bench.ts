import { randomUUID } from "node:crypto";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { ReservationRequestSchema } from "@promo/contracts";
import { withPooledClient } from "@promo/db";
import type { PoolClient } from "pg";
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
  operationId: "benchNoop",
  tags: ["Benchmark"],
  summary: "Benchmark baseline: authenticate and validate a reservation request, do nothing",
  request: { body: jsonBody(ReservationRequestSchema) },
  responses: { 200: jsonResponse(NoopSchema, "Nothing done") },
});

const rowLockRoute = createRoute({
  method: "post",
  path: "/bench/row-lock",
  operationId: "benchRowLock",
  tags: ["Benchmark"],
  summary: "Benchmark baseline: one transaction per request with a conditional UPDATE of a counter row",
  request: { body: jsonBody(ReservationRequestSchema) },
  responses: { 200: jsonResponse(RowLockSchema, "Decided"), 409: jsonResponse(RowLockSchema, "Refused") },
});

const rowLockRulesRoute = createRoute({
  method: "post",
  path: "/bench/row-lock-rules",
  operationId: "benchRowLockRules",
  tags: ["Benchmark"],
  summary:
    "Benchmark baseline: the same rules as a reservation (limit and once per account) under the code row's lock",
  request: { body: jsonBody(ReservationRequestSchema) },
  responses: { 200: jsonResponse(RowLockSchema, "Decided"), 409: jsonResponse(RowLockSchema, "Refused") },
});

export function benchRoutes(deps: GatewayDeps) {
  const app = new OpenAPIHono<GatewayEnv>({ defaultHook: validationHook });
  app.openapi(noopRoute, (c) => {
    c.req.valid("json");
    return c.json({ ok: true as const }, 200);
  });
  app.openapi(rowLockRoute, async (c) => {
    const body = c.req.valid("json");
    const { id, status } = await decideInOneTransaction(async (client) => {
      const won = await client.query(
        "UPDATE bench_code_counter SET used = used + 1 WHERE code = $1 AND used < usage_limit RETURNING used",
        [body.code],
      );
      return won.rowCount === 1;
    }, body);
    return c.json({ id, status }, status === "RESERVED" ? 200 : 409);
  });
  app.openapi(rowLockRulesRoute, async (c) => {
    const body = c.req.valid("json");
    const { id, status } = await decideInOneTransaction(async (client) => {
      const counter = await client.query<{ used: number; usage_limit: number }>(
        "SELECT used, usage_limit FROM bench_code_counter WHERE code = $1 FOR UPDATE",
        [body.code],
      );
      const held = await client.query(
        "SELECT 1 FROM bench_reservation WHERE code = $1 AND account_id = $2 AND status = 'RESERVED' LIMIT 1",
        [body.code, body.accountId],
      );
      const row = counter.rows[0];
      if (!row || held.rowCount !== 0 || row.used >= row.usage_limit) return false;
      await client.query("UPDATE bench_code_counter SET used = used + 1 WHERE code = $1", [body.code]);
      return true;
    }, body);
    return c.json({ id, status }, status === "RESERVED" ? 200 : 409);
  });

  /** One transaction per request: `decide` says whether the request wins, then its row is inserted. */
  async function decideInOneTransaction(
    decide: (client: PoolClient) => Promise<boolean>,
    body: { code: string; accountId: string },
  ): Promise<{ id: string; status: "RESERVED" | "REJECTED" }> {
    const id = randomUUID();
    return withPooledClient(deps.database.pool, async (client) => {
      try {
        await client.query("BEGIN");
        const status = (await decide(client)) ? ("RESERVED" as const) : ("REJECTED" as const);
        await client.query(
          "INSERT INTO bench_reservation (id, code, account_id, status) VALUES ($1, $2, $3, $4)",
          [id, body.code, body.accountId, status],
        );
        await client.query("COMMIT");
        return { id, status };
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      }
    });
  }
  return app;
}
