import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  basisPointsToPercent,
  canCombine,
  checkEligibility,
  isWithinWindow,
  percentToBasisPoints,
  windowsOverlap,
} from "./campaign.ts";
import { campaignFixture } from "./test-fixtures.ts";

const at = (iso: string) => new Date(iso);
const cart = { currency: "TWD", items: [{ productId: "A", unitPrice: 100 }] };

describe("windows", () => {
  it("are half-open [startsAt, endsAt)", () => {
    const window = { startsAt: at("2026-11-11T00:00:00Z"), endsAt: at("2026-11-12T00:00:00Z") };
    expect(isWithinWindow(window, at("2026-11-11T00:00:00Z"))).toBe(true);
    expect(isWithinWindow(window, at("2026-11-11T23:59:59.999Z"))).toBe(true);
    expect(isWithinWindow(window, at("2026-11-12T00:00:00Z"))).toBe(false);
  });

  it("overlap only when each starts before the other ends", () => {
    const november = { startsAt: at("2026-11-01T00:00:00Z"), endsAt: at("2026-12-01T00:00:00Z") };
    const december = { startsAt: at("2026-12-01T00:00:00Z"), endsAt: at("2027-01-01T00:00:00Z") };
    const lateNovember = { startsAt: at("2026-11-30T00:00:00Z"), endsAt: at("2026-12-02T00:00:00Z") };
    expect(windowsOverlap(november, december)).toBe(false);
    expect(windowsOverlap(november, lateNovember)).toBe(true);
    expect(windowsOverlap(lateNovember, december)).toBe(true);
  });
});

describe("percent", () => {
  it("takes 1..100 with up to two decimals", () => {
    expect(percentToBasisPoints(12.5)).toBe(1_250);
    expect(percentToBasisPoints(33.33)).toBe(3_333);
    expect(percentToBasisPoints(29)).toBe(2_900);
    expect(percentToBasisPoints(1)).toBe(100);
    expect(percentToBasisPoints(100)).toBe(10_000);
    expect(percentToBasisPoints(1.1)).toBe(110);
    expect(percentToBasisPoints(99.99)).toBe(9_999);
  });

  it.each([
    12.345,
    1.005,
    10.1 + 0.2,
    0.29 * 100,
    0.5,
    0.99,
    100.01,
    101,
    -5,
    0,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    1e21,
  ])("refuses %s with VALIDATION_ERROR rather than rounding it", (percent) => {
    expect(() => percentToBasisPoints(percent)).toThrow(
      expect.objectContaining({
        code: "VALIDATION_ERROR",
        details: { fields: [expect.objectContaining({ path: "discount.percent" })] },
      }),
    );
  });

  it("round-trips every basis point value 100..10000 (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 10_000 }), (basisPoints) => {
        expect(percentToBasisPoints(basisPointsToPercent(basisPoints))).toBe(basisPoints);
      }),
      { numRuns: 1_000 },
    );
  });
});

describe("combining", () => {
  it("needs both campaigns to allow each other", () => {
    const a = campaignFixture({ id: "a", combinesWith: ["b"] });
    const b = campaignFixture({ id: "b", combinesWith: "*" });
    const c = campaignFixture({ id: "c", combinesWith: [] });
    expect(canCombine(a, b)).toBe(true);
    expect(canCombine(b, c)).toBe(false);
    expect(canCombine(b, a)).toBe(true);
    expect(canCombine(a, c)).toBe(false);
    expect(canCombine(a, a)).toBe(false);
  });
});

describe("eligibility (SPEC §2 rule 5)", () => {
  const now = at("2026-06-01T00:00:00Z");
  const check = (
    overrides: Parameters<typeof campaignFixture>[0],
    extra: Partial<Parameters<typeof checkEligibility>[0]> = {},
  ) =>
    checkEligibility({
      campaign: campaignFixture(overrides),
      codeState: "active",
      now,
      memberGroups: [],
      cart,
      ...extra,
    });

  it("accepts a live campaign for an eligible cart", () => {
    expect(check({})).toBeNull();
  });

  it("answers CODE_NOT_ACTIVE outside the window, for an archived campaign or an expired code", () => {
    expect(check({ startsAt: at("2026-07-01T00:00:00Z") })).toBe("CODE_NOT_ACTIVE");
    expect(check({ endsAt: now })).toBe("CODE_NOT_ACTIVE");
    expect(check({ state: "archived" })).toBe("CODE_NOT_ACTIVE");
    expect(check({}, { codeState: "expired" })).toBe("CODE_NOT_ACTIVE");
  });

  it("checks in order: not active, then currency, then member group, then items", () => {
    const everythingWrong = { currency: "USD", memberGroups: ["vip"], productIds: ["Z"] };
    expect(check({ ...everythingWrong, state: "archived" })).toBe("CODE_NOT_ACTIVE");
    expect(check(everythingWrong)).toBe("CURRENCY_MISMATCH");
    expect(check({ ...everythingWrong, currency: "TWD" })).toBe("NOT_ELIGIBLE_MEMBER_GROUP");
    expect(check({ productIds: ["Z"], memberGroups: ["vip"] }, { memberGroups: ["vip"] })).toBe(
      "NO_ELIGIBLE_ITEMS",
    );
  });

  it("answers CURRENCY_MISMATCH, NOT_ELIGIBLE_MEMBER_GROUP and NO_ELIGIBLE_ITEMS", () => {
    expect(check({ currency: "USD" })).toBe("CURRENCY_MISMATCH");
    expect(check({ memberGroups: ["vip"] }, { memberGroups: ["regular"] })).toBe("NOT_ELIGIBLE_MEMBER_GROUP");
    expect(check({ memberGroups: ["vip"] }, { memberGroups: ["regular", "vip"] })).toBeNull();
    expect(check({ productIds: ["Z"] })).toBe("NO_ELIGIBLE_ITEMS");
  });

  it("answers NO_ELIGIBLE_ITEMS for a cart whose eligible lines cost nothing (a free gift), whatever else it holds", () => {
    const gift = {
      currency: "TWD",
      items: [
        { productId: "A", unitPrice: 0 },
        { productId: "Z", unitPrice: 500 },
      ],
    };
    expect(check({}, { cart: gift })).toBe("NO_ELIGIBLE_ITEMS");
    expect(check({ productIds: ["A", "Z"] }, { cart: gift })).toBeNull();
  });
});
