import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type CampaignTerms, canCombine } from "./campaign.ts";
import { type Cart, type DiscountApplication, percentageOf, quoteCart } from "./discount.ts";
import { campaignFixture, SPEC_WORKED_CART } from "./test-fixtures.ts";

const SWEATSHIRT = { productId: "SWEATSHIRT", unitPrice: 1_250, quantity: 1 };

describe("SPEC §3 worked examples", () => {
  const fixed500 = campaignFixture({
    discount: { type: "fixed", amount: 500 },
    productIds: ["A", "B", "C", "T"],
  });

  it("fixed 500 on A 100, B 199, C 490 plus a sweatshirt 1,250 and shipping 60: total 1,599", () => {
    const quote = quoteCart(SPEC_WORKED_CART, [{ code: "20212021", campaign: fixed500 }]);
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
    expect(quote.lines.map((line) => line.discount)).toEqual([100, 199, 0]);
    expect(quote.applied).toEqual([
      {
        code: "20212021",
        campaignId: fixed500.id,
        campaignName: fixed500.name,
        discount: 299,
        lines: [
          { lineIndex: 0, discount: 100 },
          { lineIndex: 1, discount: 199 },
        ],
      },
    ]);
    expect(quote.skipped).toEqual([]);
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

  it("spread by largest remainder: 10% of 105 + 205 + 690 = 100 -> 10.5, 20.5, 69 -> 11, 20, 69", () => {
    const campaign = campaignFixture({
      discount: { type: "percentage", basisPoints: 1_000 },
      productIds: ["A", "B", "C"],
    });
    const cart: Cart = {
      currency: "TWD",
      items: [
        { productId: "A", unitPrice: 105, quantity: 1 },
        { productId: "B", unitPrice: 205, quantity: 1 },
        { productId: "C", unitPrice: 230, quantity: 3 },
      ],
      shipping: 0,
    };
    const quote = quoteCart(cart, [{ code: "TENOFF", campaign }]);
    expect(quote.totals.discount).toBe(100);
    expect(quote.lines.map((line) => line.discount)).toEqual([11, 20, 69]);
  });

  it("stays exact beyond 2^53 intermediate products", () => {
    const campaign = campaignFixture({
      discount: { type: "percentage", basisPoints: 9_999 },
      productIds: ["A", "B"],
    });
    const big = 4_503_599_627_370_495; // (2^53 - 1) / 2
    const cart: Cart = {
      currency: "TWD",
      items: [
        { productId: "A", unitPrice: big, quantity: 1 },
        { productId: "B", unitPrice: big, quantity: 1 },
      ],
      shipping: 0,
    };
    const quote = quoteCart(cart, [{ code: "BIGBIG", campaign }]);
    const expected = (2n * BigInt(big) * 9_999n + 5_000n) / 10_000n;
    expect(BigInt(quote.totals.discount)).toBe(expected);
    expect(quote.lines.reduce((sum, line) => sum + line.discount, 0)).toBe(quote.totals.discount);
  });
});

describe("input checks", () => {
  const campaign = campaignFixture();
  it.each([
    [
      { currency: "TWD", items: [{ productId: "A", unitPrice: -1, quantity: 1 }], shipping: 0 },
      "cart.items.0.unitPrice",
    ],
    [
      { currency: "TWD", items: [{ productId: "A", unitPrice: 1.5, quantity: 1 }], shipping: 0 },
      "cart.items.0.unitPrice",
    ],
    [
      { currency: "TWD", items: [{ productId: "A", unitPrice: 1, quantity: 0 }], shipping: 0 },
      "cart.items.0.quantity",
    ],
    [
      { currency: "TWD", items: [{ productId: "A", unitPrice: 1, quantity: 1 }], shipping: -5 },
      "cart.shipping",
    ],
    [
      {
        currency: "TWD",
        items: [{ productId: "A", unitPrice: Number.MAX_SAFE_INTEGER, quantity: 2 }],
        shipping: 0,
      },
      "cart",
    ],
  ])("refuses amounts that are not safe non-negative integers (%o)", (cart, path) => {
    expect(() => quoteCart(cart, [{ code: "X", campaign }])).toThrow(
      expect.objectContaining({
        code: "VALIDATION_ERROR",
        details: { fields: [expect.objectContaining({ path })] },
      }),
    );
  });

  it("refuses a discount rule outside 0..10000 bp", () => {
    const wild = campaignFixture({ discount: { type: "percentage", basisPoints: 10_001 } });
    const cart: Cart = {
      currency: "TWD",
      items: [{ productId: "A", unitPrice: 1, quantity: 1 }],
      shipping: 0,
    };
    expect(() => quoteCart(cart, [{ code: "X", campaign: wild }])).toThrow(
      expect.objectContaining({ code: "VALIDATION_ERROR" }),
    );
  });

  it("quotes a cart without codes at full price", () => {
    const cart: Cart = {
      currency: "USD",
      items: [{ productId: "A", unitPrice: 1_999, quantity: 3 }],
      shipping: 500,
    };
    expect(quoteCart(cart, [])).toEqual({
      currency: "USD",
      lines: [{ productId: "A", unitPrice: 1_999, quantity: 3, lineTotal: 5_997, discount: 0, total: 5_997 }],
      applied: [],
      skipped: [],
      totals: { itemsSubtotal: 5_997, discount: 0, shipping: 500, total: 6_497 },
    });
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
    expect(quote.skipped).toEqual([
      { code: "MINUS150", campaignId: "c1", reason: "NOT_COMBINABLE", conflictsWith: "LONER" },
    ]);
  });

  it("leaves out a code that would give nothing (NO_ELIGIBLE_ITEMS), so it stops no code after it", () => {
    // A takes all of ZX; B, 10 % on ZX and stacking only with A, has nothing left; C, on ZY, stacks
    // with anything. Applied at 0, B stopped C, and one more code typed made the cart dearer.
    const a = campaignFixture({ id: "za", discount: { type: "fixed", amount: 1_000 }, productIds: ["ZX"] });
    const b = campaignFixture({
      id: "zb",
      discount: { type: "percentage", basisPoints: 1_000 },
      productIds: ["ZX"],
      priority: 1,
      combinesWith: ["za"],
    });
    const c = campaignFixture({
      id: "zc",
      discount: { type: "fixed", amount: 50 },
      productIds: ["ZY"],
      priority: 2,
    });
    const twoLines: Cart = {
      currency: "USD",
      items: [
        { productId: "ZX", unitPrice: 500, quantity: 1 },
        { productId: "ZY", unitPrice: 500, quantity: 1 },
      ],
      shipping: 0,
    };
    const withB = quoteCart(twoLines, [
      { code: "ZEROA1", campaign: { ...a, combinesWith: "*" } },
      { code: "ZEROB1", campaign: b },
      { code: "ZEROC1", campaign: { ...c, combinesWith: "*" } },
    ]);
    expect(withB.applied.map((applied) => [applied.code, applied.discount])).toEqual([
      ["ZEROA1", 500],
      ["ZEROC1", 50],
    ]);
    expect(withB.skipped).toEqual([{ code: "ZEROB1", campaignId: "zb", reason: "NO_ELIGIBLE_ITEMS" }]);
    expect(withB.totals.total).toBe(450);
    // A line that costs nothing (a free gift) gives nothing either.
    const gift: Cart = {
      currency: "USD",
      items: [{ productId: "ZX", unitPrice: 0, quantity: 2 }],
      shipping: 0,
    };
    expect(quoteCart(gift, [{ code: "ZEROB1", campaign: b }]).skipped).toEqual([
      { code: "ZEROB1", campaignId: "zb", reason: "NO_ELIGIBLE_ITEMS" },
    ]);
  });

  it("never applies the same campaign twice", () => {
    const quote = quoteCart(cart, [
      { code: "MINUS150", campaign: first },
      { code: "minus150b", campaign: first },
    ]);
    expect(quote.applied).toHaveLength(1);
    expect(quote.skipped[0]).toMatchObject({ reason: "NOT_COMBINABLE", conflictsWith: "MINUS150" });
  });
});

const PRODUCTS = ["A", "B", "C", "D", "E"];
const CAMPAIGN_IDS = ["c0", "c1", "c2", "c3"];

const cartArbitrary = fc.record({
  currency: fc.constant("TWD"),
  items: fc.array(
    fc.record({
      productId: fc.constantFrom(...PRODUCTS),
      unitPrice: fc.oneof(fc.integer({ min: 0, max: 1_000 }), fc.integer({ min: 0, max: 1_000_000 })),
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
      combinesWith: fc.oneof(fc.constant("*" as const), fc.subarray(CAMPAIGN_IDS)),
    })
    .map((terms) => campaignFixture({ id, name: `Campaign ${id}`, ...terms }));

/** One to four distinct campaigns, sometimes with one of them typed twice (a second code). */
const applicationsArbitrary = fc
  .tuple(...CAMPAIGN_IDS.map((id) => campaignArbitrary(id)))
  .chain((campaigns) => fc.tuple(fc.subarray(campaigns, { minLength: 1 }), fc.boolean()))
  .map(([campaigns, repeat]) => {
    const applications = campaigns.map((campaign) => ({ code: `CODE${campaign.id}`, campaign }));
    const first = applications[0];
    return repeat && first
      ? [...applications, { code: `AGAIN${first.campaign.id}`, campaign: first.campaign }]
      : applications;
  });

function sumOf(values: readonly number[]): number {
  return values.reduce((acc, value) => acc + value, 0);
}

function eligibleSubtotal(cart: Cart, campaign: CampaignTerms): number {
  return sumOf(
    cart.items
      .filter((item) => campaign.productIds.includes(item.productId))
      .map((item) => item.unitPrice * item.quantity),
  );
}

/** round-half-up(E × bp / 10000) as a rational: floor, plus one when the remainder is at least half. */
function referenceHalfUp(eligible: bigint, basisPoints: bigint): bigint {
  const numerator = eligible * basisPoints;
  const floor = numerator / 10_000n;
  return 2n * (numerator - floor * 10_000n) >= 10_000n ? floor + 1n : floor;
}

/** The priority order quoteCart must follow: stable by priority. */
function orderByPriority(applications: readonly DiscountApplication[]): DiscountApplication[] {
  return applications
    .map((application, index) => ({ application, index }))
    .sort((a, b) => a.application.campaign.priority - b.application.campaign.priority || a.index - b.index)
    .map(({ application }) => application);
}

describe("discount properties", () => {
  it("a single discount is min(amount, E) or round-half-up(E × bp), never more than E", () => {
    fc.assert(
      fc.property(cartArbitrary, campaignArbitrary("c0"), (cart, campaign) => {
        const quote = quoteCart(cart, [{ code: "X", campaign }]);
        const eligible = eligibleSubtotal(cart, campaign);
        expect(quote.totals.discount).toBeLessThanOrEqual(eligible);
        if (campaign.discount.type === "fixed") {
          expect(quote.totals.discount).toBe(Math.min(campaign.discount.amount, eligible));
        } else {
          expect(BigInt(quote.totals.discount)).toBe(
            referenceHalfUp(BigInt(eligible), BigInt(campaign.discount.basisPoints)),
          );
        }
      }),
    );
  });

  it("stacked: each discount stays within its campaign's eligible lines and what they had left", () => {
    fc.assert(
      fc.property(cartArbitrary, applicationsArbitrary, (cart, applications) => {
        const quote = quoteCart(cart, applications);
        const left = cart.items.map((item) => item.unitPrice * item.quantity);
        for (const applied of quote.applied) {
          const campaign = applications.find((application) => application.code === applied.code)?.campaign;
          if (!campaign) throw new Error(`unknown code ${applied.code}`);
          const eligibleLeft = sumOf(
            cart.items.map((item, index) =>
              campaign.productIds.includes(item.productId) ? (left[index] ?? 0) : 0,
            ),
          );
          expect(applied.discount).toBeLessThanOrEqual(eligibleLeft);
          expect(applied.discount).toBeLessThanOrEqual(eligibleSubtotal(cart, campaign));
          for (const line of applied.lines) {
            expect(campaign.productIds).toContain(cart.items[line.lineIndex]?.productId);
            expect(line.discount).toBeGreaterThan(0);
            expect(line.discount).toBeLessThanOrEqual(left[line.lineIndex] ?? 0);
            left[line.lineIndex] = (left[line.lineIndex] ?? 0) - line.discount;
          }
        }
        expect(quote.totals.discount).toBeLessThanOrEqual(quote.totals.itemsSubtotal);
      }),
    );
  });

  it("line shares sum exactly to each discount and to the total; nothing goes negative", () => {
    fc.assert(
      fc.property(cartArbitrary, applicationsArbitrary, (cart, applications) => {
        const quote = quoteCart(cart, applications);
        for (const applied of quote.applied) {
          expect(sumOf(applied.lines.map((line) => line.discount))).toBe(applied.discount);
        }
        expect(sumOf(quote.lines.map((line) => line.discount))).toBe(quote.totals.discount);
        expect(sumOf(quote.applied.map((applied) => applied.discount))).toBe(quote.totals.discount);
        for (const line of quote.lines) {
          expect(line.lineTotal).toBe(line.unitPrice * line.quantity);
          expect(line.discount).toBeGreaterThanOrEqual(0);
          expect(line.discount).toBeLessThanOrEqual(line.lineTotal);
          expect(line.total).toBe(line.lineTotal - line.discount);
        }
        const { totals } = quote;
        expect(totals.itemsSubtotal).toBe(sumOf(quote.lines.map((line) => line.lineTotal)));
        expect(totals.shipping).toBe(cart.shipping);
        expect(totals.total).toBe(totals.itemsSubtotal - totals.discount + totals.shipping);
        for (const value of Object.values(totals)) expect(value).toBeGreaterThanOrEqual(0);
        expect(totals.total).toBeGreaterThanOrEqual(totals.shipping);
      }),
    );
  });

  it("percentage rounding is half-up against an independent rational computation", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: 0, max: 1_000 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })),
        fc.integer({ min: 100, max: 10_000 }),
        (eligible, basisPoints) => {
          expect(BigInt(percentageOf(eligible, basisPoints))).toBe(
            referenceHalfUp(BigInt(eligible), BigInt(basisPoints)),
          );
        },
      ),
    );
  });

  it("rounds exact halves up, through quoteCart", () => {
    const quoteOne = (unitPrice: number, basisPoints: number) =>
      quoteCart({ currency: "TWD", items: [{ productId: "A", unitPrice, quantity: 1 }], shipping: 0 }, [
        { code: "HALF", campaign: campaignFixture({ discount: { type: "percentage", basisPoints } }) },
      ]).totals.discount;
    expect(quoteOne(1, 5_000)).toBe(1); // 0.5 -> 1
    expect(quoteOne(3, 5_000)).toBe(2); // 1.5 -> 2
    expect(quoteOne(5, 5_000)).toBe(3); // 2.5 -> 3
    expect(quoteOne(50, 1_500)).toBe(8); // 7.5 -> 8
    expect(quoteOne(50, 1_499)).toBe(7); // 7.495 -> 7
    expect(quoteOne(2, 2_500)).toBe(1); // 0.5 -> 1
    expect(quoteOne(1, 4_999)).toBe(0); // 0.4999 -> 0
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), (half) => {
        // E = 2·half + 1 at 50% is exactly half + 0.5, which rounds up to half + 1.
        expect(quoteOne(2 * half + 1, 5_000)).toBe(half + 1);
      }),
    );
  });

  it("percentage shares follow largest remainder, earlier line on ties", () => {
    fc.assert(
      fc.property(cartArbitrary, fc.integer({ min: 100, max: 10_000 }), (cart, basisPoints) => {
        const campaign = campaignFixture({
          discount: { type: "percentage", basisPoints },
          productIds: ["A", "B", "C"],
        });
        const quote = quoteCart(cart, [{ code: "X", campaign }]);
        const eligible = BigInt(eligibleSubtotal(cart, campaign));
        const discount = BigInt(quote.totals.discount);
        if (eligible === 0n) return;
        const candidates = cart.items.flatMap((item, index) =>
          campaign.productIds.includes(item.productId)
            ? [{ index, exact: BigInt(item.unitPrice * item.quantity) * discount }]
            : [],
        );
        const bumped: { index: number; fraction: bigint }[] = [];
        const notBumped: { index: number; fraction: bigint }[] = [];
        for (const { index, exact } of candidates) {
          const share = BigInt(quote.lines[index]?.discount ?? 0);
          const floor = exact / eligible;
          const fraction = exact % eligible;
          expect(share === floor || share === floor + 1n).toBe(true);
          (share === floor + 1n ? bumped : notBumped).push({ index, fraction });
        }
        for (const up of bumped) {
          for (const down of notBumped) {
            const wins =
              up.fraction > down.fraction || (up.fraction === down.fraction && up.index < down.index);
            expect(wins).toBe(true);
          }
        }
      }),
    );
  });

  it("fixed discounts take from eligible lines strictly in cart order", () => {
    fc.assert(
      fc.property(cartArbitrary, fc.integer({ min: 1, max: 5_000_000 }), (cart, amount) => {
        const campaign = campaignFixture({ discount: { type: "fixed", amount }, productIds: ["A", "C"] });
        const quote = quoteCart(cart, [{ code: "X", campaign }]);
        let left = amount;
        cart.items.forEach((item, index) => {
          const lineTotal = item.unitPrice * item.quantity;
          const expected = ["A", "C"].includes(item.productId) ? Math.min(left, lineTotal) : 0;
          left -= expected;
          expect(quote.lines[index]?.discount).toBe(expected);
        });
      }),
    );
  });

  it("stacking follows priority: any permutation of the input gives the same quote when priorities differ", () => {
    const distinctPriorities = applicationsArbitrary.map((applications) =>
      applications
        .filter(
          (application, index) =>
            applications.findIndex((other) => other.campaign === application.campaign) === index,
        )
        .map((application, index) => ({
          ...application,
          campaign: { ...application.campaign, priority: (application.campaign.priority + 5) * 10 + index },
        })),
    );
    fc.assert(
      fc.property(
        cartArbitrary,
        distinctPriorities.chain((applications) =>
          fc.tuple(
            fc.constant(applications),
            fc.shuffledSubarray(applications, {
              minLength: applications.length,
              maxLength: applications.length,
            }),
          ),
        ),
        (cart, [applications, permuted]) => {
          expect(quoteCart(cart, permuted)).toEqual(quoteCart(cart, applications));
        },
      ),
    );
  });

  it("stacking follows priority: each campaign applies on what the earlier ones left", () => {
    fc.assert(
      fc.property(cartArbitrary, applicationsArbitrary, (cart, applications) => {
        const quote = quoteCart(cart, applications);
        const order = orderByPriority(applications).map((application) => application.code);
        const appliedOrder = quote.applied.map((applied) => applied.code);
        expect(appliedOrder).toEqual(order.filter((code) => appliedOrder.includes(code)));
        // Replaying the applied campaigns one at a time, each on the previous quote's line totals,
        // gives the same per-line discounts.
        let items = cart.items.map((item) => ({ ...item }));
        for (const applied of quote.applied) {
          const application = applications.find((candidate) => candidate.code === applied.code);
          if (!application) throw new Error(`unknown code ${applied.code}`);
          const step = quoteCart(
            {
              ...cart,
              items: items.map((item) => ({
                productId: item.productId,
                unitPrice: item.unitPrice * item.quantity,
                quantity: 1,
              })),
            },
            [application],
          );
          expect(step.applied[0]?.lines).toEqual(applied.lines);
          items = step.lines.map((line) => ({
            productId: line.productId,
            unitPrice: line.total,
            quantity: 1,
          }));
        }
      }),
    );
  });

  it("stacking follows combinesWith: applied campaigns allow each other and give something; a skip has a reason", () => {
    fc.assert(
      fc.property(cartArbitrary, applicationsArbitrary, (cart, applications) => {
        const quote = quoteCart(cart, applications);
        const campaignOf = (code: string) => {
          const campaign = applications.find((application) => application.code === code)?.campaign;
          if (!campaign) throw new Error(`unknown code ${code}`);
          return campaign;
        };
        const applied = quote.applied.map((entry) => campaignOf(entry.code));
        for (const a of applied) for (const b of applied) if (a !== b) expect(canCombine(a, b)).toBe(true);
        expect(new Set(applied.map((campaign) => campaign.id)).size).toBe(applied.length);
        const order = orderByPriority(applications).map((application) => application.code);
        expect(quote.applied.filter((entry) => entry.discount === 0)).toEqual([]);
        for (const skipped of quote.skipped) {
          const campaign = campaignOf(skipped.code);
          if (skipped.reason === "NO_ELIGIBLE_ITEMS") {
            // It would give nothing on what the codes applied before it left of its lines.
            const before = quote.applied.filter(
              (entry) => order.indexOf(entry.code) < order.indexOf(skipped.code),
            );
            const taken = cart.items.map((_, index) =>
              before
                .flatMap((entry) => entry.lines)
                .filter((line) => line.lineIndex === index)
                .reduce((sum, line) => sum + line.discount, 0),
            );
            expect(quoteCart(cart, [{ code: skipped.code, campaign }], taken).applied).toEqual([]);
            continue;
          }
          expect(skipped.reason).toBe("NOT_COMBINABLE");
          const blockers = quote.applied.filter(
            (entry) =>
              order.indexOf(entry.code) < order.indexOf(skipped.code) &&
              !canCombine(campaignOf(entry.code), campaign),
          );
          expect(blockers.length).toBeGreaterThan(0);
        }
        expect(quote.applied.length + quote.skipped.length).toBe(applications.length);
      }),
    );
  });
});
