/** One entry of a Hono app's route table (`app.routes`). Middleware is registered for method "ALL". */
export type RouteEntry = { readonly method: string; readonly path: string };

/**
 * The methods an app answers on a path, read off its route table, so that a known path asked with
 * another method is told 405 with `Allow` instead of 404. HEAD goes with GET, as Hono answers it.
 */
export function allowedMethodsOf(routes: readonly RouteEntry[]): (path: string) => string[] {
  const patterns = compiledRoutes(routes);
  return (path) => {
    const methods = new Set(patterns.filter(({ pattern }) => pattern.test(path)).map(({ method }) => method));
    if (methods.has("GET")) methods.add("HEAD");
    return [...methods].sort();
  };
}

/**
 * The route path (`/v1/campaigns/:id`) a path matches for any method, null when none does: what a
 * 405 or an OPTIONS answer is counted under in the metrics, as the route asked for.
 */
export function routePathOf(routes: readonly RouteEntry[]): (path: string) => string | null {
  const patterns = compiledRoutes(routes);
  return (path) => patterns.find(({ pattern }) => pattern.test(path))?.path ?? null;
}

function compiledRoutes(routes: readonly RouteEntry[]) {
  return routes
    .filter((route) => route.method !== "ALL")
    .map((route) => ({
      method: route.method.toUpperCase(),
      path: route.path,
      pattern: patternOf(route.path),
    }));
}

/** Hono's path syntax (`/v1/campaigns/:id`, `:id{[0-9]+}`, `*`) as an anchored regular expression. */
function patternOf(routePath: string): RegExp {
  const source = routePath
    .split("/")
    .map((segment) => {
      if (segment === "*") return ".*";
      if (segment.startsWith(":")) {
        const custom = /\{(.+)\}$/.exec(segment);
        return custom ? `(?:${custom[1]})` : "[^/]+";
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
  return new RegExp(`^${source}$`);
}
