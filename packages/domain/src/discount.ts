import { type CampaignTerms, canCombine } from "./campaign.ts";
import type { ErrorCode } from "./errors.ts";

export type CartItem = { productId: string; unitPrice: number; quantity: number };
/** Amounts in integer minor units. */
export type Cart = { currency: string; items: readonly CartItem[]; shipping: number };

export type QuoteLine = {
  productId: string;
  unitPrice: number;
  quantity: number;
  lineTotal: number;
  discount: number;
  total: number;
};

export type AppliedDiscount = {
  code: string;
  campaignId: string;
  campaignName: string;
  discount: number;
  lines: { lineIndex: number; discount: number }[];
};

export type SkippedDiscount = { code: string; campaignId: string; reason: ErrorCode };

export type Totals = { itemsSubtotal: number; discount: number; shipping: number; total: number };

export type Quote = {
  currency: string;
  lines: QuoteLine[];
  applied: AppliedDiscount[];
  skipped: SkippedDiscount[];
  totals: Totals;
};

export type DiscountApplication = { code: string; campaign: CampaignTerms };

/**
 * Prices a cart with stacked codes (SPEC §3). Campaigns apply in priority order (ties keep the
 * given order), each on what the earlier ones left of each line. A campaign that may not combine
 * with one already applied, or that already applied, is skipped with NOT_COMBINABLE. Eligibility
 * (window, member groups, ...) is the caller's business: this is arithmetic and stacking only.
 */
export function quoteCart(cart: Cart, applications: readonly DiscountApplication[]): Quote {
  const lineTotals = cart.items.map((item) => item.unitPrice * item.quantity);
  const remaining = [...lineTotals];
  const lineDiscounts = lineTotals.map(() => 0);
  const applied: AppliedDiscount[] = [];
  const skipped: SkippedDiscount[] = [];
  const appliedCampaigns: CampaignTerms[] = [];

  const ordered = applications
    .map((application, index) => ({ application, index }))
    .sort((a, b) => a.application.campaign.priority - b.application.campaign.priority || a.index - b.index)
    .map(({ application }) => application);

  for (const { code, campaign } of ordered) {
    if (appliedCampaigns.some((other) => !canCombine(other, campaign))) {
      skipped.push({ code, campaignId: campaign.id, reason: "NOT_COMBINABLE" });
      continue;
    }
    const products = new Set(campaign.productIds);
    const eligible = cart.items.flatMap((item, index) => (products.has(item.productId) ? [index] : []));
    const shares =
      campaign.discount.type === "fixed"
        ? takeInOrder(eligible, remaining, campaign.discount.amount)
        : spreadByLargestRemainder(eligible, remaining, campaign.discount.basisPoints);
    let discount = 0;
    const lines: AppliedDiscount["lines"] = [];
    for (const [lineIndex, share] of shares) {
      remaining[lineIndex] = (remaining[lineIndex] ?? 0) - share;
      lineDiscounts[lineIndex] = (lineDiscounts[lineIndex] ?? 0) + share;
      discount += share;
      lines.push({ lineIndex, discount: share });
    }
    applied.push({ code, campaignId: campaign.id, campaignName: campaign.name, discount, lines });
    appliedCampaigns.push(campaign);
  }

  const itemsSubtotal = sum(lineTotals);
  const discount = sum(lineDiscounts);
  return {
    currency: cart.currency,
    lines: cart.items.map((item, index) => {
      const lineTotal = lineTotals[index] ?? 0;
      const lineDiscount = lineDiscounts[index] ?? 0;
      return { ...item, lineTotal, discount: lineDiscount, total: lineTotal - lineDiscount };
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

/** Fixed amount: min(amount, E), taken from eligible lines in cart order ("依序折抵"). */
function takeInOrder(
  eligible: readonly number[],
  remaining: readonly number[],
  amount: number,
): Map<number, number> {
  const shares = new Map<number, number>();
  let left = amount;
  for (const index of eligible) {
    if (left <= 0) break;
    const share = Math.min(left, remaining[index] ?? 0);
    if (share > 0) shares.set(index, share);
    left -= share;
  }
  return shares;
}

/** round-half-up(E × bp / 10000) in exact integer arithmetic. */
export function percentageOf(eligibleSubtotal: number, basisPoints: number): number {
  return Number((BigInt(eligibleSubtotal) * BigInt(basisPoints) + 5_000n) / 10_000n);
}

/**
 * Percentage: D = round-half-up(E × percent); line i gets floor(remaining_i × D / E) and the
 * leftover units go one each to the largest fractional remainders (earlier line on ties), so the
 * shares sum exactly to D and no line gets more than it has left.
 */
function spreadByLargestRemainder(
  eligible: readonly number[],
  remaining: readonly number[],
  basisPoints: number,
): Map<number, number> {
  const shares = new Map<number, number>();
  const total = eligible.reduce((acc, index) => acc + (remaining[index] ?? 0), 0);
  if (total === 0) return shares;
  const discount = BigInt(percentageOf(total, basisPoints));
  const bigTotal = BigInt(total);
  const parts = eligible.map((index) => {
    const scaled = BigInt(remaining[index] ?? 0) * discount;
    return { index, share: scaled / bigTotal, fraction: scaled % bigTotal };
  });
  let leftover = discount - parts.reduce((acc, part) => acc + part.share, 0n);
  const byFraction = [...parts].sort((a, b) =>
    a.fraction === b.fraction ? a.index - b.index : a.fraction > b.fraction ? -1 : 1,
  );
  for (const part of byFraction) {
    if (leftover === 0n) break;
    part.share += 1n;
    leftover -= 1n;
  }
  for (const part of parts) if (part.share > 0n) shares.set(part.index, Number(part.share));
  return shares;
}

function sum(values: readonly number[]): number {
  return values.reduce((acc, value) => acc + value, 0);
}
