import type { OpenAPIHono } from "@hono/zod-openapi";
import { HTTP_STATUS_BY_ERROR_CODE } from "@promo/contracts";
import { ERROR_CODES, ERROR_MESSAGES } from "@promo/domain";
import type { GatewayEnv } from "./env.ts";

/** Every error code with its HTTP status and messages, as a Markdown table for the docs page. */
function errorCatalogueTable(): string {
  const rows = ERROR_CODES.map(
    (code) =>
      `| \`${code}\` | ${HTTP_STATUS_BY_ERROR_CODE[code]} | ${ERROR_MESSAGES[code].en} | ${ERROR_MESSAGES[code]["zh-TW"]} |`,
  );
  return ["| code | HTTP | en | zh-TW |", "| --- | --- | --- | --- |", ...rows].join("\n");
}

const DESCRIPTION = `Campaigns, codes, quotes and reservations with exact usage caps (SPEC §5).

Authenticate with \`Authorization: Bearer <API key>\`; keys carry the scopes \`merchant\`, \`checkout\` or \`admin\`.
Money is integer minor units; times are ISO 8601 (answers in UTC). Send \`Accept-Language: zh-TW\` for Traditional Chinese messages.

The Kafka contract (order events in, reservation events and alerts out) is an AsyncAPI 3.0 document at [/asyncapi.json](/asyncapi.json).

## Errors

Every error answers \`{ "error": { "code", "message", "details"?, "requestId" } }\` with one of these codes:

`;

/** OpenAPI 3.1 document generated from the same zod schemas that validate requests. */
export function buildOpenApiDocument(app: OpenAPIHono<GatewayEnv>) {
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "API key with scopes merchant, checkout or admin",
  });
  app.openAPIRegistry.registerComponent("schemas", "ErrorCode", {
    type: "string",
    enum: [...ERROR_CODES],
    description:
      "Every error code the API answers; see the table in the description for statuses and messages.",
  });
  const document = app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: {
      title: "Promo-code redemption API",
      version: "1.0.0",
      description: DESCRIPTION + errorCatalogueTable(),
    },
    security: [{ bearer: [] }],
  });
  return {
    ...document,
    "x-error-catalogue": ERROR_CODES.map((code) => ({
      code,
      status: HTTP_STATUS_BY_ERROR_CODE[code],
      messages: ERROR_MESSAGES[code],
    })),
  };
}
