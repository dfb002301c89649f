import type { Hook } from "@hono/zod-openapi";
import { findUnstorableText } from "@promo/contracts";
import type { GatewayEnv } from "./env.ts";
import { validationError } from "./errors.ts";

/**
 * Every route's zod failures become 400 VALIDATION_ERROR with field details (through onError), and so
 * does a valid input holding a string PostgreSQL could not store (U+0000 or a lone surrogate,
 * anywhere: body, query, path or an upload's file name).
 */
export const validationHook: Hook<unknown, GatewayEnv, string, unknown> = (result) => {
  if (!result.success) throw validationError(result.error);
  const unstorable = findUnstorableText(result.data);
  if (unstorable !== null) throw validationError({ issues: [unstorable] });
};
