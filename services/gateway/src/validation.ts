import type { Hook } from "@hono/zod-openapi";
import { listUnstorableText } from "@promo/contracts";
import type { GatewayEnv } from "./env.ts";
import { validationError } from "./errors.ts";

/** A body of thousands of bad strings is answered with this many fields named, not thousands. */
const MAX_UNSTORABLE_FIELDS = 100;

/**
 * Every route's zod failures become 400 VALIDATION_ERROR with field details (through onError), and so
 * does a valid input holding strings PostgreSQL could not store (U+0000 or a lone surrogate,
 * anywhere: body, query, path or an upload's file name), each named, up to MAX_UNSTORABLE_FIELDS.
 */
export const validationHook: Hook<unknown, GatewayEnv, string, unknown> = validationHookExplaining({});

/**
 * validationHook for a route whose input leaves out fields a client could expect it to take: an
 * unknown field named in `fixedFields` is refused with that message instead of "is not a field".
 */
export function validationHookExplaining<T, P extends string, R>(
  fixedFields: Readonly<Record<string, string>>,
): Hook<T, GatewayEnv, P, R | undefined> {
  return (result) => {
    if (!result.success) throw validationError(result.error, fixedFields);
    const unstorable = listUnstorableText(result.data, MAX_UNSTORABLE_FIELDS);
    if (unstorable.length > 0) throw validationError({ issues: unstorable });
    return undefined;
  };
}
