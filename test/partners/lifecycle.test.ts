// Code lifecycle (docs/api.md "Code lifecycle"): expiring and reactivating a code, archiving a campaign,
// and what each does to checkout answers and to holds already taken. Gateway and reservation worker
// as separate processes on real PostgreSQL and Redis.
import { createTestContext, eventually, type TestContext } from "@promo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, createLiveCampaign, FLASH_CART, type System, startSystem } from "../support/system.ts";

const HOLD_MS = 3_000;

let ctx: TestContext;
let system: System;
let gatewayUrl: string;

beforeAll(async () => {
  ctx = await createTestContext("code-lifecycle");
  system = await startSystem(ctx, {
    gateways: 1,
    workers: 1,
    env: { RESERVATION_TTL_MS: String(HOLD_MS), EXPIRY_SWEEP_INTERVAL_MS: "200" },
  });
  gatewayUrl = system.gateways[0]?.url ?? "";
});

afterAll(async () => {
  await system?.stop();
  await ctx?.cleanup();
});

type Answer = {
  id: string;
  status: string;
  expiresAt: string | null;
  orderNumber: string | null;
  error?: { code: string; details?: { id?: string } };
};
type QuoteAnswer = { applied: { code: string }[]; refused: { code: string; error: { code: string } }[] };
type CodeState = { items: { state: string; expiredAt: string | null }[] };

function merchant<T = Record<string, unknown>>(method: string, path: string, body?: unknown) {
  return api<T>(gatewayUrl, system.store.keys.merchant, method, path, body);
}

function checkout<T = Answer>(method: string, path: string, body?: unknown) {
  return api<T>(gatewayUrl, system.store.keys.checkout, method, path, body);
}

function reserve(code: string, accountId: string) {
  return checkout("POST", "/v1/reservations", { code, accountId, cart: FLASH_CART });
}

async function quoteRefusal(code: string): Promise<string | null> {
  const quote = await checkout<QuoteAnswer>("POST", "/v1/checkout/quote", {
    codes: [code],
    accountId: "quoter",
    cart: FLASH_CART,
  });
  expect(quote.status).toBe(200);
  // One code asked, so one refusal at most, naming a matched code as the merchant entered it.
  const [refusal, ...others] = quote.body.refused;
  expect(others).toEqual([]);
  return refusal?.error.code ?? null;
}

async function liveCode(prefix: string, usageLimit: number | null) {
  const code = `${prefix}${Date.now().toString(36).toUpperCase()}`;
  const { campaignId } = await createLiveCampaign(gatewayUrl, system.store.keys.merchant, {
    code,
    usageLimit,
    oncePerAccount: false,
  });
  return { code, campaignId };
}

async function heldUntilRunOut(answer: Answer): Promise<void> {
  const runsOutAt = Date.parse(String(answer.expiresAt));
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, runsOutAt - Date.now() + 100)));
  await eventually(async () => {
    const polled = await checkout("GET", `/v1/reservations/${answer.id}`);
    return polled.body.status === "EXPIRED" ? polled : null;
  }, `hold ${answer.id} to run out`);
}

