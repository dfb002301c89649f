import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { type Alert, AlertListQuerySchema, AlertPageSchema } from "@promo/contracts";
import { type AlertRecord, listAlerts } from "@promo/db";
import { DomainError, normalizeCodeKey } from "@promo/domain";
import type { GatewayDeps } from "../deps.ts";
import type { GatewayEnv } from "../env.ts";
import { errorResponses, jsonResponse } from "../openapi-helpers.ts";
import { validationHook } from "../validation.ts";

const listAlertsRoute = createRoute({
  method: "get",
  path: "/v1/alerts",
  operationId: "listAlerts",
  tags: ["Alerts"],
  summary: "Leak alerts of the store's codes, newest first (cursor pages)",
  description:
    "One alert per code, kind and window: `velocity` (more holds of one code granted in a window than the campaign's velocityAlert.limit) and `outside_member_groups` (most attempts on a member-only code from accounts outside its groups). Each is also published once as alert.raised on promo.alerts.",
  request: { query: AlertListQuerySchema },
  responses: { 200: jsonResponse(AlertPageSchema, "A page of alerts"), ...errorResponses(400, 401, 403) },
});

function presentAlert(alert: AlertRecord): Alert {
  return {
    id: alert.id,
    kind: alert.kind,
    code: alert.code,
    codeId: alert.codeId,
    campaignId: alert.campaignId,
    windowStart: alert.windowStart.toISOString(),
    windowEnd: alert.windowEnd.toISOString(),
    observed: alert.observed,
    threshold: alert.threshold,
    details: alert.details,
    createdAt: alert.createdAt.toISOString(),
  };
}

export function alertRoutes(deps: GatewayDeps) {
  const app = new OpenAPIHono<GatewayEnv>({ defaultHook: validationHook });

  app.openapi(listAlertsRoute, async (c) => {
    const query = c.req.valid("query");
    const page = await listAlerts(deps.database.prisma, c.get("principal").storeId, {
      limit: query.limit,
      ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
      ...(query.since ? { since: query.since } : {}),
      ...(query.code ? { codeKey: normalizeCodeKey(query.code) } : {}),
      ...(query.kind ? { kind: query.kind } : {}),
    });
    if (!page)
      throw new DomainError("VALIDATION_ERROR", { fields: [{ path: "cursor", message: "unknown cursor" }] });
    return c.json({ items: page.items.map(presentAlert), nextCursor: page.nextCursor }, 200);
  });

  return app;
}
