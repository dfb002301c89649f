import { randomUUID } from "node:crypto";
import { resolveLocale } from "@promo/domain";
import type { Logger } from "@promo/observability";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { matchedRoutes } from "hono/route";
import type { GatewayEnv } from "../env.ts";

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** A request's id: the caller's X-Request-Id when sane, otherwise a new UUID. */
export function requestIdOf(incoming: string | undefined): string {
  return incoming && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomUUID();
}

/** Told of every answer: the method, the route pattern matched (`unmatched` when none), status, seconds. */
export type AnswerObserver = (method: string, route: string, status: number, seconds: number) => void;

/**
 * Request id (a caller's X-Request-Id when sane, otherwise a new UUID), response locale from
 * Accept-Language, a child logger carrying both, one access-log line per request, and the answer
 * told to `observeAnswer` (the metrics).
 */
export function requestContext(
  logger: Logger,
  observeAnswer: AnswerObserver = () => undefined,
  /** The route a path names whatever the method, null for none (allowed-methods.ts routePathOf). */
  routeOfPath: (path: string) => string | null = () => null,
) {
  return createMiddleware<GatewayEnv>(async (c, next) => {
    const requestId = requestIdOf(c.req.header("x-request-id"));
    const started = performance.now();
    c.set("requestId", requestId);
    c.set("locale", resolveLocale(c.req.header("accept-language")));
    c.set("logger", logger.child({ requestId }));
    c.header("X-Request-Id", requestId);
    await next();
    // A Response a route built itself (a streamed download) does not carry the headers set above.
    if (!c.res.headers.has("X-Request-Id")) c.res.headers.set("X-Request-Id", requestId);
    const principal = c.get("principal");
    const reservationId = c.get("reservationId");
    const seconds = (performance.now() - started) / 1_000;
    const route = routeOf(c) ?? routeOfPath(c.req.path) ?? "unmatched";
    observeAnswer(c.req.method, route, c.res.status, seconds);
    c.get("logger").info(
      {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        durationMs: Math.round(seconds * 10_000) / 10,
        ...(principal ? { storeId: principal.storeId, apiKeyId: principal.keyId } : {}),
        ...(reservationId ? { reservationId } : {}),
      },
      "request",
    );
  });
}

/**
 * The pattern of the route that answers the request's path and method, whether or not its handler
 * ran (a 401 from the key check still counts under the route asked for): the last route matched
 * that is not a middleware (those match every method: ALL). Null when none does.
 */
function routeOf(c: Context<GatewayEnv>): string | null {
  const matched = matchedRoutes(c);
  for (let index = matched.length - 1; index >= 0; index -= 1) {
    const entry = matched[index];
    if (entry && entry.method !== "ALL") return entry.path;
  }
  return null;
}
