import { HTTP_STATUS_BY_ERROR_CODE } from "@promo/contracts";
import {
  fieldOfForeignKey,
  isDatabaseUnavailable,
  isTransactionConflict,
  violatedForeignKey,
} from "@promo/db";
import {
  DomainError,
  describeError,
  describeFieldIssue,
  describeFieldMessage,
  type ErrorAudience,
  type ErrorCode,
  type Locale,
} from "@promo/domain";
import { isRedisUnavailable, levelOfRedisFailure } from "@promo/queue";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { CLIENT_CLOSED_REQUEST, isClientHangUp } from "./client-hang-up.ts";
import type { GatewayEnv } from "./env.ts";

/** Statuses come from the one map in @promo/contracts. */
export const HTTP_STATUS: Record<ErrorCode, ContentfulStatusCode> = HTTP_STATUS_BY_ERROR_CODE;

export type ErrorPayload = {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
  requestId: string;
};

export function toErrorPayload(
  code: ErrorCode,
  c: Context<GatewayEnv>,
  details?: Record<string, unknown>,
  audience: ErrorAudience = "checkout",
): ErrorPayload {
  return {
    code,
    message: describeError(code, c.get("locale"), audience),
    ...(details ? { details } : {}),
    requestId: c.get("requestId"),
  };
}

/** The error answer; with `retryAfterSeconds` in its details it also says Retry-After. */
export function respondWithError(
  c: Context<GatewayEnv>,
  code: ErrorCode,
  details?: Record<string, unknown>,
  audience: ErrorAudience = "checkout",
) {
  const retryAfter = details?.retryAfterSeconds;
  if (typeof retryAfter === "number") c.header("Retry-After", String(retryAfter));
  // HTTP's 401 names the scheme that would be accepted (RFC 9110 §11.6.1).
  if (code === "UNAUTHORIZED") c.header("WWW-Authenticate", "Bearer");
  return c.json({ error: toErrorPayload(code, c, details, audience) }, HTTP_STATUS[code]);
}

/** Problems with an input's fields: a ZodError, or any list of issues of the same shape. */
export type FieldIssues = {
  issues: readonly {
    path: readonly PropertyKey[];
    message: string;
    code?: string;
    keys?: readonly string[];
  }[];
};

/**
 * zod issues as `{ fields: [{ path: "cart.items.0.quantity", message }] }`. A field the request
 * does not have is named as its own path, one entry per field; `fixedFields` says why for fields that
 * exist but cannot be sent here (a campaign's discount on PATCH), by path. A field of the wrong type
 * is told only that: zod also runs a length check on it (a string sent for a list of at most 19
 * ids is "Too big: expected string to have <=19 characters"), which would only confuse. A field
 * the request left out is "is required", not zod's "expected string, received undefined". Each
 * message is in `locale` (the request's): zod's own from the issue's code and parameters, the
 * project's from their English (@promo/domain's field messages).
 */
export function validationDetails(
  error: FieldIssues,
  fixedFields: Readonly<Record<string, string>> = {},
  locale: Locale = "en",
): Record<string, unknown> {
  const pathOf = (path: readonly PropertyKey[]) => path.map(String).join(".") || "(body)";
  const mistyped = new Set(
    error.issues.filter((issue) => issue.code === "invalid_type").map((issue) => pathOf(issue.path)),
  );
  const issues = error.issues.filter(
    (issue) => issue.code === "invalid_type" || !mistyped.has(pathOf(issue.path)),
  );
  return {
    fields: issues.flatMap((issue) =>
      issue.code === "unrecognized_keys" && issue.keys && issue.keys.length > 0
        ? issue.keys.map((key) => {
            const path = pathOf([...issue.path, key]);
            // Own keys only: a field named "constructor" or "__proto__" is not a fixed field.
            const fixed = Object.hasOwn(fixedFields, path) ? fixedFields[path] : undefined;
            return { path, message: describeFieldMessage(fixed ?? "is not a field of this request", locale) };
          })
        : [
            {
              path: pathOf(issue.path),
              message: isMissing(issue)
                ? describeFieldMessage("is required", locale)
                : describeFieldIssue(issue, locale),
            },
          ],
    ),
  };
}

