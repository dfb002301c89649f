import { DomainError } from "@promo/domain";
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import type { GatewayEnv } from "../env.ts";

type BodyLimit = { path: RegExp; maxBytes: number; limitBytes?: number };

/**
 * 413 for bodies over `maxBytes`. A declared Content-Length is checked from the header alone (the
 * hot path: Hono's bodyLimit re-streams every body through a new Request, which costs more than
 * the rest of a reservation request in the gateway); a body without one (chunked, or built in-process) is
 * counted by Hono's bodyLimit as it streams.
 */
export function limitBodySize(
  defaultMaxBytes: number,
  /**
   * Paths with a limit of their own (uploads); `limitBytes`, when the body may exceed what it carries
   * (a multipart envelope around a file), is the limit a refusal names.
   */
  exceptions: readonly BodyLimit[] = [],
) {
  const everyPath: BodyLimit = { path: /(?:)/, maxBytes: defaultMaxBytes };
  const limits = [...exceptions, everyPath].map(({ path, maxBytes, limitBytes = maxBytes }) => {
    const tooLarge = () => {
      throw new DomainError("PAYLOAD_TOO_LARGE", { limitBytes });
    };
    return { path, maxBytes, tooLarge, streaming: bodyLimit({ maxSize: maxBytes, onError: tooLarge }) };
  });
  return createMiddleware<GatewayEnv>(async (c, next) => {
    const { maxBytes, tooLarge, streaming } =
      limits.find((limit) => limit.path.test(c.req.path)) ?? (limits.at(-1) as (typeof limits)[number]);
    const declared = c.req.header("content-length");
    if (declared === undefined) return streaming(c, next);
    const length = Number(declared);
    if (!Number.isSafeInteger(length) || length < 0) {
      throw new DomainError("VALIDATION_ERROR", {
        fields: [{ path: "content-length", message: "is not a byte count" }],
      });
    }
    if (length > maxBytes) tooLarge();
    return next();
  });
}
