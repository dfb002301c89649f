import { createTestContext, type SeededStore, seedStore, type TestContext } from "@promo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestGateway } from "../testing/test-gateway.ts";

let ctx: TestContext;
let app: Awaited<ReturnType<typeof createTestGateway>>["app"];
let store: SeededStore;

type Json = Record<string, unknown>;

async function call(
  key: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const response = await app.request(path, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

async function campaignWithCode(code: string, overrides: Json = {}): Promise<string> {
  const now = Date.now();
  const campaign = await call(store.keys.merchant, "POST", "/v1/campaigns", {
    name: `Campaign ${code}`,
    discount: { type: "fixed", amount: 500 },
    currency: "TWD",
    startsAt: new Date(now - 3_600_000).toISOString(),
    endsAt: new Date(now + 3_600_000).toISOString(),
    productIds: ["testA", "testB", "testC", "hoodie"],
    ...overrides,
  });
  expect(campaign.status).toBe(201);
  const created = await call(store.keys.merchant, "POST", `/v1/campaigns/${String(campaign.body.id)}/codes`, {
    code,
  });
  expect(created.status).toBe(201);
  return String(campaign.body.id);
}

const SWEATSHIRT = { productId: "fleece-sweatshirt", unitPrice: 1_250, quantity: 1 };
const item = (productId: string, unitPrice: number) => ({ productId, unitPrice, quantity: 1 });

function quote(codes: string[], cart: Json, extra: Json = {}) {
  return call(store.keys.checkout, "POST", "/v1/checkout/quote", {
    codes,
    accountId: "member-1",
    cart,
    ...extra,
  });
}

beforeAll(async () => {
  ctx = await createTestContext("quote");
  ({ app } = await createTestGateway(ctx));
  store = await seedStore(ctx.db.database.prisma, "quote");
  await campaignWithCode("20212021");
});

afterAll(async () => {
  await ctx?.cleanup();
});

describe("POST /v1/checkout/quote (SPEC §3 examples)", () => {
  it("A 100, B 199, C 490, a sweatshirt 1,250 and shipping 60 with the 500 code: total 1,599", async () => {
    const response = await quote(["20212021"], {
      currency: "TWD",
      items: [item("testA", 100), item("testB", 199), item("testC", 490), SWEATSHIRT],
      shipping: 60,
    });
    expect(response.status).toBe(200);
    expect(response.body.totals).toEqual({ itemsSubtotal: 2_039, discount: 500, shipping: 60, total: 1_599 });
    expect(response.body.refused).toEqual([]);
  });

  it("A and B with the sweatshirt: the discount is capped at 299, total 1,310", async () => {
    const response = await quote(["20212021"], {
      currency: "TWD",
      items: [item("testA", 100), item("testB", 199), SWEATSHIRT],
      shipping: 60,
    });
    expect(response.body.totals).toEqual({ itemsSubtotal: 1_549, discount: 299, shipping: 60, total: 1_310 });
  });
});

describe("quote refusals and stacking", () => {
  it("reports each refused code with its error and a localized message, and prices the rest", async () => {
    await campaignWithCode("UsdOnly01", { currency: "USD" });
    await campaignWithCode("VipOnly01", { memberGroups: ["vip"] });
    await campaignWithCode("Later0001", {
      startsAt: new Date(Date.now() + 86_400_000).toISOString(),
      endsAt: new Date(Date.now() + 2 * 86_400_000).toISOString(),
    });
    const response = await quote(
      // Codes match in any letter case; a matched one is shown as the merchant entered it.
      ["20212021", "NoSuchCode", "usdonly01", "VIPONLY01", "Later0001", "bad code"],
      { currency: "TWD", items: [item("testA", 1_000)], shipping: 0 },
      {},
    );
    expect(response.status).toBe(200);
    const refused = (response.body.refused as Json[]).map((entry) => [
      entry.code,
      (entry.error as Json).code,
    ]);
    expect(refused).toEqual([
      ["NoSuchCode", "CODE_NOT_FOUND"],
      ["UsdOnly01", "CURRENCY_MISMATCH"],
      ["VipOnly01", "NOT_ELIGIBLE_MEMBER_GROUP"],
      ["Later0001", "CODE_NOT_ACTIVE"],
      ["bad code", "CODE_NOT_FOUND"],
    ]);
    expect(response.body.totals).toMatchObject({ discount: 500, total: 500 });
  });

  it("matches product ids and member groups whichever Unicode form each side typed them in", async () => {
    // The merchant typed the accents as combining marks, the checkout sends precomposed letters.
    const campaignId = await campaignWithCode("Accents01", {
      productIds: ["cafe\u0301-mug"],
      memberGroups: ["nin\u0303os"],
    });
    const stored = await call(store.keys.merchant, "GET", `/v1/campaigns/${campaignId}`);
    expect([stored.body.productIds, stored.body.memberGroups]).toEqual([["caf\u00e9-mug"], ["ni\u00f1os"]]);
    const response = await quote(
      ["Accents01"],
      { currency: "TWD", items: [item("caf\u00e9-mug", 800), item("cafe\u0301-mug", 200)], shipping: 0 },
      { memberGroups: ["ni\u00f1os"] },
    );
    expect([response.body.refused, response.body.totals]).toEqual([
      [],
      { itemsSubtotal: 1_000, discount: 500, shipping: 0, total: 500 },
    ]);
  });

  it("applies a code typed beside a string that only Unicode case mapping would make the same", async () => {
    await campaignWithCode("Summer0001");
    // "ſ" (U+017F) upper-cases to "S": the second entry once replaced the first as its duplicate.
    const response = await quote(["Summer0001", "ſummer0001"], {
      currency: "TWD",
      items: [item("testA", 1_000)],
      shipping: 0,
    });
    expect(response.status).toBe(200);
    expect((response.body.applied as Json[]).map((applied) => applied.code)).toEqual(["Summer0001"]);
    expect(
      (response.body.refused as Json[]).map((refused) => [refused.code, (refused.error as Json).code]),
    ).toEqual([["ſummer0001", "CODE_NOT_FOUND"]]);
  });

  it("finds a code typed in full-width letters and digits (an input method in full-width mode)", async () => {
    await campaignWithCode("Wide2026");
    const response = await quote(["\u3000ＷＩＤＥ２０２６\u3000", "ＮＯＴＨＥＲＥ１"], {
      currency: "TWD",
      items: [item("testA", 1_000)],
      shipping: 0,
    });
    expect(response.status).toBe(200);
    expect((response.body.applied as Json[]).map((applied) => applied.code)).toEqual(["Wide2026"]);
    expect(
      (response.body.refused as Json[]).map((refused) => [refused.code, (refused.error as Json).code]),
    ).toEqual([["NOTHERE1", "CODE_NOT_FOUND"]]);
  });

  it("stacks combinable codes in priority order and skips one that does not combine", async () => {
    const percent = await campaignWithCode("TenPct001", {
      discount: { type: "percentage", percent: 10 },
      priority: 2,
      combinesWith: "*",
    });
    await campaignWithCode("Minus1001", {
      discount: { type: "fixed", amount: 100 },
      priority: 1,
      combinesWith: [percent],
    });
    await campaignWithCode("Solo00001", {
      discount: { type: "fixed", amount: 1 },
      priority: 3,
      combinesWith: [],
    });
    const response = await quote(["tenpct001", "MINUS1001", "solo00001"], {
      currency: "TWD",
      items: [item("testA", 1_000)],
      shipping: 0,
    });
    expect((response.body.applied as Json[]).map((applied) => [applied.code, applied.discount])).toEqual([
      ["Minus1001", 100],
      ["TenPct001", 90],
    ]);
    expect(response.body.refused).toEqual([
      expect.objectContaining({
        code: "Solo00001",
        // It names the applied code it may not stack with, so the shopper knows which to drop.
        error: expect.objectContaining({ code: "NOT_COMBINABLE", details: { conflictsWith: "Minus1001" } }),
      }),
    ]);
    expect((response.body.totals as Json).total).toBe(810);
  });

  it("refuses a code that would give nothing on what the codes before it left (NO_ELIGIBLE_ITEMS), so it stops none after it", async () => {
    const all = await campaignWithCode("TakeAll01", {
      discount: { type: "fixed", amount: 5_000 },
      productIds: ["zx"],
      combinesWith: "*",
    });
    await campaignWithCode("Nothing01", {
      discount: { type: "percentage", percent: 10 },
      productIds: ["zx"],
      priority: 1,
      combinesWith: [all],
    });
    await campaignWithCode("OnZy0001", {
      discount: { type: "fixed", amount: 50 },
      productIds: ["zy"],
      priority: 2,
      combinesWith: "*",
    });
    const response = await quote(["TAKEALL01", "NOTHING01", "ONZY0001"], {
      currency: "TWD",
      items: [item("zx", 500), item("zy", 500)],
      shipping: 0,
    });
    expect((response.body.applied as Json[]).map((applied) => [applied.code, applied.discount])).toEqual([
      ["TakeAll01", 500],
      ["OnZy0001", 50],
    ]);
    expect(response.body.refused).toEqual([
      {
        code: "Nothing01",
        campaignId: expect.any(String),
        error: { code: "NO_ELIGIBLE_ITEMS", message: expect.stringContaining("comes to nothing") },
      },
    ]);
    expect((response.body.totals as Json).total).toBe(450);
  });

  it("refuses a cart that is not valid with 400 and field details", async () => {
    const response = await quote(["20212021"], { currency: "TWD", items: [item("testA", -5)], shipping: 0 });
    expect(response.status).toBe(400);
    expect(((response.body.error as Json).details as { fields: Json[] }).fields[0]).toMatchObject({
      path: "cart.items.0.unitPrice",
    });
  });

  it("refuses a reservation's wait that is empty or not a whole number, naming it, instead of reading 0", async () => {
    const body = {
      code: "20212021",
      accountId: "member-1",
      cart: { currency: "TWD", items: [item("testA", 1_000)], shipping: 0 },
    };
    for (const wait of ["", "%20", "abc", "1.5"]) {
      const response = await call(store.keys.checkout, "POST", `/v1/reservations?wait=${wait}`, body);
      expect(response.status, wait).toBe(400);
      expect(((response.body.error as Json).details as { fields: Json[] }).fields, wait).toEqual([
        { path: "wait", message: "must be a whole number" },
      ]);
    }
    for (const [wait, message] of [
      ["-1", "must be at least 0"],
      ["30001", "must be at most 30,000"],
    ]) {
      const response = await call(store.keys.checkout, "POST", `/v1/reservations?wait=${wait}`, body);
      expect([response.status, ((response.body.error as Json).details as { fields: Json[] }).fields]).toEqual(
        [400, [{ path: "wait", message }]],
      );
    }
  });

  it("says a money amount's bounds, once, for amounts past them", async () => {
    for (const [unitPrice, message] of [
      [2 ** 53, "must be at most 9,007,199,254,740,991"],
      [-1, "must be 0 or more"],
      [1.5, "must be an integer amount in minor units"],
    ] as const) {
      const response = await call(store.keys.checkout, "POST", "/v1/checkout/quote", {
        codes: ["20212021"],
        accountId: "member-1",
        cart: { currency: "TWD", items: [item("testA", unitPrice)], shipping: 0 },
      });
      expect([response.status, ((response.body.error as Json).details as { fields: Json[] }).fields]).toEqual(
        [400, [{ path: "cart.items.0.unitPrice", message }]],
      );
    }
  });

  it("needs the checkout scope", async () => {
    const response = await call(store.keys.merchant, "POST", "/v1/checkout/quote", {
      codes: ["20212021"],
      accountId: "x",
      cart: { currency: "TWD", items: [item("testA", 1)], shipping: 0 },
    });
    expect(response.status).toBe(403);
  });
});
