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
    ...overrides,
  };
}

describe("linking a reservation to an order", () => {
  it("takes the first reservation of an order, and one whose campaign stacks with the order's", () => {
    expect(
      checkOrderLink({ accountId: "amy", currency: "TWD", campaign: campaign("c2", "*") }, []),
    ).toBeNull();
    expect(
      checkOrderLink({ accountId: "amy", currency: "TWD", campaign: campaign("c2", ["c1"]) }, [linked("r1")]),
    ).toBeNull();
  });

  it("refuses another account's reservation, naming the order's reservation it clashes with", () => {
    expect(
      checkOrderLink({ accountId: "bob", currency: "TWD", campaign: campaign("c2", "*") }, [
        linked("r1"),
        linked("r2"),
      ]),
    ).toEqual({ errorCode: "ORDER_ACCOUNT_MISMATCH", conflictsWith: "r1" });
    // A cancelled reservation still names the order's account.
    expect(
      checkOrderLink({ accountId: "bob", currency: "TWD", campaign: campaign("c2", "*") }, [
        linked("r1", { status: "CANCELLED" }),
      ]),
    ).toEqual({ errorCode: "ORDER_ACCOUNT_MISMATCH", conflictsWith: "r1" });
  });

  it("refuses a reservation priced in another currency than the order's, cancelled ones too", () => {
    for (const status of ["CONFIRMED", "CANCELLED"] as const) {
      expect(
        checkOrderLink({ accountId: "amy", currency: "USD", campaign: campaign("c2", "*") }, [
          linked("r1", { status }),
        ]),
      ).toEqual({ errorCode: "CURRENCY_MISMATCH", conflictsWith: "r1" });
    }
  });

  it("refuses a campaign that does not stack with a confirmed one, either way round, or with itself", () => {
    const order = [linked("r1", { campaign: campaign("c1", ["c3"]) })];
    // c2 allows c1, but c1 does not allow c2.
    expect(
      checkOrderLink({ accountId: "amy", currency: "TWD", campaign: campaign("c2", "*") }, order),
    ).toEqual({
      errorCode: "NOT_COMBINABLE",
      conflictsWith: "r1",
    });
    expect(
      checkOrderLink({ accountId: "amy", currency: "TWD", campaign: campaign("c3", []) }, order),
    ).toEqual({
      errorCode: "NOT_COMBINABLE",
      conflictsWith: "r1",
    });
    expect(
      checkOrderLink({ accountId: "amy", currency: "TWD", campaign: campaign("c1", "*") }, [
        linked("r1", { campaign: campaign("c1", "*") }),
      ]),
    ).toEqual({ errorCode: "NOT_COMBINABLE", conflictsWith: "r1" });
  });

  it("lets a cancelled redemption or a deleted campaign stand aside", () => {
    const cancelled = linked("r1", { status: "CANCELLED", campaign: campaign("c1", []) });
    expect(
      checkOrderLink({ accountId: "amy", currency: "TWD", campaign: campaign("c1", []) }, [cancelled]),
    ).toBeNull();
    expect(
      checkOrderLink({ accountId: "amy", currency: "TWD", campaign: campaign("c2", []) }, [
        linked("r1", { campaign: null }),
      ]),
    ).toBeNull();
    expect(checkOrderLink({ accountId: "amy", currency: "TWD", campaign: null }, [linked("r1")])).toBeNull();
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
          if (checkOrderLink({ accountId: "amy", currency: "TWD", campaign: terms }, order) !== null) return;
          order.push(linked(`r${index}`, { campaign: terms }));
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
