import type { OpenAPIHono } from "@hono/zod-openapi";
import type { GatewayEnv } from "./env.ts";

/** OpenAPI 3.1 document generated from the same zod schemas that validate requests. */
export function buildOpenApiDocument(app: OpenAPIHono<GatewayEnv>) {
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "API key with scopes merchant, checkout or admin",
  });
  return app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: {
      title: "Promo-code redemption API",
      version: "1.0.0",
      description:
        "Campaigns, codes, quotes and reservations with exact usage caps. Errors: {error:{code,message,details?,requestId}}.",
    },
    security: [{ bearer: [] }],
  });
}
