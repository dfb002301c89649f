import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { buildAsyncApiDocument } from "@promo/contracts";
import { Hono } from "hono";
import type { GatewayEnv } from "../env.ts";

export const DOCS_PATH = "/docs";
export const ASYNCAPI_PATH = "/asyncapi.json";
const ASSETS_PATH = `${DOCS_PATH}/assets`;

/** The Swagger UI files the page uses, served from the installed package: no CDN, works offline. */
const ASSETS: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "swagger-ui-standalone-preset.js": "text/javascript; charset=utf-8",
  "favicon-32x32.png": "image/png",
};
const swaggerUiDirectory = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Promo-code redemption API</title>
  <link rel="icon" type="image/png" href="${ASSETS_PATH}/favicon-32x32.png">
  <link rel="stylesheet" href="${ASSETS_PATH}/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${ASSETS_PATH}/swagger-ui-bundle.js"></script>
  <script src="${ASSETS_PATH}/swagger-ui-standalone-preset.js"></script>
  <script src="${DOCS_PATH}/init.js"></script>
</body>
</html>`;

// Served as a file (not inline) so a strict Content-Security-Policy can forbid inline scripts.
const INIT = `window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: "StandaloneLayout",
  persistAuthorization: false,
});`;

/**
 * Interactive API docs (Swagger UI) at /docs over /openapi.json, and the Kafka contract as an
 * AsyncAPI 3.0 document at /asyncapi.json (the SPEC's topic names; a deployment may rename them
 * with TOPIC_*). Public: they describe the API, they expose no data.
 */
export function docsRoutes() {
  const app = new Hono<GatewayEnv>();
  let asyncApiDocument: ReturnType<typeof buildAsyncApiDocument> | undefined;
  app.get(DOCS_PATH, (c) => c.html(PAGE));
  app.get(`${DOCS_PATH}/init.js`, (c) =>
    c.body(INIT, 200, { "content-type": "text/javascript; charset=utf-8" }),
  );
  app.get(`${ASSETS_PATH}/:file`, async (c) => {
    const file = c.req.param("file");
    const contentType = ASSETS[file];
    if (!contentType) return c.notFound();
    const content = await readFile(join(swaggerUiDirectory, file));
    return c.body(new Uint8Array(content), 200, {
      "content-type": contentType,
      "cache-control": "public, max-age=86400",
    });
  });
  app.get(ASYNCAPI_PATH, (c) => {
    asyncApiDocument ??= buildAsyncApiDocument();
    return c.json(asyncApiDocument);
  });
  return app;
}
