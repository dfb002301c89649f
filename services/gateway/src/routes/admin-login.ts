import type { ApiKeyPrincipal } from "@promo/db";
import { Hono } from "hono";
import { setCookie } from "hono/cookie";
import { html } from "hono/html";
import type { GatewayEnv } from "../env.ts";
import { ADMIN_KEY_COOKIE } from "../middleware/auth.ts";
import { DASHBOARD_CONTENT_SECURITY_POLICY } from "./queue-dashboard.ts";

export const ADMIN_LOGIN_PATH = "/admin/login";
const SESSION_SECONDS = 8 * 3_600;

/**
 * A browser cannot send `Authorization` to the queue dashboard, so an operator signs in here once:
 * the admin key goes into an HttpOnly, SameSite=Strict cookie scoped to /admin (8 hours), which the
 * admin routes accept in place of the header. Not part of the API (not in /openapi.json).
 */
export function adminLoginRoutes(input: {
  authenticate: (secret: string) => Promise<ApiKeyPrincipal | null>;
  dashboardPath: string;
  /** The slug of the store whose admin keys open the dashboard. */
  dashboardStore: string;
}) {
  const app = new Hono<GatewayEnv>();
  const page = (message: string | null) => html`<!doctype html>
<html lang="en">
  <head><meta charset="utf-8" /><title>Promo admin sign-in</title></head>
  <body style="font-family: system-ui, sans-serif; max-width: 28rem; margin: 4rem auto">
    <h1>Queue dashboard</h1>
    ${message ? html`<p role="alert" style="color: #b00020">${message}</p>` : ""}
    <form method="post" action="${ADMIN_LOGIN_PATH}">
      <label>Admin API key <input type="password" name="key" autocomplete="off" required /></label>
      <button type="submit">Sign in</button>
    </form>
  </body>
</html>`;

  // The sign-in page keeps to its own origin too, as the dashboard does.
  app.use(ADMIN_LOGIN_PATH, async (c, next) => {
    await next();
    c.res.headers.set("Content-Security-Policy", DASHBOARD_CONTENT_SECURITY_POLICY);
  });
  app.get(ADMIN_LOGIN_PATH, (c) => c.html(page(null)));
  app.post(ADMIN_LOGIN_PATH, async (c) => {
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const key = typeof form.key === "string" ? form.key.trim() : "";
    const principal = key.length > 0 && key.length <= 512 ? await input.authenticate(key) : null;
    if (!principal) return c.html(page("That key is not valid."), 401);
    if (principal.storeSlug !== input.dashboardStore)
      return c.html(
        page("The queue dashboard shows every store's queues: only the operator store's admin keys open it."),
        403,
      );
    if (!principal.scopes.includes("admin")) return c.html(page("That key has no admin scope."), 403);
    setCookie(c, ADMIN_KEY_COOKIE, key, {
      path: "/admin",
      httpOnly: true,
      sameSite: "Strict",
      secure: new URL(c.req.url).protocol === "https:" || c.req.header("x-forwarded-proto") === "https",
      maxAge: SESSION_SECONDS,
    });
    return c.redirect(input.dashboardPath, 303);
  });
  return app;
}
