import { createHash } from "node:crypto";
import { DomainError } from "@promo/domain";
import type { Context } from "hono";
import type { GatewayEnv } from "./env.ts";

/**
 * The longest Idempotency-Key taken, on every route: a reservation's travels in its queued command,
 * which holds this many characters, and release and confirm keep theirs in a primary key, which
 * PostgreSQL cannot index beyond about 2,700 bytes (a longer key answered 500).
 */
const MAX_IDEMPOTENCY_KEY = 255;

/**
 * The request's Idempotency-Key, null when the header is not sent. An empty one is refused (a client
 * whose key was unset would otherwise lose its retry safety without a word), and so is one that is
 * not printable ASCII: Node.js reads header bytes as Latin-1, so a UTF-8 key's length would count
 * bytes. A comma is refused too: a header sent twice reads as its values joined by ", ", and that
 * joined key would let a retry that sends one of them make a second hold.
 */
export function idempotencyKeyOf(c: Context<GatewayEnv>): string | null {
  const sent = c.req.header("idempotency-key");
  if (sent === undefined) return null;
  const key = sent.trim();
  const problem =
    key === ""
      ? "must not be empty (leave the header out to send none)"
      : !/^[\x20-\x7e]+$/.test(key)
        ? "must be printable ASCII"
        : key.includes(",")
          ? "must not hold a comma: send the header once, with one key"
          : key.length > MAX_IDEMPOTENCY_KEY
            ? `at most ${MAX_IDEMPOTENCY_KEY} characters`
            : null;
  if (problem !== null)
    throw new DomainError("VALIDATION_ERROR", { fields: [{ path: "Idempotency-Key", message: problem }] });
  return key;
}

/** Documented only: the routes read and check the header themselves (no per-request header parsing). */
export const IDEMPOTENCY_KEY_PARAMETER = {
  name: "Idempotency-Key",
  in: "header" as const,
  required: false,
  description: `Makes a retry safe: the same key with the same request answers the first answer again, never a second effect; with a different request, 422 IDEMPOTENCY_KEY_REUSED. Keys are per action: reserve, release and confirm each keep their own. 1 to ${MAX_IDEMPOTENCY_KEY} printable ASCII characters, no comma (sent once).`,
  schema: { type: "string" as const, maxLength: MAX_IDEMPOTENCY_KEY },
};

/** What an Idempotency-Key's request is compared by: a hash of what it asks. */
export function requestHash(body: unknown): string {
  return createHash("sha256").update(JSON.stringify(body)).digest("hex");
}
