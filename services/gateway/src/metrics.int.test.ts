import { randomUUID } from "node:crypto";
import { createTestContext, type SeededStore, seedStore, type TestContext } from "@promo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestGateway } from "./testing/test-gateway.ts";

let ctx: TestContext;
let app: Awaited<ReturnType<typeof createTestGateway>>["app"];
let store: SeededStore;

beforeAll(async () => {
  ctx = await createTestContext("http-metrics");
  ({ app } = await createTestGateway(ctx));
  store = await seedStore(ctx.db.database.prisma, "metrics");
});

afterAll(async () => {
  await ctx?.cleanup();
});

/** The value of each sample of `name`, keyed "METHOD route [status]" (the labels as this test reads them). */
async function scrape(name: string): Promise<Map<string, number>> {
  const text = await (await app.request("/metrics")).text();
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`)) continue;
    const labels = Object.fromEntries(
      [...line.matchAll(/(\w+)="([^"]*)"/g)].map(([, key, value]) => [key, value]),
    );
    const key = [labels.method, labels.route, labels.status].filter((part) => part !== undefined).join(" ");
    samples.set(key, Number(line.slice(line.lastIndexOf(" ") + 1)));
  }
  return samples;
}

describe("HTTP metrics", () => {
  it("count answers by method, route pattern and status, never by the path's ids", async () => {
    const get = (path: string, key = store.keys.merchant) =>
      app.request(path, { headers: { authorization: `Bearer ${key}` } });
    expect((await get("/v1/campaigns")).status).toBe(200);
    expect((await get("/v1/campaigns")).status).toBe(200);
    for (let index = 0; index < 3; index += 1)
      expect((await get(`/v1/campaigns/${randomUUID()}`)).status).toBe(404);
    expect((await get("/v1/campaigns", "not-a-key")).status).toBe(401);
    expect((await get(`/no/such/path/${randomUUID()}`)).status).toBe(404);
    const asked = (method: string) =>
      app.request(`/v1/campaigns/${randomUUID()}`, {
        method,
        headers: { authorization: `Bearer ${store.keys.merchant}` },
      });
    expect((await asked("PUT")).status).toBe(405);
    expect((await asked("OPTIONS")).status).toBe(405);
    // A browser's preflight carries no key.
    expect((await app.request("/v1/campaigns", { method: "OPTIONS" })).status).toBe(401);

    const requests = await scrape("promo_http_requests_total");
    expect(requests.get("GET /v1/campaigns 200")).toBe(2);
    expect(requests.get("GET /v1/campaigns/:id 404")).toBe(3);
    expect(requests.get("GET /v1/campaigns 401")).toBe(1);
    expect(requests.get("GET unmatched 404")).toBe(1);
    expect(requests.get("PUT /v1/campaigns/:id 405")).toBe(1);
    expect(requests.get("OPTIONS /v1/campaigns/:id 405")).toBe(1);
    expect(requests.get("OPTIONS /v1/campaigns 401")).toBe(1);
    expect([...requests.keys()].filter((labels) => /[0-9a-f]{8}-[0-9a-f]{4}/.test(labels))).toEqual([]);
    const seconds = await scrape("promo_http_request_seconds_count");
    expect(seconds.get("GET /v1/campaigns/:id")).toBe(3);
  });
});
