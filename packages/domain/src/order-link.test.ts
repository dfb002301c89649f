import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CampaignTerms } from "./campaign.ts";
import { quoteCart } from "./discount.ts";
import { checkOrderLink, type LinkedRedemption } from "./order-link.ts";
import { campaignFixture } from "./test-fixtures.ts";

const campaign = (id: string, combinesWith: CampaignTerms["combinesWith"]) => ({ id, combinesWith });

function linked(id: string, overrides: Partial<Omit<LinkedRedemption, "id">> = {}): LinkedRedemption {
  return {
    id,
    accountId: "amy",
    currency: "TWD",
    status: "CONFIRMED",
    campaign: campaign("c1", "*"),
    stacksOn: [],
    ...overrides,
  };
}

/** The reservation being linked: Amy's, in TWD, priced after `stacksOn`. */
function candidate(
  campaignTerms: ReturnType<typeof campaign> | null,
  overrides: { accountId?: string; currency?: string; stacksOn?: string[] } = {},
) {
  return {
    id: "new",
    accountId: "amy",
    currency: "TWD",
    campaign: campaignTerms,
    stacksOn: [],
    ...overrides,
  };
}

describe("linking a reservation to an order", () => {
  it("takes the first reservation of an order, and one whose campaign stacks with the order's", () => {
    expect(checkOrderLink(candidate(campaign("c2", "*")), [])).toBeNull();
    expect(
      checkOrderLink(candidate(campaign("c2", ["c1"]), { stacksOn: ["r1"] }), [linked("r1")]),
    ).toBeNull();
  });

  it("refuses another account's reservation, naming the order's reservation it clashes with", () => {
    expect(
      checkOrderLink(candidate(campaign("c2", "*"), { accountId: "bob" }), [linked("r1"), linked("r2")]),
    ).toEqual({ errorCode: "ORDER_ACCOUNT_MISMATCH", conflictsWith: "r1" });
    // A cancelled reservation still names the order's account.
    expect(
      checkOrderLink(candidate(campaign("c2", "*"), { accountId: "bob" }), [
        linked("r1", { status: "CANCELLED" }),
      ]),
    ).toEqual({ errorCode: "ORDER_ACCOUNT_MISMATCH", conflictsWith: "r1" });
  });

  it("refuses a reservation priced in another currency than the order's, cancelled ones too", () => {
    for (const status of ["CONFIRMED", "CANCELLED"] as const) {
      expect(
        checkOrderLink(candidate(campaign("c2", "*"), { currency: "USD" }), [linked("r1", { status })]),
      ).toEqual({ errorCode: "CURRENCY_MISMATCH", conflictsWith: "r1" });
    }
  });

  it("refuses a campaign that does not stack with a confirmed one, either way round, or with itself", () => {
    const order = [linked("r1", { campaign: campaign("c1", ["c3"]) })];
    // c2 allows c1, but c1 does not allow c2.
    expect(checkOrderLink(candidate(campaign("c2", "*")), order)).toEqual({
      errorCode: "NOT_COMBINABLE",
      conflictsWith: "r1",
      reason: "CAMPAIGNS_DO_NOT_COMBINE",
    });
    expect(checkOrderLink(candidate(campaign("c3", [])), order)).toEqual({
      errorCode: "NOT_COMBINABLE",
      conflictsWith: "r1",
      reason: "CAMPAIGNS_DO_NOT_COMBINE",
    });
    expect(
      checkOrderLink(candidate(campaign("c1", "*")), [linked("r1", { campaign: campaign("c1", "*") })]),
    ).toEqual({ errorCode: "NOT_COMBINABLE", conflictsWith: "r1", reason: "CAMPAIGNS_DO_NOT_COMBINE" });
  });

  it("lets a cancelled redemption or a deleted campaign stand aside", () => {
    const cancelled = linked("r1", { status: "CANCELLED", campaign: campaign("c1", []) });
    expect(checkOrderLink(candidate(campaign("c1", [])), [cancelled])).toBeNull();
    expect(
      checkOrderLink(candidate(campaign("c2", []), { stacksOn: ["r1"] }), [linked("r1", { campaign: null })]),
    ).toBeNull();
    expect(checkOrderLink(candidate(null, { stacksOn: ["r1"] }), [linked("r1")])).toBeNull();
  });

  it("refuses two codes of which neither was priced stacked on the other: together they would give more than a quote", () => {
    const apart = { errorCode: "NOT_COMBINABLE", conflictsWith: "r1", reason: "PRICED_APART" };
    // Each priced alone, on the whole cart.
    expect(checkOrderLink(candidate(campaign("c2", "*")), [linked("r1")])).toEqual(apart);
    // Each stacked on a third, r0, but not one on the other (a fork).
    expect(
      checkOrderLink(candidate(campaign("c2", "*"), { stacksOn: ["r0"] }), [
        linked("r0", { campaign: campaign("c0", "*") }),
        linked("r1", { stacksOn: ["r0"] }),
      ]),
    ).toEqual(apart);
    // A deleted campaign's reservation still took its discount: it stays in the stack.
    expect(checkOrderLink(candidate(null), [linked("r1")])).toEqual(apart);
  });

  it("takes a stack in any order, and without its base (each took less than it would alone)", () => {
    const base = linked("r0", { campaign: campaign("c0", "*") });
    const second = linked("r1", { stacksOn: ["r0"] });
    const third = candidate(campaign("c2", "*"), { stacksOn: ["r0", "r1"] });
    expect(checkOrderLink(third, [base, second])).toBeNull();
    expect(checkOrderLink(third, [second])).toBeNull();
    // The base confirmed after the codes stacked on it.
    expect(
      checkOrderLink({ ...candidate(campaign("c0", "*")), id: "r0" }, [
        second,
        linked("r2", { campaign: campaign("c2", "*"), stacksOn: ["r0", "r1"] }),
      ]),
    ).toBeNull();
  });

  it("an order that takes its codes one by one is an order a quote prices with every code applied", () => {
    const ids = ["c0", "c1", "c2", "c3", "c4"];
    const terms = fc.record({
      id: fc.constantFrom(...ids),
      combinesWith: fc.oneof(fc.constant<"*">("*"), fc.subarray(ids)),
      priority: fc.integer({ min: 0, max: 3 }),
    });
    fc.assert(
      fc.property(fc.array(terms, { maxLength: 8 }), (attempts) => {
        const order: LinkedRedemption[] = [];
        const taken: CampaignTerms[] = [];
        attempts.forEach((attempt, index) => {
          const terms = campaignFixture(attempt);
          // Each reserved stacked on every code the order took before it.
          const stacksOn = order.map((earlier) => earlier.id);
          if (checkOrderLink({ ...candidate(terms, { stacksOn }), id: `r${index}` }, order) !== null) return;
          order.push(linked(`r${index}`, { campaign: terms, stacksOn }));
          taken.push(terms);
        });
        const quote = quoteCart(
          { currency: "TWD", items: [{ productId: "A", unitPrice: 10_000, quantity: 1 }], shipping: 0 },
          taken.map((terms, index) => ({ code: `CODE${index}`, campaign: terms })),
        );
        expect(quote.skipped).toEqual([]);
        expect(quote.applied).toHaveLength(taken.length);
      }),
    );
  });
});
