import { type CampaignTerms, canCombine, MAX_BASIS_POINTS } from "./campaign.ts";
import { DomainError, type ErrorCode } from "./errors.ts";

/** Amounts in integer minor units (non-negative safe integers); quantity >= 1. */
export type CartItem = { productId: string; unitPrice: number; quantity: number };
export type Cart = { currency: string; items: readonly CartItem[]; shipping: number };

export type QuoteLine = {
  productId: string;
  unitPrice: number;
  quantity: number;
  /** unitPrice × quantity. */
  lineTotal: number;
  /** Sum of every applied discount on this line. */
  discount: number;
  /** lineTotal − discount. */
  total: number;
};

export type AppliedDiscount = {
  code: string;
  campaignId: string;
  campaignName: string;
  discount: number;
  /** The lines this discount took from (share > 0 only), in cart order; shares sum to `discount`. */
  lines: { lineIndex: number; discount: number }[];
};

/**
 * A code the quote left out: NOT_COMBINABLE (`conflictsWith` names the applied code it may not
 * stack with), or NO_ELIGIBLE_ITEMS when it would give nothing (the codes before it took all of its
 * lines, or its lines cost nothing).
 */
export type SkippedDiscount = { code: string; campaignId: string; reason: ErrorCode; conflictsWith?: string };

export type Totals = { itemsSubtotal: number; discount: number; shipping: number; total: number };

export type Quote = {
  currency: string;
  lines: QuoteLine[];
  /** In the order they applied (priority order). */
  applied: AppliedDiscount[];
  /** In the order they were considered (priority order). */
  skipped: SkippedDiscount[];
  totals: Totals;
};

export type DiscountApplication = { code: string; campaign: CampaignTerms };

const BASIS_POINTS_PER_WHOLE = 10_000n;
const HALF_OF_WHOLE = 5_000n;

