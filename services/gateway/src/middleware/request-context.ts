import { randomUUID } from "node:crypto";
import { resolveLocale } from "@promo/domain";
import type { Logger } from "@promo/observability";
import { createMiddleware } from "hono/factory";
import type { GatewayEnv } from "../env.ts";

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Request id (a caller's X-Request-Id when sane, otherwise a new UUID), response locale from
 * Accept-Language, a child logger carrying both, and one access-log line per request.
 */
export function requestContext(logger: Logger) {
  return createMiddleware<GatewayEnv>(async (c, next) => {
    const incoming = c.req.header("x-request-id");
    const requestId = incoming && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomUUID();
    const started = performance.now();
    c.set("requestId", requestId);
    c.set("locale", resolveLocale(c.req.header("accept-language")));
    c.set("logger", logger.child({ requestId }));
    c.header("X-Request-Id", requestId);
    await next();
    const principal = c.get("principal");
    const reservationId = c.get("reservationId");
    c.get("logger").info(
      {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
        ...(principal ? { storeId: principal.storeId, apiKeyId: principal.keyId } : {}),
        ...(reservationId ? { reservationId } : {}),
      },
      "request",
    );
  });
}
