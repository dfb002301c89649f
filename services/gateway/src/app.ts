import { OpenAPIHono } from "@hono/zod-openapi";
import { DomainError } from "@promo/domain";
import { renderMetrics } from "@promo/observability";
import { getCookie } from "hono/cookie";
import { allowedMethodsOf, routePathOf } from "./allowed-methods.ts";
import type { GatewayDeps } from "./deps.ts";
import type { GatewayEnv } from "./env.ts";
import { handleError, respondWithError } from "./errors.ts";
import { ADMIN_KEY_COOKIE, createAuthenticator } from "./middleware/auth.ts";
import { limitBodySize } from "./middleware/body-limit.ts";
import { requireJsonBody } from "./middleware/json-body.ts";
import { readMultipartForms } from "./middleware/multipart-form.ts";
import { requireUtf8Path } from "./middleware/path-encoding.ts";
import { requestContext } from "./middleware/request-context.ts";
import { buildOpenApiDocument } from "./openapi.ts";
import { ADMIN_LOGIN_PATH, adminLoginRoutes } from "./routes/admin-login.ts";
import { alertRoutes } from "./routes/alerts.ts";
import { apiKeyRoutes } from "./routes/api-keys.ts";
import { benchRoutes } from "./routes/bench.ts";
import { campaignRoutes } from "./routes/campaigns.ts";
import { checkoutRoutes } from "./routes/checkout.ts";
import { codeJobRoutes, IMPORT_PATH, MULTIPART_ENVELOPE_BYTES } from "./routes/code-jobs.ts";
import { codeRoutes } from "./routes/codes.ts";
import { docsRoutes } from "./routes/docs.ts";
import { healthRoutes } from "./routes/health.ts";
import { orderRoutes } from "./routes/orders.ts";
import { partnerRoutes } from "./routes/partners.ts";
import { queueDashboardRoutes } from "./routes/queue-dashboard.ts";
import { reportRoutes } from "./routes/reports.ts";
import { reservationRoutes } from "./routes/reservations.ts";

const QUEUE_DASHBOARD_PATH = "/admin/queues";

