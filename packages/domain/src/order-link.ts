import { type CampaignTerms, canCombine } from "./campaign.ts";

type Combinability = Pick<CampaignTerms, "id" | "combinesWith">;

/** A reservation about to be linked to an order. Its campaign is null once the campaign is deleted. */
export type OrderLinkCandidate = { accountId: string; currency: string; campaign: Combinability | null };

/** Another reservation already carrying the order's number (confirmed, or cancelled with it). */
export type LinkedRedemption = {
  id: string;
  accountId: string;
  currency: string;
  status: "CONFIRMED" | "CANCELLED";
  campaign: Combinability | null;
};

export type OrderLinkRefusal = {
  errorCode: "ORDER_ACCOUNT_MISMATCH" | "CURRENCY_MISMATCH" | "NOT_COMBINABLE";
  /** The reservation of the order it clashes with. */
  conflictsWith: string;
};

/**
 * May this reservation join the order that already carries `order`? An order is one shopper's, in
 * one currency, so every reservation on it must be the same account's (ORDER_ACCOUNT_MISMATCH) and
 * priced in the same currency (CURRENCY_MISMATCH), cancelled ones too: an order number names one
 * order. The order's standing redemptions must stack as a quote would
 * stack them (SPEC §3): every confirmed one's campaign must combine with this one's, mutually, and
 * a campaign never combines with itself (NOT_COMBINABLE). A cancelled redemption no longer counts
 * for combining (an order cancelled and placed again), and a deleted campaign has no terms left.
 */
export function checkOrderLink(
  candidate: OrderLinkCandidate,
  order: readonly LinkedRedemption[],
): OrderLinkRefusal | null {
  const otherAccount = order.find((linked) => linked.accountId !== candidate.accountId);
  if (otherAccount) return { errorCode: "ORDER_ACCOUNT_MISMATCH", conflictsWith: otherAccount.id };
  const otherCurrency = order.find((linked) => linked.currency !== candidate.currency);
  if (otherCurrency) return { errorCode: "CURRENCY_MISMATCH", conflictsWith: otherCurrency.id };
  const { campaign } = candidate;
  if (campaign === null) return null;
  const clash = order.find(
    (linked) =>
      linked.status === "CONFIRMED" && linked.campaign !== null && !canCombine(linked.campaign, campaign),
  );
  return clash ? { errorCode: "NOT_COMBINABLE", conflictsWith: clash.id } : null;
}
