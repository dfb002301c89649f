import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CampaignTerms } from "./campaign.ts";
import { type Cart, percentageOf, quoteCart } from "./discount.ts";
import { campaignFixture } from "./test-fixtures.ts";

const SWEATSHIRT = { productId: "SWEATSHIRT", unitPrice: 1_250, quantity: 1 };

describe("SPEC §3 worked examples", () => {
  const fixed500 = campaignFixture({
    discount: { type: "fixed", amount: 500 },
    productIds: ["A", "B", "C", "T"],
  });

  it("fixed 500 on A 100, B 199, C 490 plus a sweatshirt 1,250 and shipping 60: total 1,599", () => {
    const cart: Cart = {
      currency: "TWD",
      items: [
        { productId: "A", unitPrice: 100, quantity: 1 },
        { productId: "B", unitPrice: 199, quantity: 1 },
        { productId: "C", unitPrice: 490, quantity: 1 },
        SWEATSHIRT,
      ],
      shipping: 60,
    };
    const quote = quoteCart(cart, [{ code: "20212021", campaign: fixed500 }]);
    expect(quote.totals).toEqual({ itemsSubtotal: 2_039, discount: 500, shipping: 60, total: 1_599 });
    expect(quote.applied[0]?.lines).toEqual([
      { lineIndex: 0, discount: 100 },
      { lineIndex: 1, discount: 199 },
      { lineIndex: 2, discount: 201 },
    ]);
    expect(quote.lines[3]?.discount).toBe(0);
  });

  it("the same code on A and B only: the discount is capped at 299, total 1,310", () => {
    const cart: Cart = {
      currency: "TWD",
      items: [
        { productId: "A", unitPrice: 100, quantity: 1 },
        { productId: "B", unitPrice: 199, quantity: 1 },
        SWEATSHIRT,
      ],
      shipping: 60,
    };
    const quote = quoteCart(cart, [{ code: "20212021", campaign: fixed500 }]);
    expect(quote.totals).toEqual({ itemsSubtotal: 1_549, discount: 299, shipping: 60, total: 1_310 });
  });
});

describe("percentage discounts", () => {
  it("round half up, in exact integer arithmetic", () => {
    expect(percentageOf(1, 5_000)).toBe(1);
    expect(percentageOf(3, 5_000)).toBe(2);
    expect(percentageOf(5, 1_000)).toBe(1);
    expect(percentageOf(4, 1_250)).toBe(1);
    expect(percentageOf(3, 1_250)).toBe(0);
    expect(percentageOf(Number.MAX_SAFE_INTEGER, 10_000)).toBe(Number.MAX_SAFE_INTEGER);
  });

  it("spread by largest remainder, ties to the earlier line", () => {
    const campaign = campaignFixture({
      discount: { type: "percentage", basisPoints: 5_000 },
      productIds: ["A", "B", "C"],
    });
    const cart: Cart = {
      currency: "TWD",
      items: ["A", "B", "C"].map((productId) => ({ productId, unitPrice: 1, quantity: 1 })),
      shipping: 0,
    };
    const quote = quoteCart(cart, [{ code: "HALFOFF", campaign }]);
    expect(quote.totals.discount).toBe(2);
    expect(quote.lines.map((line) => line.discount)).toEqual([1, 1, 0]);
  });
});

describe("stacking", () => {
  const first = campaignFixture({
    id: "c1",
    priority: 1,
    combinesWith: "*",
    discount: { type: "fixed", amount: 150 },
  });
  const second = campaignFixture({
    id: "c2",
    priority: 2,
    combinesWith: "*",
    discount: { type: "percentage", basisPoints: 1_000 },
  });
  const loner = campaignFixture({
    id: "c3",
    priority: 0,
    combinesWith: [],
    discount: { type: "fixed", amount: 10 },
  });
  const cart: Cart = {
    currency: "TWD",
    items: [{ productId: "A", unitPrice: 1_000, quantity: 1 }],
    shipping: 0,
  };

  it("applies in priority order, each on what the earlier ones left", () => {
    const quote = quoteCart(cart, [
      { code: "TENPCT", campaign: second },
      { code: "MINUS150", campaign: first },
    ]);
    expect(quote.applied.map((applied) => [applied.code, applied.discount])).toEqual([
      ["MINUS150", 150],
      ["TENPCT", 85],
    ]);
    expect(quote.totals.total).toBe(765);
  });

  it("skips a campaign that may not combine with one already applied (NOT_COMBINABLE)", () => {
    const quote = quoteCart(cart, [
      { code: "MINUS150", campaign: first },
      { code: "LONER", campaign: loner },
    ]);
    expect(quote.applied.map((applied) => applied.code)).toEqual(["LONER"]);
    expect(quote.skipped).toEqual([{ code: "MINUS150", campaignId: "c1", reason: "NOT_COMBINABLE" }]);
  });

  it("never applies the same campaign twice", () => {
    const quote = quoteCart(cart, [
      { code: "MINUS150", campaign: first },
      { code: "minus150b", campaign: first },
    ]);
    expect(quote.applied).toHaveLength(1);
    expect(quote.skipped[0]?.reason).toBe("NOT_COMBINABLE");
  });
});

const PRODUCTS = ["A", "B", "C", "D", "E"];

const cartArbitrary = fc.record({
  currency: fc.constant("TWD"),
  items: fc.array(
    fc.record({
      productId: fc.constantFrom(...PRODUCTS),
      unitPrice: fc.integer({ min: 0, max: 1_000_000 }),
      quantity: fc.integer({ min: 1, max: 50 }),
    }),
    { minLength: 1, maxLength: 12 },
  ),
  shipping: fc.integer({ min: 0, max: 10_000 }),
});

