import type { OpenAPIHono } from "@hono/zod-openapi";
import { ErrorCodeSchema, HTTP_STATUS_BY_ERROR_CODE } from "@promo/contracts";
import { ERROR_CODES, ERROR_MESSAGES, MERCHANT_MESSAGES } from "@promo/domain";
import type { GatewayEnv } from "./env.ts";
import { ERROR_HEADERS } from "./openapi-helpers.ts";

/** Every error code with its HTTP status and messages, as a Markdown table for the docs page. */
function errorCatalogueTable(): string {
  const rows = ERROR_CODES.map(
    (code) =>
      `| \`${code}\` | ${HTTP_STATUS_BY_ERROR_CODE[code]} | ${ERROR_MESSAGES[code].en} | ${ERROR_MESSAGES[code]["zh-TW"]} |`,
  );
  const merchantRows = ERROR_CODES.flatMap((code) => {
    const messages = MERCHANT_MESSAGES[code];
    return messages ? [`| \`${code}\` (merchant routes) | | ${messages.en} | ${messages["zh-TW"]} |`] : [];
  });
  return ["| code | HTTP | en | zh-TW |", "| --- | --- | --- | --- |", ...rows, ...merchantRows].join("\n");
}

const DESCRIPTION = `Campaigns, codes, quotes and reservations with exact usage caps (SPEC §5).

Authenticate with \`Authorization: Bearer <API key>\`; keys carry the scopes \`merchant\`, \`checkout\` or \`admin\`.
Money is integer minor units; times are ISO 8601 (answers in UTC). Send \`Accept-Language: zh-TW\` for Traditional Chinese messages.

The Kafka contract (order events in, reservation events and alerts out) is an AsyncAPI 3.0 document at [/asyncapi.json](/asyncapi.json).

## Errors

A path asked with a method it does not take answers 405 with \`Allow\` naming the methods it does.

Every error answers \`{ "error": { "code", "message", "details"?, "requestId" } }\` with one of these codes:

`;

const TAG_DESCRIPTIONS: Record<string, string> = {
  Campaigns: "Campaigns and their discount rules (merchant key)",
  Codes: "Promo codes: create, look up (with order numbers), expire, reactivate (merchant key)",
  "Code jobs": "Bulk generation, import and export of codes as background jobs (merchant key)",
  Partners: "Partners and their tracking rules for attribution (merchant key)",
  Reports: "Performance by code and by partner, JSON or .xlsx (merchant key)",
  Alerts: "Misuse alerts (merchant key)",
  Checkout: "Quote a cart with a code before reserving (checkout key)",
  Reservations: "Reserve a code for a cart, then confirm or release it (checkout key)",
  "API keys": "Create, list and revoke the store's API keys (admin key)",
  Operations: "Liveness and readiness probes (no key)",
};

/** The tags the operations use, in first-use order, each with a description when one is known. */
function tagsOf(paths: Record<string, object>): { name: string; description?: string }[] {
  const names = new Set<string>();
  for (const operations of Object.values(paths))
    for (const operation of Object.values(operations) as { tags?: string[] }[])
      for (const tag of operation?.tags ?? []) names.add(tag);
  return [...names].map((name) =>
    TAG_DESCRIPTIONS[name] ? { name, description: TAG_DESCRIPTIONS[name] } : { name },
  );
}

/**
 * Every API operation reads PostgreSQL or Redis, so any of them may answer 503 while one is away
 * (errors.ts: with Retry-After); routes that do not list it themselves get it here.
 */
function declareServiceUnavailable(paths: Record<string, Record<string, unknown>>): void {
  for (const [path, operations] of Object.entries(paths)) {
    if (!path.startsWith("/v1/")) continue;
    for (const operation of Object.values(operations) as { responses?: Record<string, unknown> }[]) {
      if (!operation.responses || "503" in operation.responses) continue;
      operation.responses["503"] = {
        description: "SERVICE_UNAVAILABLE: PostgreSQL or Redis is away; retry after Retry-After seconds",
        headers: ERROR_HEADERS[503],
        content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
      };
    }
  }
}

/** OpenAPI 3.1 document generated from the same zod schemas that validate requests. */
export function buildOpenApiDocument(app: OpenAPIHono<GatewayEnv>) {
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "API key with scopes merchant, checkout or admin",
  });
  app.openAPIRegistry.register("ErrorCode", ErrorCodeSchema);
  const document = app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: {
      title: "Promo-code redemption API",
      version: "1.0.0",
      description: DESCRIPTION + errorCatalogueTable(),
    },
    security: [{ bearer: [] }],
  });
  declareServiceUnavailable((document.paths ?? {}) as Record<string, Record<string, unknown>>);
  return {
    ...document,
    tags: tagsOf(document.paths ?? {}),
    // A code worded otherwise on the merchant's routes (adding, importing or re-dating codes) says so.
    "x-error-catalogue": ERROR_CODES.map((code) => {
      const merchantMessages = MERCHANT_MESSAGES[code];
      return {
        code,
        status: HTTP_STATUS_BY_ERROR_CODE[code],
        messages: ERROR_MESSAGES[code],
        ...(merchantMessages ? { merchantMessages } : {}),
      };
    }),
  };
}
