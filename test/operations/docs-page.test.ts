import { existsSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { createTestContext, type TestContext } from "@promo/testing";
import { REPO_ROOT } from "@promo/testing/processes";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type System, startSystem } from "../support/system.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
// Flags for a root user on a machine with a closed network (no sandbox, no background fetches).
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const SCREENSHOT = join(REPO_ROOT, "test-artifacts", "docs.png");

let ctx: TestContext;
let system: System;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`no browser at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
  ctx = await createTestContext("docs-page");
  system = await startSystem(ctx, { gateways: 1, workers: 0 });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  await system?.stop();
  await ctx?.cleanup();
});

describe("the API docs page in a real browser", () => {
  it("renders the operations from /openapi.json, the reservation endpoint included", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 2000 } });
    const failed: string[] = [];
    page.on("requestfailed", (request) => failed.push(request.url()));
    await page.goto(`${system.gateways[0]?.url}/docs`);
    const reserve = page.locator(".opblock-post", { hasText: "/v1/reservations" }).first();
    await reserve.waitFor({ state: "visible", timeout: 20_000 });
    expect(await reserve.locator(".opblock-summary-path").first().textContent()).toBe("/v1/reservations");
    expect(await page.locator(".opblock").count()).toBeGreaterThan(15);
    await expect(page.title()).resolves.toBe("Promo-code redemption API");
    mkdirSync(join(REPO_ROOT, "test-artifacts"), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
    expect(statSync(SCREENSHOT).size).toBeGreaterThan(20_000);
    expect(failed).toEqual([]);
  });
});

describe("the queue dashboard in a real browser", () => {
  it("sends a signed-out browser to sign in, then shows the queues with the admin key's cookie", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const page = await context.newPage();
      const gatewayUrl = system.gateways[0]?.url ?? "";
      const elsewhere: string[] = [];
      page.on("request", (request) => {
        if (!request.url().startsWith(`${gatewayUrl}/`)) elsewhere.push(request.url());
      });
      const signIn = await page.goto(`${gatewayUrl}/admin/queues`);
      expect(new URL(page.url()).pathname).toBe("/admin/login");
      expect(signIn?.headers()["content-security-policy"]).toContain("default-src 'self'");

      await page.fill('input[name="key"]', system.store.keys.merchant);
      await page.click('button[type="submit"]');
      await expect(page.locator('[role="alert"]').textContent()).resolves.toContain("no admin scope");

      await page.fill('input[name="key"]', system.store.keys.admin);
      const dashboard = page.waitForResponse(`${gatewayUrl}/admin/queues`);
      await page.click('button[type="submit"]');
      await page.waitForURL(`${gatewayUrl}/admin/queues`);
      await page.getByText("{reservations-00}").first().waitFor({ state: "visible", timeout: 20_000 });
      // Nothing is fetched from elsewhere (Bull Board's page asked Google for fonts).
      expect(elsewhere).toEqual([]);
      expect((await dashboard).headers()["content-security-policy"]).toContain("default-src 'self'");
      const [cookie] = await context.cookies();
      expect(cookie).toMatchObject({
        name: "promo_admin_key",
        path: "/admin",
        httpOnly: true,
        sameSite: "Strict",
      });
      // The cookie opens the admin pages only: the API still wants the key in a header.
      const api = await page.evaluate(async () => (await fetch("/v1/campaigns")).status);
      expect(api).toBe(401);
    } finally {
      await context.close();
    }
  });
});
