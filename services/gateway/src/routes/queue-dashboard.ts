import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { HonoAdapter } from "@bull-board/hono";
import { serveStatic } from "@hono/node-server/serve-static";
import type { Queue } from "bullmq";
import { Hono } from "hono";
import type { GatewayEnv } from "../env.ts";

/** Bull Board's page asks Google for its fonts: an operator's browser would tell Google each visit. */
const REMOTE_FONTS_LINK = /<link[^>]+href="https:\/\/fonts\.googleapis\.com\/[^"]*"[^>]*>/g;

/**
 * The dashboard loads nothing from elsewhere: its own scripts, styles (it sets some inline), images
 * and JSON API. Fonts fall back to the system's.
 */
export const DASHBOARD_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/**
 * Bull Board for the given queues, served under `basePath` (its page, assets and JSON API). The
 * caller mounts it at the same path behind the admin scope.
 */
export function queueDashboardRoutes(input: { queues: readonly Queue[]; basePath: string }) {
  const serverAdapter = new HonoAdapter(serveStatic).setBasePath(input.basePath);
  createBullBoard({ queues: input.queues.map((queue) => new BullMQAdapter(queue)), serverAdapter });
  const app = new Hono<GatewayEnv>();
  app.use(async (c, next) => {
    await next();
    if (c.res.headers.get("content-type")?.startsWith("text/html")) {
      const page = (await c.res.text()).replace(REMOTE_FONTS_LINK, "");
      const headers = new Headers(c.res.headers);
      headers.delete("content-length");
      c.res = new Response(page, { status: c.res.status, headers });
    }
    c.res.headers.set("Content-Security-Policy", DASHBOARD_CONTENT_SECURITY_POLICY);
  });
  app.route("/", serverAdapter.registerPlugin());
  return app;
}
