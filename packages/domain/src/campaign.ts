import type { ErrorCode } from "./errors.ts";

export type DiscountRule = { type: "percentage"; basisPoints: number } | { type: "fixed"; amount: number };

/** Ids of campaigns this one may stack with, or "*" for any. */
export type CombinesWith = "*" | readonly string[];

export type CampaignState = "active" | "archived";

/** What the rules need to know about a campaign. */
export type CampaignTerms = {
  id: string;
  name: string;
  discount: DiscountRule;
  currency: string;
  /** The window is [startsAt, endsAt). */
  startsAt: Date;
  endsAt: Date;
  /** Empty means every shopper. */
  memberGroups: readonly string[];
  productIds: readonly string[];
  /** Per code; null means unlimited. */
  usageLimit: number | null;
  oncePerAccount: boolean;
  /** Lower applies first. */
  priority: number;
  combinesWith: CombinesWith;
  state: CampaignState;
  partnerId: string | null;
};

/**
 * 1..100 with at most two decimals, as basis points (12.5 -> 1250). Refuses anything else rather
 * than rounding it.
 */
export function percentToBasisPoints(percent: number): number {
  const basisPoints = Math.round(percent * 100);
  if (!Number.isFinite(percent) || Math.abs(percent * 100 - basisPoints) > 1e-6) {
    throw new RangeError(`percent ${percent} has more than two decimals`);
  }
  if (basisPoints < 100 || basisPoints > 10_000) throw new RangeError(`percent ${percent} is outside 1..100`);
  return basisPoints;
}

export function basisPointsToPercent(basisPoints: number): number {
  return basisPoints / 100;
}

type Window = { startsAt: Date; endsAt: Date };

/** Half-open windows [startsAt, endsAt) overlap when each starts before the other ends. */
export function windowsOverlap(a: Window, b: Window): boolean {
  return a.startsAt < b.endsAt && b.startsAt < a.endsAt;
}

export function isWithinWindow(window: Window, now: Date): boolean {
  return window.startsAt <= now && now < window.endsAt;
}

function allows(combinesWith: CombinesWith, campaignId: string): boolean {
  return combinesWith === "*" || combinesWith.includes(campaignId);
}

/** Two campaigns stack only if each one's combinesWith allows the other. */
export function canCombine(
  a: Pick<CampaignTerms, "id" | "combinesWith">,
  b: Pick<CampaignTerms, "id" | "combinesWith">,
): boolean {
  return a.id !== b.id && allows(a.combinesWith, b.id) && allows(b.combinesWith, a.id);
}

export type EligibilityCart = { currency: string; items: readonly { productId: string }[] };

/**
 * SPEC §2 rule 5, in order: archived campaign, expired code or outside the window ->
 * CODE_NOT_ACTIVE; another currency -> CURRENCY_MISMATCH; shopper outside the member groups ->
 * NOT_ELIGIBLE_MEMBER_GROUP; nothing in the cart the campaign applies to -> NO_ELIGIBLE_ITEMS.
 */
export function checkEligibility(input: {
  campaign: CampaignTerms;
  codeState: "active" | "expired";
  now: Date;
  memberGroups: readonly string[];
  cart: EligibilityCart;
}): ErrorCode | null {
  const { campaign, cart } = input;
  if (campaign.state !== "active" || input.codeState !== "active" || !isWithinWindow(campaign, input.now)) {
    return "CODE_NOT_ACTIVE";
  }
  if (cart.currency !== campaign.currency) return "CURRENCY_MISMATCH";
  if (
    campaign.memberGroups.length > 0 &&
    !input.memberGroups.some((group) => campaign.memberGroups.includes(group))
  ) {
    return "NOT_ELIGIBLE_MEMBER_GROUP";
  }
  const products = new Set(campaign.productIds);
  if (!cart.items.some((item) => products.has(item.productId))) return "NO_ELIGIBLE_ITEMS";
  return null;
}
