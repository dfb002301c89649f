import { ErrorBodySchema } from "@promo/contracts";

const DESCRIPTIONS: Record<number, string> = {
  400: "VALIDATION_ERROR: malformed JSON or a field that breaks the schema (details.fields)",
  401: "UNAUTHORIZED: missing or unknown API key",
  403: "FORBIDDEN: the key lacks the required scope",
  404: "NOT_FOUND / CODE_NOT_FOUND (also for another store's resources)",
  409: "USAGE_LIMIT_REACHED / ACCOUNT_LIMIT_REACHED / CODE_CONFLICT / PARTNER_NAME_TAKEN / CAMPAIGN_ARCHIVED / RESERVATION_NOT_RESERVED / RESERVATION_EXPIRED / ORDER_ACCOUNT_MISMATCH",
  410: "RESERVATION_LOST: accepted, then lost with the queue's data before it was decided; nothing was reserved, send it again",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  422: "Other refusals (CODE_NOT_ACTIVE, NOT_ELIGIBLE_MEMBER_GROUP, ...)",
  429: "RATE_LIMITED",
  503: "SERVICE_UNAVAILABLE",
};

type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 410 | 413 | 415 | 422 | 429 | 503;

/** The headers an error answer carries besides its body, by status. */
export const ERROR_HEADERS: Partial<
  Record<number, Record<string, { description: string; schema: { type: "string" } }>>
> = {
  401: {
    "WWW-Authenticate": {
      description: "Bearer: the scheme an API key is sent in",
      schema: { type: "string" },
    },
  },
  429: {
    "Retry-After": {
      description: "Seconds until the limit lets this account or IP try again",
      schema: { type: "string" },
    },
  },
  503: {
    "Retry-After": { description: "Seconds to wait before trying again", schema: { type: "string" } },
  },
};

type ErrorResponse = {
  description: string;
  headers?: Record<string, { description: string; schema: { type: "string" } }>;
  content: { "application/json": { schema: typeof ErrorBodySchema } };
};

/** OpenAPI response entries for the error statuses a route can answer. */
export function errorResponses<S extends ErrorStatus>(...statuses: S[]) {
  const entries = statuses.map((status): [S, ErrorResponse] => {
    const headers = ERROR_HEADERS[status];
    return [
      status,
      {
        description: DESCRIPTIONS[status] ?? "Error",
        ...(headers ? { headers } : {}),
        content: { "application/json": { schema: ErrorBodySchema } },
      },
    ];
  });
  return Object.fromEntries(entries) as Record<S, ErrorResponse>;
}

export function jsonBody<T>(schema: T) {
  return { content: { "application/json": { schema } }, required: true } as const;
}

export function jsonResponse<T>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } } as const;
}