/** The HTTP app: every route, one error model. main.ts serves it; tests call it directly. */
export function createApp(deps: GatewayDeps) {
  const app = new OpenAPIHono<GatewayEnv>();
  const { requireScope, authenticate, forgetKey } = createAuthenticator(
    deps.database,
    deps.settings.apiKeyCacheMs,
  );
  deps.apiKeyRevocations.onRevoked(forgetKey);

  // A request no route of its method matched (a 405, a preflight OPTIONS refused by the key check)
  // counts under the route its path names. Read once the app has every route.
  let routePath: ((path: string) => string | null) | undefined;
  const routeOfPath = (path: string) => {
    routePath ??= routePathOf(app.routes);
    return routePath(path);
  };
  app.use("*", requestContext(deps.logger, deps.metrics.httpAnswered, routeOfPath));
  // The key and its scope first: a caller without them is told 401 or 403 whatever its body, and
  // its body is never read.
  app.use("/v1/campaigns/*", requireScope("merchant"));
  app.use("/v1/campaigns", requireScope("merchant"));
  app.use("/v1/codes/*", requireScope("merchant"));
  app.use("/v1/jobs/*", requireScope("merchant"));
  app.use("/v1/partners/*", requireScope("merchant"));
  app.use("/v1/partners", requireScope("merchant"));
  app.use("/v1/reports/*", requireScope("merchant"));
  app.use("/v1/alerts", requireScope("merchant"));
  app.use("/v1/checkout/*", requireScope("checkout"));
  app.use("/v1/reservations/*", requireScope("checkout"));
  app.use("/v1/reservations", requireScope("checkout"));
  app.use("/v1/orders/*", requireScope("checkout"));
  app.use("/v1/api-keys", requireScope("admin"));
  app.use("/v1/api-keys/*", requireScope("admin"));
  app.use("/v1/me", requireScope("any"));
  app.use(
    "/v1/*",
    limitBodySize(deps.settings.bodyLimitBytes, [
      {
        path: IMPORT_PATH,
        maxBytes: deps.settings.importMaxBytes + MULTIPART_ENVELOPE_BYTES,
        limitBytes: deps.settings.importMaxBytes,
      },
    ]),
  );
  app.use("/v1/*", requireUtf8Path);
  app.use("/v1/*", requireJsonBody([IMPORT_PATH]));
  app.use("/v1/*", readMultipartForms([IMPORT_PATH]));

  app.route("/", healthRoutes(deps));
  app.route("/", docsRoutes());
  app.route("/", campaignRoutes(deps));
  app.route("/", codeRoutes(deps));
  app.route("/", codeJobRoutes(deps));
  app.route("/", partnerRoutes(deps));
  app.route("/", reportRoutes(deps));
  app.route("/", alertRoutes(deps));
  app.route("/", checkoutRoutes(deps));
  app.route("/", reservationRoutes(deps));
  app.route("/", orderRoutes(deps));
  app.route("/", apiKeyRoutes(deps, { forgetKey }));

  // The page and its API need an admin key (a header, or the cookie a browser gets at /admin/login);
  // its static assets (the library's own files) and the sign-in page do not.
  const requireKey = requireScope("any", { cookie: true });
  app.use(ADMIN_LOGIN_PATH, limitBodySize(4_096));
  app.route(
    "/",
    adminLoginRoutes({
      authenticate,
      dashboardPath: QUEUE_DASHBOARD_PATH,
      dashboardStore: deps.settings.dashboardStore,
    }),
  );
  app.use("/admin/*", async (c, next) => {
    if (c.req.path.startsWith(`${QUEUE_DASHBOARD_PATH}/static/`) || c.req.path === ADMIN_LOGIN_PATH)
      return next();
    // A browser that has not signed in is sent to the sign-in page instead of a JSON 401.
    const signedOut = !c.req.header("authorization") && !getCookie(c, ADMIN_KEY_COOKIE);
    if (signedOut && c.req.method === "GET" && c.req.header("accept")?.includes("text/html"))
      return c.redirect(ADMIN_LOGIN_PATH, 303);
    // The queues carry every store's requests: only the operator's store sees them. To another
    // store's key, whatever its scopes, the dashboard is, like another store's data, not there (a
    // 403 naming the admin scope would send it to make an admin key that is then not let in either).
    return requireKey(c, async () => {
      const principal = c.get("principal");
      if (principal.storeSlug !== deps.settings.dashboardStore)
        throw new DomainError("NOT_FOUND", { path: c.req.path });
      if (!principal.scopes.includes("admin")) throw new DomainError("FORBIDDEN", { requiredScope: "admin" });
      await next();
    });
  });
  app.get(`${QUEUE_DASHBOARD_PATH}/`, (c) => c.redirect(QUEUE_DASHBOARD_PATH, 308));
  app.route(
    QUEUE_DASHBOARD_PATH,
    queueDashboardRoutes({ queues: deps.dashboardQueues, basePath: QUEUE_DASHBOARD_PATH }),
  );

  if (deps.settings.benchRoutes) {
    app.use("/bench/*", requireScope("checkout"));
    app.use("/bench/*", limitBodySize(deps.settings.bodyLimitBytes));
    app.use("/bench/*", requireJsonBody());
    app.route("/", benchRoutes(deps));
  }

  let openApiDocument: ReturnType<typeof buildOpenApiDocument> | undefined;
  app.get("/openapi.json", (c) => {
    openApiDocument ??= buildOpenApiDocument(app);
    return c.json(openApiDocument);
  });
  // Prometheus scrapes without a key: keep this port on the internal network, or give /metrics a
  // port of its own with METRICS_PORT (docs/operations.md).
  if (deps.settings.metricsRoute)
    app.get("/metrics", async (c) => {
      const { contentType, body } = await renderMetrics(deps.metrics.registry);
      return c.body(body, 200, { "content-type": contentType });
    });
  let allowedMethods: ((path: string) => string[]) | undefined;
  app.notFound((c) => {
    allowedMethods ??= allowedMethodsOf(app.routes);
    const allowed = allowedMethods(c.req.path);
    // A route that exists for this method and still answered "not found" (an unknown docs asset).
    if (allowed.length === 0 || allowed.includes(c.req.method))
      return respondWithError(c, "NOT_FOUND", { path: c.req.path });
    c.header("Allow", allowed.join(", "));
    return respondWithError(c, "METHOD_NOT_ALLOWED", { method: c.req.method, allowed });
  });
  app.onError(handleError);
  return app;
}

export type GatewayApp = ReturnType<typeof createApp>;
