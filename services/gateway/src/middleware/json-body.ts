import { z } from "@hono/zod-openapi";
import { DomainError } from "@promo/domain";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { GatewayEnv } from "../env.ts";
import { validationError } from "../errors.ts";
import { duplicateKeyPath } from "../json-duplicate-keys.ts";

// DELETE too: a body sent with one is checked as any other, so `{"dryRun": true}` is not ignored.
const METHODS_WITH_BODY = new Set(["POST", "PUT", "PATCH", "DELETE"]);
/** JSON is UTF-8 (RFC 8259 §8.1); `fatal`: a byte sequence that is not UTF-8 throws instead of becoming U+FFFD. */
const UTF8 = new TextDecoder("utf-8", { fatal: true });
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)"?/;

/**
 * A request that carries a body must say it is JSON, or multipart where a route takes an upload
 * (and only there), otherwise 415 UNSUPPORTED_MEDIA_TYPE naming the type expected; so is a body
 * sent with a Content-Encoding (none is decoded) or a JSON body declared in a charset other than
 * UTF-8. Bodyless POSTs (archive, expire) need no content type. A JSON body must be UTF-8: bytes
 * that are not are refused (400, named `(body)` as malformed JSON is) rather than read as U+FFFD,
 * which would store a different name, or make two different account ids one; and it must not name
 * a member of an object twice (400 naming that field).
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
      if (hasBody && !takesUpload) await decodeUtf8Body(c, contentType);
    }
    await next();
  });
}

/**
 * Reads the JSON body as strict UTF-8 and leaves the text where the route's validator reads it
 * (Hono's body cache), so the body is read and decoded once, as it would be anyway.
 */
async function decodeUtf8Body(c: Context<GatewayEnv>, contentType: string): Promise<void> {
  const charset = CHARSET.exec(contentType)?.[1];
  if (charset !== undefined && charset !== "utf-8" && charset !== "utf8") {
    throw new DomainError("UNSUPPORTED_MEDIA_TYPE", { charset, expected: "utf-8" });
  }
  const bytes = await c.req.arrayBuffer();
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    throw new DomainError("VALIDATION_ERROR", {
      fields: [{ path: "(body)", message: "is not UTF-8 text: send JSON in UTF-8" }],
    });
  }
  // JSON.parse would keep the last of a repeated name: {"usageLimit": 1, "usageLimit": null} would
  // make an unlimited campaign of what reads as a limited one. Refused on every route (about 1 µs
  // for a reservation's body, against 0.9 µs for its JSON.parse).
  const repeated = duplicateKeyPath(text);
  if (repeated !== null) {
    throw new DomainError("VALIDATION_ERROR", {
      fields: [{ path: repeated, message: "is given more than once: send it once" }],
    });
  }
  // Hono keeps promises there (its type says values): `c.req.json()` awaits the cached text.
  (c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve(text);
}

/** What a merchant or admin POST that takes no body accepts as its body: none, or `{}`. */
const NoBodySchema = z.strictObject({});

/**
 * For a merchant or admin POST or DELETE that takes no body (archive, expire, reactivate, revoke, a
 * partner's or a rule's delete): a body that
 * says something is refused, naming its fields, as those routes' queries are and every other
 * merchant body's unknown fields. Read as ignored, `{"campaignId": …}` on expire would expire the
 * code in every campaign holding it, and `{"dryRun": true}` on archive would archive for real. No
 * body, an empty one, and `{}` are no body; malformed JSON is refused as on any other route.
 */
export const refuseBodyFields = ignoredBodyGate(NoBodySchema);

/**
 * For a checkout POST that takes no body (release): a checkout may say why it gives a hold back
 * (`{"reason": …}`), which changes nothing a release does, so a JSON object is taken and not read.
 * Malformed JSON, or JSON that is not an object, is refused as on any other route.
 */
export const refuseMalformedBody = ignoredBodyGate(z.looseObject({}));

function ignoredBodyGate(schema: z.ZodType) {
  return createMiddleware<GatewayEnv>(async (c, next) => {
    const text = METHODS_WITH_BODY.has(c.req.method) ? await c.req.text() : "";
    if (text.trim() !== "") {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new DomainError("VALIDATION_ERROR", {
          fields: [{ path: "(body)", message: "Malformed JSON in request body" }],
        });
      }
      const checked = schema.safeParse(body);
      if (!checked.success) throw validationError(checked.error, {}, c.get("locale"));
    }
    await next();
  });
}
