import { createTestContext, type SeededStore, seedStore, type TestContext } from "@promo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestGateway } from "../testing/test-gateway.ts";

let ctx: TestContext;
let gateway: Awaited<ReturnType<typeof createTestGateway>>;
let store: SeededStore;
let otherStore: SeededStore;

beforeAll(async () => {
  ctx = await createTestContext("dashboard");
  store = await seedStore(ctx.db.database.prisma, "dash");
  otherStore = await seedStore(ctx.db.database.prisma, "other");
  gateway = await createTestGateway(ctx, { dashboardStore: store.slug });
});

afterAll(async () => {
  await ctx?.cleanup();
});

const get = (path: string, key?: string) =>
  gateway.app.request(path, { headers: key ? { authorization: `Bearer ${key}` } : {} });

describe("queue dashboard at /admin/queues", () => {
  it("is for admin keys only", async () => {
    expect((await get("/admin/queues")).status).toBe(401);
    expect((await get("/admin/queues", store.keys.checkout)).status).toBe(403);
    expect((await get("/admin/queues", store.keys.merchant)).status).toBe(403);
    expect((await get("/admin/queues/api/queues", store.keys.checkout)).status).toBe(403);
  });

  it("is not there for another store's keys, admin or not: the queues carry every store's requests", async () => {
    for (const path of ["/admin/queues", "/admin/queues/api/queues"]) {
      for (const key of [otherStore.keys.admin, otherStore.keys.checkout, otherStore.keys.merchant]) {
        const answer = await get(path, key);
        expect([path, answer.status]).toEqual([path, 404]);
        expect(((await answer.json()) as { error: { code: string } }).error.code).toBe("NOT_FOUND");
      }
    }
    // Nor can it act on a queue (Bull Board's pause, clean, retry …).
    const pause = await gateway.app.request("/admin/queues/api/queues/%7Bcode-jobs%7D/pause", {
      method: "PUT",
      headers: { authorization: `Bearer ${otherStore.keys.admin}` },
    });
    expect(pause.status).toBe(404);
    expect(await gateway.codeJobs.queue.isPaused()).toBe(false);
    // Signing in with it is refused, saying why, and sets no cookie.
    const signIn = await gateway.app.request("/admin/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ key: otherStore.keys.admin }).toString(),
    });
    expect(signIn.status).toBe(403);
    expect(signIn.headers.get("set-cookie")).toBeNull();
    expect(await signIn.text()).toContain("only the operator store&#39;s admin keys open it");
    // So is its merchant key, for the same reason: not sent off to make an admin key.
    const merchantSignIn = await gateway.app.request("/admin/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ key: otherStore.keys.merchant }).toString(),
    });
    expect(await merchantSignIn.text()).toContain("only the operator store&#39;s admin keys open it");
  });

  it("serves the page, its assets and the queues with their job counts", async () => {
    const page = await get("/admin/queues", store.keys.admin);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<div id="root"');
    const base = /<base href="([^"]+)"/.exec(html)?.[1];
    expect(base).toBe("/admin/queues/");
    const script = /<script[^>]+src="([^"]+\.js)"/.exec(html)?.[1];
    const asset = await get(new URL(script ?? "missing.js", `http://gateway${base}`).pathname);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toContain("javascript");

    await gateway.codeJobs.enqueue({
      jobId: "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f",
      storeId: "0b8a9f34-1d2c-4a5e-9b7f-3c2d1e0f4a5b",
      kind: "generate_codes",
    });
    const api = await get("/admin/queues/api/queues", store.keys.admin);
    expect(api.status).toBe(200);
    const body = (await api.json()) as { queues: { name: string; counts: Record<string, number> }[] };
    const codeJobs = body.queues.find((queue) => queue.name === "{code-jobs}");
    expect(codeJobs?.counts.waiting).toBe(1);
    expect(body.queues.map((queue) => queue.name)).toContain("{reservations-00}");
  });

  it("lets a browser sign in with an admin key (HttpOnly cookie for /admin only) and open the page", async () => {
    const asBrowser = { accept: "text/html,application/xhtml+xml" };
    const signedOut = await gateway.app.request("/admin/queues", { headers: asBrowser });
    expect(signedOut.status).toBe(303);
    expect(signedOut.headers.get("location")).toBe("/admin/login");
    const form = await gateway.app.request("/admin/login");
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('<input type="password" name="key"');

    const signIn = (key: string) =>
      gateway.app.request("/admin/login", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ key }).toString(),
      });
    expect((await signIn("not-a-key")).status).toBe(401);
    const merchant = await signIn(store.keys.merchant);
    expect(merchant.status).toBe(403);
    expect(merchant.headers.get("set-cookie")).toBeNull();
    const admin = await signIn(store.keys.admin);
    expect(admin.status).toBe(303);
    expect(admin.headers.get("location")).toBe("/admin/queues");
    const cookie = admin.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^promo_admin_key=[^;]+; Max-Age=28800; Path=\/admin; HttpOnly; SameSite=Strict$/);

    const withCookie = { ...asBrowser, cookie: cookie.split(";")[0] ?? "" };
    expect((await gateway.app.request("/admin/queues", { headers: withCookie })).status).toBe(200);
    expect((await gateway.app.request("/admin/queues/api/queues", { headers: withCookie })).status).toBe(200);
    const slash = await gateway.app.request("/admin/queues/", { headers: withCookie });
    expect(slash.status).toBe(308);
    expect(slash.headers.get("location")).toBe("/admin/queues");
    // The cookie opens the admin pages only, never the API.
    expect((await gateway.app.request("/v1/campaigns", { headers: withCookie })).status).toBe(401);
    // A merchant key in the cookie is still refused.
    const merchantCookie = { cookie: `promo_admin_key=${store.keys.merchant}` };
    expect((await gateway.app.request("/admin/queues/api/queues", { headers: merchantCookie })).status).toBe(
      403,
    );
  });
});