function isMissing(issue: FieldIssues["issues"][number]): boolean {
  return issue.code === "invalid_type" && issue.message.endsWith("received undefined");
}

export function validationError(
  error: FieldIssues,
  fixedFields: Readonly<Record<string, string>> = {},
  locale: Locale = "en",
): DomainError {
  return new DomainError("VALIDATION_ERROR", validationDetails(error, fixedFields, locale));
}

/**
 * An error's details with each `fields[].message` in `locale`: a DomainError is worded in English
 * wherever it is thrown (a route, the domain, a middleware) and answered in the request's language.
 * A message already in `locale`, or one the catalog does not know, is left as it is.
 */
export function localizeFields(
  details: Record<string, unknown> | undefined,
  locale: Locale,
): Record<string, unknown> | undefined {
  const fields = details?.fields;
  if (locale === "en" || !Array.isArray(fields)) return details;
  return {
    ...details,
    fields: fields.map((field: unknown) =>
      typeof field === "object" && field !== null && "message" in field && typeof field.message === "string"
        ? { ...field, message: describeFieldMessage(field.message, locale) }
        : field,
    ),
  };
}

/** How long a client should wait before trying again while PostgreSQL or Redis is away. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 1;

/**
 * The single onError: domain errors by their code, a client that hung up mid-request 499, a row the request refers to deleted while it
 * ran (a foreign key violated) 404 naming the field, framework errors by kind, Redis or PostgreSQL
 * away (a restart, a failover, a network cut) 503 with Retry-After, the rest 500.
 */
export function handleError(error: Error, c: Context<GatewayEnv>) {
  if (error instanceof DomainError) {
    return respondWithError(c, error.code, localizeFields(error.details, c.get("locale")), error.audience);
  }
  if (isClientHangUp(error, c)) {
    c.get("logger").info("the client hung up before its request was read");
    return c.body(null, CLIENT_CLOSED_REQUEST as ContentfulStatusCode);
  }
  // What the request refers to was there when the route checked and gone when it wrote.
  const foreignKey = violatedForeignKey(error);
  if (foreignKey !== null) {
    const field = fieldOfForeignKey(foreignKey);
    c.get("logger").info({ constraint: foreignKey }, "a referenced row was deleted during the request");
    return respondWithError(c, "NOT_FOUND", field === null ? undefined : { field });
  }
  // Worth trying again: Redis or PostgreSQL away (Redis first: its errors never look like
  // PostgreSQL's, while a bare socket code could be either), or a deadlock or serialization failure,
  // for which PostgreSQL undid the request's transaction.
  const retryable = isRedisUnavailable(error)
    ? "Redis unavailable"
    : isDatabaseUnavailable(error)
      ? "PostgreSQL unavailable"
      : isTransactionConflict(error)
        ? "transaction rolled back by a conflict: the client may retry"
        : null;
  if (retryable) {
    c.get("logger")[levelOfRedisFailure(error, "warn")]({ err: error }, retryable);
    return respondWithError(c, "SERVICE_UNAVAILABLE", { retryAfterSeconds: UNAVAILABLE_RETRY_AFTER_SECONDS });
  }
  if (error instanceof HTTPException) {
    if (error.status === 413) return respondWithError(c, "PAYLOAD_TOO_LARGE");
    if (error.status === 415) return respondWithError(c, "UNSUPPORTED_MEDIA_TYPE");
    // Malformed JSON: named like any other field problem, as every 400 documents it.
    if (error.status === 400) {
      return respondWithError(c, "VALIDATION_ERROR", {
        fields: [
          {
            path: "(body)",
            message: describeFieldMessage(error.message || "malformed request", c.get("locale")),
          },
        ],
      });
    }
  }
  c.get("logger").error({ err: error }, "unhandled error");
  return respondWithError(c, "INTERNAL_ERROR");
}