function isAmount(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

/**
 * Refuses a cart whose arithmetic would leave safe integers: amounts must be non-negative safe
 * integers, quantities >= 1, and itemsSubtotal + shipping must stay a safe integer.
 */
function checkCartAmounts(cart: Cart): void {
  const fields: { path: string; message: string }[] = [];
  let sum = BigInt(isAmount(cart.shipping) ? cart.shipping : 0);
  if (!isAmount(cart.shipping))
    fields.push({ path: "cart.shipping", message: "must be a non-negative integer" });
  cart.items.forEach((item, index) => {
    if (!isAmount(item.unitPrice)) {
      fields.push({ path: `cart.items.${index}.unitPrice`, message: "must be a non-negative integer" });
    }
    if (!Number.isSafeInteger(item.quantity) || item.quantity < 1) {
      fields.push({ path: `cart.items.${index}.quantity`, message: "must be an integer >= 1" });
    }
    if (isAmount(item.unitPrice) && Number.isSafeInteger(item.quantity)) {
      sum += BigInt(item.unitPrice) * BigInt(item.quantity);
    }
  });
  if (fields.length === 0 && sum > BigInt(Number.MAX_SAFE_INTEGER)) {
    fields.push({ path: "cart", message: "the cart total is too large" });
  }
  if (fields.length > 0) throw new DomainError("VALIDATION_ERROR", { fields });
}

/** A campaign's discount must be arithmetic-safe: a non-negative safe amount, or 0..10000 bp. */
function checkDiscountRule(campaign: CampaignTerms): void {
  const rule = campaign.discount;
  const ok =
    rule.type === "fixed"
      ? isAmount(rule.amount)
      : Number.isSafeInteger(rule.basisPoints) &&
        rule.basisPoints >= 0 &&
        rule.basisPoints <= MAX_BASIS_POINTS;
  if (!ok) {
    throw new DomainError("VALIDATION_ERROR", {
      campaignId: campaign.id,
      fields: [{ path: "discount", message: "is not a valid discount rule" }],
    });
  }
}

/**
 * Prices a cart with stacked codes (SPEC §3). Applications are taken in campaign priority order
 * (lower first, ties keep the given order), each on what the earlier ones left of each line. A
 * campaign that may not combine with one already applied (canCombine, mutual), or that already
 * applied, is skipped with NOT_COMBINABLE; one that would give nothing on what is left, with
 * NO_ELIGIBLE_ITEMS. Shipping is never discounted. Eligibility (window,
 * member groups, currency, ...) is the caller's business (checkEligibility): this is arithmetic
 * and stacking only. Throws DomainError VALIDATION_ERROR for amounts that are not safe integers.
 *
 * `taken` (per line, in cart order) is what discounts applied before these ones already took from
 * each line, each at most its line total: these discounts apply to what is left, and the quote
 * shows only their own shares (a reservation stacked on earlier ones, SPEC §3).
 */
export function quoteCart(
  cart: Cart,
  applications: readonly DiscountApplication[],
  taken: readonly number[] = [],
): Quote {
  checkCartAmounts(cart);
  for (const { campaign } of applications) checkDiscountRule(campaign);

  const lineTotals = cart.items.map((item) => item.unitPrice * item.quantity);
  const remaining = lineTotals.map((lineTotal, index) => lineTotal - Math.min(lineTotal, taken[index] ?? 0));
  const lineDiscounts = lineTotals.map(() => 0);
  const applied: AppliedDiscount[] = [];
  const skipped: SkippedDiscount[] = [];
  const appliedCampaigns: { code: string; campaign: CampaignTerms }[] = [];

  for (const { code, campaign } of sortByPriority(applications)) {
    const conflict = appliedCampaigns.find((other) => !canCombine(other.campaign, campaign));
    if (conflict) {
      skipped.push({ code, campaignId: campaign.id, reason: "NOT_COMBINABLE", conflictsWith: conflict.code });
      continue;
    }
    const products = new Set(campaign.productIds);
    const eligible = cart.items.flatMap((item, index) => (products.has(item.productId) ? [index] : []));
    const shares =
      campaign.discount.type === "fixed"
        ? takeInCartOrder(eligible, remaining, campaign.discount.amount)
        : spreadByLargestRemainder(eligible, remaining, campaign.discount.basisPoints);
    // A code that would give nothing is left out, not applied at 0: applied, it would stop the codes
    // after it that may not stack with it, and typing one more code would make the cart dearer.
    if (shares.every(({ share }) => share === 0)) {
      skipped.push({ code, campaignId: campaign.id, reason: "NO_ELIGIBLE_ITEMS" });
      continue;
    }
    let discount = 0;
    const lines: AppliedDiscount["lines"] = [];
    for (const { lineIndex, share } of shares) {
      remaining[lineIndex] = (remaining[lineIndex] ?? 0) - share;
      lineDiscounts[lineIndex] = (lineDiscounts[lineIndex] ?? 0) + share;
      discount += share;
      lines.push({ lineIndex, discount: share });
    }
    applied.push({ code, campaignId: campaign.id, campaignName: campaign.name, discount, lines });
    appliedCampaigns.push({ code, campaign });
  }

  const itemsSubtotal = sumOf(lineTotals);
  const discount = sumOf(lineDiscounts);
  return {
    currency: cart.currency,
    lines: cart.items.map((item, index) => {
      const lineTotal = lineTotals[index] ?? 0;
      const lineDiscount = lineDiscounts[index] ?? 0;
      return {
        productId: item.productId,
        unitPrice: item.unitPrice,
        quantity: item.quantity,
        lineTotal,
        discount: lineDiscount,
        total: lineTotal - lineDiscount,
      };
    }),
    applied,
    skipped,
    totals: {
      itemsSubtotal,
      discount,
      shipping: cart.shipping,
      total: itemsSubtotal - discount + cart.shipping,
    },
  };
}

/** Stable sort by campaign priority: lower first, ties keep the given order. */
function sortByPriority(applications: readonly DiscountApplication[]): DiscountApplication[] {
  return applications
    .map((application, index) => ({ application, index }))
    .sort((a, b) => a.application.campaign.priority - b.application.campaign.priority || a.index - b.index)
    .map(({ application }) => application);
}

type LineShare = { lineIndex: number; share: number };

/**
 * Fixed amount: min(amount, E), taken from the eligible lines in cart order, each absorbing up to
 * what it has left, until exhausted (the source's "依序折抵").
 */
function takeInCartOrder(
  eligible: readonly number[],
  remaining: readonly number[],
  amount: number,
): LineShare[] {
  const shares: LineShare[] = [];
  let left = amount;
  for (const lineIndex of eligible) {
    if (left <= 0) break;
    const share = Math.min(left, remaining[lineIndex] ?? 0);
    if (share > 0) shares.push({ lineIndex, share });
    left -= share;
  }
  return shares;
}

/** round-half-up(E × basisPoints / 10000), exact in BigInt (E ≥ 0). */
export function percentageOf(eligibleSubtotal: number, basisPoints: number): number {
  return Number((BigInt(eligibleSubtotal) * BigInt(basisPoints) + HALF_OF_WHOLE) / BASIS_POINTS_PER_WHOLE);
}

/**
 * Percentage: D = round-half-up(E × bp / 10000) where E is what the eligible lines have left. Line
 * i gets floor(remaining_i × D / E); the leftover units go one each to the lines with the largest
 * fractional remainders (the earlier line on ties), so the shares sum exactly to D. Since D ≤ E,
 * no line gets more than it has left.
 */
function spreadByLargestRemainder(
  eligible: readonly number[],
  remaining: readonly number[],
  basisPoints: number,
): LineShare[] {
  const eligibleSubtotal = BigInt(sumOf(eligible.map((lineIndex) => remaining[lineIndex] ?? 0)));
  if (eligibleSubtotal === 0n) return [];
  const discount = BigInt(percentageOf(Number(eligibleSubtotal), basisPoints));
  const parts = eligible.map((lineIndex) => {
    const scaled = BigInt(remaining[lineIndex] ?? 0) * discount;
    return { lineIndex, share: scaled / eligibleSubtotal, fraction: scaled % eligibleSubtotal };
  });
  let leftover = discount - parts.reduce((acc, part) => acc + part.share, 0n);
  const byFraction = [...parts].sort((a, b) =>
    a.fraction === b.fraction ? a.lineIndex - b.lineIndex : a.fraction > b.fraction ? -1 : 1,
  );
  for (const part of byFraction) {
    if (leftover === 0n) break;
    part.share += 1n;
    leftover -= 1n;
  }
  return parts
    .filter((part) => part.share > 0n)
    .map((part) => ({ lineIndex: part.lineIndex, share: Number(part.share) }));
}

function sumOf(values: readonly number[]): number {
  return values.reduce((acc, value) => acc + value, 0);
}
