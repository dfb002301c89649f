import { DomainError } from "@promo/domain";
import { createMiddleware } from "hono/factory";
import type { GatewayEnv } from "../env.ts";

/**
 * A path whose percent-encoding does not spell UTF-8 (a stray `%`, `%zz`, `%E9` for é in Latin-1,
 * `%ED%A0%80` for a lone surrogate) is refused with 400: the router would read such a segment as
 * the literal text, so `/v1/orders/A-%E9/cancel` named the order `A-%E9` instead of telling its
 * client that the é it meant is not sent so. Only a path holding a `%` is looked at.
 */
export const requireUtf8Path = createMiddleware<GatewayEnv>(async (c, next) => {
  const url = c.req.url;
  const start = url.indexOf("/", url.indexOf("//") + 2);
  const query = url.indexOf("?", start);
  const path = url.slice(start, query === -1 ? undefined : query);
  if (path.includes("%")) {
    for (const segment of path.split("/")) {
      try {
        decodeURIComponent(segment);
      } catch {
        throw new DomainError("VALIDATION_ERROR", {
          fields: [{ path: "(path)", message: "is not percent-encoded UTF-8" }],
        });
      }
    }
  }
  await next();
});
