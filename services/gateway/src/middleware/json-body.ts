import { DomainError } from "@promo/domain";
import { createMiddleware } from "hono/factory";
import type { GatewayEnv } from "../env.ts";

const METHODS_WITH_BODY = new Set(["POST", "PUT", "PATCH"]);

/**
 * A request that carries a body must say it is JSON, or multipart where a route takes an upload
 * (and only there), otherwise 415 UNSUPPORTED_MEDIA_TYPE naming the type expected; so is a body
 * sent with a Content-Encoding (none is decoded). Bodyless POSTs (archive, expire) need no content type.
 */
export function requireJsonBody(multipartPaths: readonly RegExp[] = []) {
  return createMiddleware<GatewayEnv>(async (c, next) => {
    if (METHODS_WITH_BODY.has(c.req.method)) {
      const contentType = (c.req.header("content-type") ?? "").toLowerCase();
      const length = c.req.header("content-length");
      const hasBody =
        (length !== undefined && length !== "0") || c.req.header("transfer-encoding") !== undefined;
      const takesUpload = multipartPaths.some((pattern) => pattern.test(c.req.path));
      const expected = takesUpload ? "multipart/form-data" : "application/json";
      const matches = takesUpload
        ? contentType.startsWith("multipart/form-data")
        : contentType.startsWith("application/json") || /^application\/[\w.+-]+\+json/.test(contentType);
      if (hasBody && !matches) throw new DomainError("UNSUPPORTED_MEDIA_TYPE", { expected });
      // No body is decompressed: a gzip body would read as malformed JSON, a coding that did nothing
      // would pass unnoticed; either way the client meant something this API does not do.
      const encoding = (c.req.header("content-encoding") ?? "identity").trim().toLowerCase();
      if (hasBody && encoding !== "identity" && encoding !== "") {
        throw new DomainError("UNSUPPORTED_MEDIA_TYPE", { contentEncoding: encoding, expected: "identity" });
      }
    }
    await next();
  });
}
