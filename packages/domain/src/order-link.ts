import { type CampaignTerms, canCombine } from "./campaign.ts";

type Combinability = Pick<CampaignTerms, "id" | "combinesWith">;

/**
 * A reservation about to be linked to an order. Its campaign is null once the campaign is deleted;
 * `stacksOn` names the holds it was priced after (empty: priced alone).
 */
export type OrderLinkCandidate = {
  id: string;
  accountId: string;
  currency: string;
  campaign: Combinability | null;
  stacksOn: readonly string[];
};

/** Another reservation already carrying the order's number (confirmed, or cancelled with it). */
export type LinkedRedemption = {
  id: string;
  accountId: string;
  currency: string;
  status: "CONFIRMED" | "CANCELLED";
  campaign: Combinability | null;
  stacksOn: readonly string[];
};

/**
 * Why a code may not join an order with NOT_COMBINABLE: CAMPAIGNS_DO_NOT_COMBINE, the two campaigns'
 * terms; PRICED_APART, neither reservation was priced stacked on the other (POST /v1/reservations
 * `stacksOn`), so each took its discount from the whole cart and together they would give more than
 * a quote of both.
 */
export const ORDER_CLASH_REASONS = ["CAMPAIGNS_DO_NOT_COMBINE", "PRICED_APART"] as const;
export type OrderClashReason = (typeof ORDER_CLASH_REASONS)[number];

export type OrderLinkRefusal =
  | {
      errorCode: "ORDER_ACCOUNT_MISMATCH" | "CURRENCY_MISMATCH";
      /** The reservation of the order it clashes with. */
      conflictsWith: string;
    }
  | {
      errorCode: "NOT_COMBINABLE";
      conflictsWith: string;
      reason: OrderClashReason;
    };

/**
 * May this reservation join the order that already carries `order`? An order is one shopper's, in
 * one currency, so every reservation on it must be the same account's (ORDER_ACCOUNT_MISMATCH) and
 * priced in the same currency (CURRENCY_MISMATCH), cancelled ones too: an order number names one
 * order. The order's standing redemptions must stack as a quote would stack them (SPEC §3, each
 * campaign on what the earlier ones left), else NOT_COMBINABLE: every confirmed one's campaign must
 * combine with this one's, mutually, and a campaign never combines with itself; and of any two, one
 * must have been priced stacked on the other (reserved with it in `stacksOn`). A base left off the
 * order is fine (its stacked codes took less than they would alone); two codes priced apart, or
 * each stacked on a third but not one on the other, would add up to more than a quote of them. A
 * cancelled redemption no longer counts for combining (an order cancelled and placed again), and a
 * deleted campaign has no terms left, but its reservation still has to be in the stack.
 */
export function checkOrderLink(
  candidate: OrderLinkCandidate,
  order: readonly LinkedRedemption[],
): OrderLinkRefusal | null {
  const otherAccount = order.find((linked) => linked.accountId !== candidate.accountId);
  if (otherAccount) return { errorCode: "ORDER_ACCOUNT_MISMATCH", conflictsWith: otherAccount.id };
  const otherCurrency = order.find((linked) => linked.currency !== candidate.currency);
  if (otherCurrency) return { errorCode: "CURRENCY_MISMATCH", conflictsWith: otherCurrency.id };
  const standing = order.filter((linked) => linked.status === "CONFIRMED");
  const { campaign } = candidate;
  const clash =
    campaign === null
      ? undefined
      : standing.find((linked) => linked.campaign !== null && !canCombine(linked.campaign, campaign));
  if (clash)
    return { errorCode: "NOT_COMBINABLE", conflictsWith: clash.id, reason: "CAMPAIGNS_DO_NOT_COMBINE" };
  const apart = standing.find(
    (linked) => !candidate.stacksOn.includes(linked.id) && !linked.stacksOn.includes(candidate.id),
  );
  return apart ? { errorCode: "NOT_COMBINABLE", conflictsWith: apart.id, reason: "PRICED_APART" } : null;
}
