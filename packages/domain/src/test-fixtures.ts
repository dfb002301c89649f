import type { CampaignTerms } from "./campaign.ts";
import type { Cart } from "./discount.ts";

/** SPEC §3's worked cart: A 100, B 199, C 490, a sweatshirt 1,250 no campaign covers, shipping 60. */
export const SPEC_WORKED_CART: Cart = {
  currency: "TWD",
  items: [
    { productId: "A", unitPrice: 100, quantity: 1 },
    { productId: "B", unitPrice: 199, quantity: 1 },
    { productId: "C", unitPrice: 490, quantity: 1 },
    { productId: "SWEATSHIRT", unitPrice: 1_250, quantity: 1 },
  ],
  shipping: 60,
};

/** A campaign live all of 2026 for the given products, to be overridden per test. */
export function campaignFixture(overrides: Partial<CampaignTerms> = {}): CampaignTerms {
  return {
    id: "00000000-0000-4000-8000-000000000001",
    name: "Test campaign",
    discount: { type: "fixed", amount: 500 },
    currency: "TWD",
    startsAt: new Date("2026-01-01T00:00:00Z"),
    endsAt: new Date("2027-01-01T00:00:00Z"),
    memberGroups: [],
    productIds: ["A", "B", "C"],
    usageLimit: null,
    oncePerAccount: false,
    priority: 0,
    combinesWith: [],
    state: "active",
    partnerId: null,
    ...overrides,
  };
}
