import type { Hook } from "@hono/zod-openapi";
import { listUnstorableText } from "@promo/contracts";
import type { GatewayEnv } from "./env.ts";
import { type FieldIssues, validationError } from "./errors.ts";

/** A body of thousands of bad strings is answered with this many fields named, not thousands. */
const MAX_UNSTORABLE_FIELDS = 100;

/**
 * Every route's zod failures become 400 VALIDATION_ERROR with field details (through onError), and so
 * does a valid input holding strings PostgreSQL could not store (U+0000 or a lone surrogate,
 * anywhere: body, query, path or an upload's file name), each named, up to MAX_UNSTORABLE_FIELDS.
 * Field messages follow the request's Accept-Language (en or zh-TW).
 */
export const validationHook: Hook<unknown, GatewayEnv, string, unknown> = validationHookExplaining({});

/**
 * validationHook for a route whose input leaves out fields a client could expect it to take: an
 * unknown field named in `fixedFields` is refused with that message instead of "is not a field".
 */
export function validationHookExplaining<T, P extends string, R>(
  fixedFields: Readonly<Record<string, string>>,
): Hook<T, GatewayEnv, P, R | undefined> {
  return (result, c) => {
    if (!result.success) {
      const repeated =
        result.target === "query" ? repeatedQueryParameters(c.req.queries()) : new Set<string>();
      throw validationError(
        repeated.size > 0 ? namingRepeats(result.error, repeated) : result.error,
        fixedFields,
        c.get("locale"),
      );
    }
    const unstorable = listUnstorableText(result.data, MAX_UNSTORABLE_FIELDS);
    if (unstorable.length > 0) throw validationError({ issues: unstorable }, {}, c.get("locale"));
    return undefined;
  };
}

/** The query parameters sent more than once (`?from=…&from=…`). */
function repeatedQueryParameters(queries: Record<string, string[]>): Set<string> {
  return new Set(Object.keys(queries).filter((name) => (queries[name]?.length ?? 0) > 1));
}

/**
 * A parameter sent twice reaches its schema as a list, which it refuses for its type ("must be a
 * whole number"); said so instead, once per parameter, the other problems as they were.
 */
function namingRepeats(error: FieldIssues, repeated: ReadonlySet<string>): FieldIssues {
  const named = new Set<string>();
  const issues = error.issues.flatMap((issue) => {
    const name = String(issue.path[0]);
    if (issue.path.length === 0 || !repeated.has(name)) return [issue];
    if (named.has(name)) return [];
    named.add(name);
    return [{ path: [name], message: "is given more than once: send it once", code: "repeated" }];
  });
  return { issues };
}
