import { describe, expect, it } from "vitest";
import { allowedMethodsOf, routePathOf } from "./allowed-methods.ts";

const ROUTES = [
  { method: "ALL", path: "/v1/campaigns/*" },
  { method: "GET", path: "/v1/campaigns" },
  { method: "POST", path: "/v1/campaigns" },
  { method: "GET", path: "/v1/campaigns/:id" },
  { method: "PATCH", path: "/v1/campaigns/:id" },
  { method: "POST", path: "/v1/campaigns/:id/archive" },
  { method: "GET", path: "/v1/jobs/:id{[0-9a-f-]+}" },
  { method: "GET", path: "/admin/queues/static/*" },
  { method: "GET", path: "/openapi.json" },
];

describe("allowedMethodsOf", () => {
  const allowed = allowedMethodsOf(ROUTES);

  it("lists every method of the routes a path matches, HEAD with GET, middleware aside", () => {
    expect(allowed("/v1/campaigns")).toEqual(["GET", "HEAD", "POST"]);
    expect(allowed("/v1/campaigns/8b2f")).toEqual(["GET", "HEAD", "PATCH"]);
    expect(allowed("/v1/campaigns/8b2f/archive")).toEqual(["POST"]);
    expect(allowed("/admin/queues/static/js/app.js")).toEqual(["GET", "HEAD"]);
  });

  it("matches a parameter within one segment only, and honours a parameter's own pattern", () => {
    expect(allowed("/v1/campaigns/8b2f/other")).toEqual([]);
    expect(allowed("/v1/campaigns/")).toEqual([]);
    expect(allowed("/v1/jobs/0a-1f")).toEqual(["GET", "HEAD"]);
    expect(allowed("/v1/jobs/not_a_uuid")).toEqual([]);
  });

  it("takes literal segments literally", () => {
    expect(allowed("/openapi.json")).toEqual(["GET", "HEAD"]);
    expect(allowed("/openapiXjson")).toEqual([]);
    expect(allowed("/nowhere")).toEqual([]);
  });
});

describe("routePathOf", () => {
  const routePath = routePathOf(ROUTES);

  it("names the route a path is, middleware aside, and null for a path no route has", () => {
    expect(routePath("/v1/campaigns/8b2f")).toBe("/v1/campaigns/:id");
    expect(routePath("/v1/campaigns/8b2f/archive")).toBe("/v1/campaigns/:id/archive");
    expect(routePath("/v1/jobs/0a-1f")).toBe("/v1/jobs/:id{[0-9a-f-]+}");
    expect(routePath("/v1/campaigns/8b2f/other")).toBeNull();
  });
});