const discountArbitrary = fc.oneof(
  fc.record({ type: fc.constant("fixed" as const), amount: fc.integer({ min: 1, max: 5_000_000 }) }),
  fc.record({ type: fc.constant("percentage" as const), basisPoints: fc.integer({ min: 100, max: 10_000 }) }),
);

const campaignArbitrary = (id: string) =>
  fc
    .record({
      discount: discountArbitrary,
      productIds: fc.subarray(PRODUCTS, { minLength: 1 }),
      priority: fc.integer({ min: -5, max: 5 }),
      combinesWith: fc.oneof(fc.constant("*" as const), fc.subarray(["c0", "c1", "c2", "c3"])),
    })
    .map((terms) => campaignFixture({ id, name: id, ...terms }));

const applicationsArbitrary = fc
  .tuple(campaignArbitrary("c0"), campaignArbitrary("c1"), campaignArbitrary("c2"), campaignArbitrary("c3"))
  .chain((campaigns) => fc.subarray(campaigns, { minLength: 1 }))
  .map((campaigns) => campaigns.map((campaign) => ({ code: `CODE${campaign.id}`, campaign })));

function eligibleSubtotal(cart: Cart, campaign: CampaignTerms): number {
  return cart.items
    .filter((item) => campaign.productIds.includes(item.productId))
    .reduce((sum, item) => sum + item.unitPrice * item.quantity, 0);
}

describe("discount properties", () => {
  it("a single discount never exceeds the eligible subtotal, and a fixed one is min(amount, E)", () => {
    fc.assert(
      fc.property(cartArbitrary, campaignArbitrary("c0"), (cart, campaign) => {
        const quote = quoteCart(cart, [{ code: "X", campaign }]);
        const eligible = eligibleSubtotal(cart, campaign);
        expect(quote.totals.discount).toBeLessThanOrEqual(eligible);
        if (campaign.discount.type === "fixed")
          expect(quote.totals.discount).toBe(Math.min(campaign.discount.amount, eligible));
        else expect(quote.totals.discount).toBe(percentageOf(eligible, campaign.discount.basisPoints));
      }),
    );
  });

  it("line shares sum exactly to each discount and to the total; no line goes below zero", () => {
    fc.assert(
      fc.property(cartArbitrary, applicationsArbitrary, (cart, applications) => {
        const quote = quoteCart(cart, applications);
        for (const applied of quote.applied) {
          expect(applied.lines.reduce((sum, line) => sum + line.discount, 0)).toBe(applied.discount);
        }
        expect(quote.lines.reduce((sum, line) => sum + line.discount, 0)).toBe(quote.totals.discount);
        expect(quote.applied.reduce((sum, applied) => sum + applied.discount, 0)).toBe(quote.totals.discount);
        for (const line of quote.lines) {
          expect(line.discount).toBeGreaterThanOrEqual(0);
          expect(line.discount).toBeLessThanOrEqual(line.lineTotal);
          expect(line.total).toBe(line.lineTotal - line.discount);
        }
        expect(quote.totals.total).toBeGreaterThanOrEqual(quote.totals.shipping);
        expect(quote.totals.total).toBe(
          quote.totals.itemsSubtotal - quote.totals.discount + quote.totals.shipping,
        );
      }),
    );
  });

  it("percentage rounding is half-up against an independent rational computation", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 100, max: 10_000 }),
        (eligible, bp) => {
          const exact = eligible * bp;
          const floor = Math.floor(exact / 10_000);
          const remainder = exact - floor * 10_000;
          expect(percentageOf(eligible, bp)).toBe(remainder >= 5_000 ? floor + 1 : floor);
        },
      ),
    );
  });

  it("fixed discounts take from eligible lines strictly in cart order", () => {
    fc.assert(
      fc.property(cartArbitrary, fc.integer({ min: 1, max: 5_000_000 }), (cart, amount) => {
        const campaign = campaignFixture({ discount: { type: "fixed", amount }, productIds: ["A", "C"] });
        const quote = quoteCart(cart, [{ code: "X", campaign }]);
        let seenPartial = false;
        for (const line of quote.lines) {
          if (!["A", "C"].includes(line.productId)) {
            expect(line.discount).toBe(0);
            continue;
          }
          if (seenPartial) expect(line.discount).toBe(0);
          if (line.discount < line.lineTotal) seenPartial = true;
        }
      }),
    );
  });

  it("stacking follows priority: the input order does not matter when priorities differ", () => {
    fc.assert(
      fc.property(cartArbitrary, applicationsArbitrary, fc.context(), (cart, applications, context) => {
        const distinct = applications.map((application, index) => ({
          ...application,
          campaign: { ...application.campaign, priority: index * 100 + application.campaign.priority },
        }));
        const reversed = [...distinct].reverse();
        context.log(JSON.stringify(distinct.map((application) => application.campaign.priority)));
        expect(quoteCart(cart, reversed)).toEqual(quoteCart(cart, distinct));
      }),
    );
  });

  it("stacking follows combinesWith: two applied campaigns always allow each other", () => {
    fc.assert(
      fc.property(cartArbitrary, applicationsArbitrary, (cart, applications) => {
        const quote = quoteCart(cart, applications);
        const byId = new Map(
          applications.map((application) => [application.campaign.id, application.campaign]),
        );
        for (const a of quote.applied) {
          for (const b of quote.applied) {
            if (a === b) continue;
            const left = byId.get(a.campaignId);
            const right = byId.get(b.campaignId);
            const allows = (campaign: CampaignTerms | undefined, id: string) =>
              campaign?.combinesWith === "*" || (campaign?.combinesWith ?? []).includes(id);
            expect(allows(left, b.campaignId) && allows(right, a.campaignId)).toBe(true);
          }
        }
        expect(quote.applied.length + quote.skipped.length).toBe(applications.length);
      }),
    );
  });
});
