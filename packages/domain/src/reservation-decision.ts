import type { CampaignTerms } from "./campaign.ts";
import { canCombine, checkEligibility, isWithinWindow } from "./campaign.ts";
import { checkCodeFormat } from "./code-rules.ts";
import { type Cart, type Quote, quoteCart } from "./discount.ts";
import type { ErrorCode } from "./errors.ts";

/** One store's instance of a code with the campaign it belongs to. */
export type CodeCandidate = {
  code: { id: string; code: string; state: "active" | "expired"; partnerId: string | null };
  campaign: CampaignTerms;
};

export type CodeResolution =
  | { kind: "found"; candidate: CodeCandidate }
  | {
      kind: "refused";
      errorCode: "CODE_NOT_FOUND" | "CODE_CONFLICT" | "CODE_NOT_ACTIVE";
      candidate: CodeCandidate | null;
    };

/**
 * Which campaign a typed code means at `now` (SPEC §2 rules 5-6): none with that code ->
 * CODE_NOT_FOUND; two live campaigns sharing it -> CODE_CONFLICT; none live -> CODE_NOT_ACTIVE.
 * A campaign is live when it is not archived and `now` is inside its window.
 */
export function resolveCode(candidates: readonly CodeCandidate[], now: Date): CodeResolution {
  if (candidates.length === 0) return { kind: "refused", errorCode: "CODE_NOT_FOUND", candidate: null };
  const live = candidates.filter(
    (candidate) => candidate.campaign.state === "active" && isWithinWindow(candidate.campaign, now),
  );
  const [first, second] = live;
  if (first && second) return { kind: "refused", errorCode: "CODE_CONFLICT", candidate: second };
  if (first) return { kind: "found", candidate: first };
  const upcoming = candidates.find(
    (candidate) => candidate.campaign.state === "active" && candidate.campaign.startsAt > now,
  );
  return { kind: "refused", errorCode: "CODE_NOT_ACTIVE", candidate: upcoming ?? candidates.at(-1) ?? null };
}

/** What the cap rules need to know, loaded from the record before a batch is decided. */
export type CapLedger = {
  /** Live holds per code id. */
  liveHolds: Map<string, number>;
  /** Accounts with a live hold, per campaign id. */
  accountHolds: Map<string, Set<string>>;
};

/**
 * A reservation an attempt stacks on (the checkout's earlier hold on another code of the same
 * cart), as it stands when the attempt is decided. Null in `stacksOn`: no such reservation in the
 * store.
 */
export type StackedHold = {
  id: string;
  accountId: string;
  status: string;
  expiresAt: Date | null;
  /** The holds it was itself priced after. */
  stacksOn: readonly string[];
  cart: Cart;
  /** Its own discount per cart line, in cart order. */
  lineDiscounts: readonly number[];
  /** Null once its campaign is deleted. */
  campaign: Pick<CampaignTerms, "id" | "combinesWith" | "priority"> | null;
};

export type ReservationAttempt = {
  codeInput: string;
  accountId: string;
  memberGroups: readonly string[];
  cart: Cart;
  /** When the gateway accepted the request: the campaign's window is judged at this instant. */
  acceptedAt: Date;
  /** The holds whose discounts apply before this code's, on the same cart; none: priced alone. */
  stacksOn?: readonly (StackedHold | null)[];
};

export type AttemptOutcome =
  | { status: "RESERVED"; candidate: CodeCandidate; quote: Quote; expiresAt: Date }
  | { status: "REJECTED"; errorCode: ErrorCode; candidate: CodeCandidate | null; quote: Quote };

/**
 * Decides one reservation attempt against the ledger (SPEC §2) and, when it wins, records its hold
 * in the ledger so the next attempt of the batch sees it. Rules in order: the code resolves to one
 * live campaign; the campaign's eligibility rules; once per account (a winner's second try gets
 * ACCOUNT_LIMIT_REACHED even when the code is full); the code's usage limit.
 *
 * The campaign's window [startsAt, endsAt) is judged at the attempt's acceptance, not at `now` (the
 * decision): a request the gateway took before endsAt keeps its chance however long the queue is,
 * and one taken before startsAt does not win by waiting in it. The hold runs from the decision.
 */
