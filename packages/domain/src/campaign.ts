import { DomainError, type ErrorCode } from "./errors.ts";

/**
 * A percentage in basis points (1% = 100, so 100..10000 for 1..100%), or a fixed amount in integer
 * minor units of the campaign's currency.
 */
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

export const MIN_BASIS_POINTS = 100;
export const MAX_BASIS_POINTS = 10_000;

/** A plain decimal with at most two decimals, as `String(number)` writes it (no exponent). */
const PERCENT_TEXT = /^(\d+)(?:\.(\d{1,2}))?$/;

/**
 * A percent 1..100 with at most two decimals, as basis points (12.5 -> 1250, 33.33 -> 3333). Read
 * from the number's shortest decimal text, so no float multiplication can round a value like
 * 12.345 or 0.1 + 0.2 into range: anything else is refused (DomainError VALIDATION_ERROR on
 * `discount.percent`), never rounded.
 */
export function percentToBasisPoints(percent: number): number {
  const match = Number.isFinite(percent) ? PERCENT_TEXT.exec(String(percent)) : null;
  if (!match) {
    throw new DomainError("VALIDATION_ERROR", {
      fields: [{ path: "discount.percent", message: "must be a number with at most two decimals" }],
    });
  }
  const [, whole = "0", decimals = ""] = match;
  const basisPoints = Number(whole) * 100 + Number(decimals.padEnd(2, "0"));
  if (basisPoints < MIN_BASIS_POINTS || basisPoints > MAX_BASIS_POINTS) {
    throw new DomainError("VALIDATION_ERROR", {
      fields: [{ path: "discount.percent", message: "must be 1..100" }],
    });
  }
  return basisPoints;
}

/** Basis points as a percent for display (1250 -> 12.5); never used for money. */
export function basisPointsToPercent(basisPoints: number): number {
  return basisPoints / 100;
}

/** A half-open time window [startsAt, endsAt). */
export type TimeWindow = { startsAt: Date; endsAt: Date };

/** Half-open windows [startsAt, endsAt) overlap when each starts before the other ends. */
export function windowsOverlap(a: TimeWindow, b: TimeWindow): boolean {
  return a.startsAt < b.endsAt && b.startsAt < a.endsAt;
}

export function isWithinWindow(window: TimeWindow, now: Date): boolean {
  return window.startsAt <= now && now < window.endsAt;
}

function allows(combinesWith: CombinesWith, campaignId: string): boolean {
  return combinesWith === "*" || combinesWith.includes(campaignId);
}

/**
 * Two campaigns stack only if each one's combinesWith allows the other (mutual; "*" allows any). A
 * campaign never stacks with itself.
 */
export function canCombine(
  a: Pick<CampaignTerms, "id" | "combinesWith">,
  b: Pick<CampaignTerms, "id" | "combinesWith">,
): boolean {
  return a.id !== b.id && allows(a.combinesWith, b.id) && allows(b.combinesWith, a.id);
}

export type EligibilityCart = {
  currency: string;
  items: readonly { productId: string; unitPrice: number }[];
};

/**
 * SPEC §2 rule 5, in order: archived campaign, expired code or outside the window ->
 * CODE_NOT_ACTIVE; another currency -> CURRENCY_MISMATCH; shopper outside the member groups ->
 * NOT_ELIGIBLE_MEMBER_GROUP; nothing in the cart the campaign applies to, or only lines that cost
 * nothing (a free gift: the code would give nothing) -> NO_ELIGIBLE_ITEMS, before any cap, so a full
 * code does not tell such a cart USAGE_LIMIT_REACHED.
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
  if (!cart.items.some((item) => products.has(item.productId) && item.unitPrice > 0))
    return "NO_ELIGIBLE_ITEMS";
  return null;
}