describe("expire and reactivate a code", () => {
  it("expire: new quotes and reservations get CODE_NOT_ACTIVE; live holds may still be confirmed or released", async () => {
    const { code } = await liveCode("EXP", 3);
    const toConfirm = await reserve(code, "in-checkout-1");
    const toRelease = await reserve(code, "in-checkout-2");
    expect([toConfirm.status, toRelease.status]).toEqual([200, 200]);

    const expired = await merchant<CodeState>("POST", `/v1/codes/${code}/expire`);
    expect(expired.status).toBe(200);
    expect(expired.body.items[0]?.state).toBe("expired");

    const confirmed = await checkout("POST", `/v1/reservations/${toConfirm.body.id}/confirm`, {
      orderNumber: "EXP-ORDER-1",
    });
    expect([confirmed.status, confirmed.body.status]).toEqual([200, "CONFIRMED"]);
    const released = await checkout("POST", `/v1/reservations/${toRelease.body.id}/release`);
    expect([released.status, released.body.status]).toEqual([200, "RELEASED"]);

    const refused = await reserve(code, "newcomer");
    expect([refused.status, refused.body.error?.code]).toEqual([422, "CODE_NOT_ACTIVE"]);
    expect(await quoteRefusal(code)).toBe("CODE_NOT_ACTIVE");
    expect(await quoteRefusal(code.toLowerCase())).toBe("CODE_NOT_ACTIVE");
    const typedLower = await checkout<QuoteAnswer>("POST", "/v1/checkout/quote", {
      codes: [code.toLowerCase()],
      accountId: "quoter",
      cart: FLASH_CART,
    });
    expect(typedLower.body.refused.map((entry) => entry.code)).toEqual([code]);

    // Expiring again changes nothing (the first expiredAt stays).
    const again = await merchant<CodeState>("POST", `/v1/codes/${code}/expire`);
    expect(again.body.items[0]?.expiredAt).toBe(expired.body.items[0]?.expiredAt);

    const lookup = await merchant<{ items: { reservations: { id: string; status: string }[] }[] }>(
      "GET",
      `/v1/codes/${code}`,
    );
    expect(lookup.body.items[0]?.reservations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: toConfirm.body.id, status: "CONFIRMED" }),
        expect.objectContaining({ id: toRelease.body.id, status: "RELEASED" }),
        expect.objectContaining({ id: refused.body.error?.details?.id, status: "REJECTED" }),
      ]),
    );
  });

  it("a hold that runs out while the code is expired cannot be confirmed late (RESERVATION_EXPIRED)", async () => {
    const { code } = await liveCode("LATE", null);
    const held = await reserve(code, "slow-buyer");
    expect(held.status).toBe(200);
    expect((await merchant("POST", `/v1/codes/${code}/expire`)).status).toBe(200);
    await heldUntilRunOut(held.body);
    const late = await checkout("POST", `/v1/reservations/${held.body.id}/confirm`, {
      orderNumber: "LATE-1",
    });
    expect([late.status, late.body.error?.code]).toEqual([409, "RESERVATION_EXPIRED"]);
  });

  it("reactivate: the code works again, and the holds taken before still count against its limit", async () => {
    const { code } = await liveCode("REACT", 1);
    const held = await reserve(code, "holder");
    expect(held.status).toBe(200);
    expect((await merchant("POST", `/v1/codes/${code}/expire`)).status).toBe(200);
    expect((await reserve(code, "other")).body.error?.code).toBe("CODE_NOT_ACTIVE");

    const reactivated = await merchant<CodeState>("POST", `/v1/codes/${code}/reactivate`);
    expect(reactivated.status).toBe(200);
    expect(reactivated.body.items[0]).toMatchObject({ state: "active", expiredAt: null });
    expect(await quoteRefusal(code)).toBe("USAGE_LIMIT_REACHED");
    const full = await reserve(code, "other");
    expect([full.status, full.body.error?.code]).toEqual([409, "USAGE_LIMIT_REACHED"]);

    expect((await checkout("POST", `/v1/reservations/${held.body.id}/release`)).status).toBe(200);
    expect(await quoteRefusal(code)).toBeNull();
    const allowed = await reserve(code, "other");
    expect([allowed.status, allowed.body.status]).toEqual([200, "RESERVED"]);
  });

  it("answers CODE_NOT_FOUND for expire or reactivate of a code the store does not have", async () => {
    const missing = await merchant<{ error: { code: string } }>("POST", "/v1/codes/NOSUCHCODE123/expire");
    expect([missing.status, missing.body.error.code]).toEqual([404, "CODE_NOT_FOUND"]);
    const reactivate = await merchant<{ error: { code: string } }>(
      "POST",
      "/v1/codes/NOSUCHCODE123/reactivate",
    );
    expect([reactivate.status, reactivate.body.error.code]).toEqual([404, "CODE_NOT_FOUND"]);
  });
});

describe("archive a campaign", () => {
  it("new quotes and reservations get CODE_NOT_ACTIVE; live holds may still be confirmed; it is final", async () => {
    const { code, campaignId } = await liveCode("ARCH", 5);
    const held = await reserve(code, "archived-buyer");
    const confirmedBefore = await reserve(code, "earlier-buyer");
    expect(
      (
        await checkout("POST", `/v1/reservations/${confirmedBefore.body.id}/confirm`, {
          orderNumber: "ARCH-ORDER-0",
        })
      ).status,
    ).toBe(200);

    const archived = await merchant<{ state: string; archivedAt: string }>(
      "POST",
      `/v1/campaigns/${campaignId}/archive`,
    );
    expect([archived.status, archived.body.state]).toEqual([200, "archived"]);
    const confirmed = await checkout("POST", `/v1/reservations/${held.body.id}/confirm`, {
      orderNumber: "ARCH-ORDER-1",
    });
    expect([confirmed.status, confirmed.body.status]).toEqual([200, "CONFIRMED"]);

    const refused = await reserve(code, "after-archive");
    expect([refused.status, refused.body.error?.code]).toEqual([422, "CODE_NOT_ACTIVE"]);
    expect(await quoteRefusal(code)).toBe("CODE_NOT_ACTIVE");

    // Archiving again answers the archived campaign; its code is not reactivated (archiving is final).
    const again = await merchant<{ archivedAt: string }>("POST", `/v1/campaigns/${campaignId}/archive`);
    expect(again.body.archivedAt).toBe(archived.body.archivedAt);
    const reactivated = await merchant<{ error: { code: string } }>("POST", `/v1/codes/${code}/reactivate`);
    expect([reactivated.status, reactivated.body.error.code]).toEqual([409, "CAMPAIGN_ARCHIVED"]);
    expect((await reserve(code, "after-archive")).body.error?.code).toBe("CODE_NOT_ACTIVE");

    const lookup = await merchant<{ items: { reservations: { id: string; status: string }[] }[] }>(
      "GET",
      `/v1/codes/${code}`,
    );
    const statuses = new Map(lookup.body.items[0]?.reservations.map((entry) => [entry.id, entry.status]));
    expect(statuses.get(confirmedBefore.body.id)).toBe("CONFIRMED");
    expect(statuses.get(held.body.id)).toBe("CONFIRMED");
  });

  it("a hold that runs out after the archive cannot be confirmed late (RESERVATION_EXPIRED)", async () => {
    const { code, campaignId } = await liveCode("ARLATE", null);
    const held = await reserve(code, "slow-buyer");
    expect(held.status).toBe(200);
    expect((await merchant("POST", `/v1/campaigns/${campaignId}/archive`)).status).toBe(200);
    await heldUntilRunOut(held.body);
    const late = await checkout("POST", `/v1/reservations/${held.body.id}/confirm`, {
      orderNumber: "ARLATE-1",
    });
    expect([late.status, late.body.error?.code]).toEqual([409, "RESERVATION_EXPIRED"]);
  });
});
