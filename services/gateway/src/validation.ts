import type { Hook } from "@hono/zod-openapi";
import { listUnstorableText } from "@promo/contracts";
import type { GatewayEnv } from "./env.ts";
import { validationError } from "./errors.ts";

/**
 * Every route's zod failures become 400 VALIDATION_ERROR with field details (through onError), and so
 * does a valid input holding strings PostgreSQL could not store (U+0000 or a lone surrogate,
 * anywhere: body, query, path or an upload's file name), each named, up to MAX_UNSTORABLE_FIELDS.
 */
/** A body of thousands of bad strings is answered with this many fields named, not thousands. */
const MAX_UNSTORABLE_FIELDS = 100;

export const validationHook: Hook<unknown, GatewayEnv, string, unknown> = (result) => {
  if (!result.success) throw validationError(result.error);
  const unstorable = listUnstorableText(result.data, MAX_UNSTORABLE_FIELDS);
  if (unstorable.length > 0) throw validationError({ issues: unstorable });
};