export function decideAttempt(
  ledger: CapLedger,
  candidates: readonly CodeCandidate[],
  attempt: ReservationAttempt,
  now: Date,
  holdMs: number,
): AttemptOutcome {
  const undiscounted = quoteCart(attempt.cart, []);
  const reject = (errorCode: ErrorCode, candidate: CodeCandidate | null): AttemptOutcome => ({
    status: "REJECTED",
    errorCode,
    candidate,
    quote: undiscounted,
  });

  if (!checkCodeFormat(attempt.codeInput).ok) return reject("CODE_NOT_FOUND", null);
  const resolution = resolveCode(candidates, attempt.acceptedAt);
  if (resolution.kind === "refused") return reject(resolution.errorCode, resolution.candidate);
  const { candidate } = resolution;
  const { campaign } = candidate;

  const ineligible = checkEligibility({
    campaign,
    codeState: candidate.code.state,
    now: attempt.acceptedAt,
    memberGroups: attempt.memberGroups,
    cart: attempt.cart,
  });
  if (ineligible) return reject(ineligible, candidate);

  const stack = checkStack(attempt, campaign, now);
  if (typeof stack === "string") return reject(stack, candidate);

  const holders = ledger.accountHolds.get(campaign.id);
  if (campaign.oncePerAccount && holders?.has(attempt.accountId))
    return reject("ACCOUNT_LIMIT_REACHED", candidate);
  const live = ledger.liveHolds.get(candidate.code.id) ?? 0;
  if (campaign.usageLimit !== null && live >= campaign.usageLimit)
    return reject("USAGE_LIMIT_REACHED", candidate);

  ledger.liveHolds.set(candidate.code.id, live + 1);
  ledger.accountHolds.set(campaign.id, (holders ?? new Set<string>()).add(attempt.accountId));
  return {
    status: "RESERVED",
    candidate,
    quote: quoteCart(attempt.cart, [{ code: candidate.code.code, campaign }], stack),
    expiresAt: new Date(now.getTime() + holdMs),
  };
}

const NOTHING_TAKEN: readonly number[] = [];

/**
 * May the attempt's code apply after the holds it stacks on (SPEC §3 stacking, one reservation per
 * code)? Each must be a live hold (RESERVED, not run out) of the same account on the same cart, the
 * holds must stack with each other and apply no later than this campaign by priority (lower first,
 * as a quote applies them), and they must be one stack: taken shortest first, each was priced after
 * exactly the ones before it (so leaving one out, which would price this code on more than is left,
 * is refused). Else STACKED_RESERVATION_INVALID. This campaign must combine with each of theirs (both ways): else
 * NOT_COMBINABLE. Returns what they took from each line, in cart order.
 */
function checkStack(
  attempt: ReservationAttempt,
  campaign: CampaignTerms,
  now: Date,
): ErrorCode | readonly number[] {
  const holds = attempt.stacksOn;
  // Most attempts stack on nothing: nothing to check, nothing taken (the flash sale's path).
  if (holds === undefined || holds.length === 0) return NOTHING_TAKEN;
  const taken = attempt.cart.items.map(() => 0);
  const campaigns: Pick<CampaignTerms, "id" | "combinesWith">[] = [];
  for (const hold of holds) {
    const usable =
      hold !== null &&
      hold.status === "RESERVED" &&
      hold.expiresAt !== null &&
      hold.expiresAt > now &&
      hold.accountId === attempt.accountId &&
      hold.campaign !== null &&
      hold.campaign.priority <= campaign.priority &&
      campaigns.every((other) => hold.campaign !== null && canCombine(other, hold.campaign)) &&
      sameCart(hold.cart, attempt.cart) &&
      hold.lineDiscounts.length === taken.length;
    if (!usable) return "STACKED_RESERVATION_INVALID";
    campaigns.push(hold.campaign as Pick<CampaignTerms, "id" | "combinesWith">);
    hold.lineDiscounts.forEach((share, index) => {
      taken[index] = (taken[index] ?? 0) + share;
    });
  }
  if (!isOneStack(holds as readonly StackedHold[])) return "STACKED_RESERVATION_INVALID";
  const overTaken = attempt.cart.items.some(
    (item, index) => (taken[index] ?? 0) > item.unitPrice * item.quantity,
  );
  if (overTaken) return "STACKED_RESERVATION_INVALID";
  if (campaigns.some((other) => !canCombine(other, campaign))) return "NOT_COMBINABLE";
  return taken;
}

/** Holds built one on another: by length of their own stack, each names exactly those before it. */
function isOneStack(holds: readonly StackedHold[]): boolean {
  const ordered = [...holds].sort((a, b) => a.stacksOn.length - b.stacksOn.length);
  return ordered.every((hold, index) => {
    const before = new Set(ordered.slice(0, index).map((earlier) => earlier.id));
    return hold.stacksOn.length === before.size && hold.stacksOn.every((id) => before.has(id));
  });
}

function sameCart(a: Cart, b: Cart): boolean {
  return (
    a.currency === b.currency &&
    a.shipping === b.shipping &&
    a.items.length === b.items.length &&
    a.items.every((item, index) => {
      const other = b.items[index];
      return (
        other !== undefined &&
        item.productId === other.productId &&
        item.unitPrice === other.unitPrice &&
        item.quantity === other.quantity
      );
    })
  );
}
