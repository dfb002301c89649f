import type { CampaignTerms } from "./campaign.ts";
import { canCombine, checkEligibility, isWithinWindow } from "./campaign.ts";
import { checkCodeFormat } from "./code-rules.ts";
import { type Cart, type DiscountApplication, type Quote, quoteCart } from "./discount.ts";
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

/** A reservation named in an attempt's `stacksOn`, with what the store holds under that id (null: none). */
export type StackedHoldLookup = { id: string; hold: StackedHold | null };

export type ReservationAttempt = {
  codeInput: string;
  accountId: string;
  memberGroups: readonly string[];
  cart: Cart;
  /** When the gateway accepted the request: the campaign's window is judged at this instant. */
  acceptedAt: Date;
  /** The holds whose discounts apply before this code's, on the same cart; none: priced alone. */
  stacksOn?: readonly StackedHoldLookup[];
};

/**
 * Why a stacked attempt was refused, naming the hold in `stacksOn` it was refused for. With
 * STACKED_RESERVATION_INVALID:
 * - NOT_FOUND: the store has no reservation with that id;
 * - NOT_HELD: it is not RESERVED (released, expired, rejected, confirmed, cancelled) or its hold ran out;
 * - OTHER_ACCOUNT: another account's;
 * - OTHER_CART: held on another cart (items, prices, quantities, shipping or currency);
 * - CAMPAIGN_DELETED: its campaign is gone, so nothing says how it stacks;
 * - APPLIES_AFTER: its campaign applies after this code's by priority (lower first);
 * - HOLDS_DO_NOT_COMBINE: its campaign does not combine with another named hold's;
 * - NOT_ONE_STACK: it was not priced after exactly the holds named before it (`missingReservationIds`:
 *   those it was priced after that the request left out);
 * - LINES_OVERTAKEN: the holds together took more than a line is worth.
 * With NOT_COMBINABLE, CAMPAIGNS_DO_NOT_COMBINE: this code's campaign and the hold's do not combine.
 */
export const STACK_REFUSAL_REASONS = [
  "NOT_FOUND",
  "NOT_HELD",
  "OTHER_ACCOUNT",
  "OTHER_CART",
  "CAMPAIGN_DELETED",
  "APPLIES_AFTER",
  "HOLDS_DO_NOT_COMBINE",
  "NOT_ONE_STACK",
  "LINES_OVERTAKEN",
  "CAMPAIGNS_DO_NOT_COMBINE",
] as const;
export type StackRefusalReason = (typeof STACK_REFUSAL_REASONS)[number];

/** A refusal's details: which reservation of `stacksOn`, and why. */
export type StackRefusalDetails = {
  stackedReservationId: string;
  reason: StackRefusalReason;
  missingReservationIds?: string[];
};

type StackRefusal = {
  errorCode: "STACKED_RESERVATION_INVALID" | "NOT_COMBINABLE";
  details: StackRefusalDetails;
};

export type AttemptOutcome =
  | { status: "RESERVED"; candidate: CodeCandidate; quote: Quote; expiresAt: Date }
  | {
      status: "REJECTED";
      errorCode: ErrorCode;
      candidate: CodeCandidate | null;
      quote: Quote;
      /** Set for a refused stack only. */
      details?: StackRefusalDetails;
    };

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
  const reject = (
    errorCode: ErrorCode,
    candidate: CodeCandidate | null,
  ): Extract<AttemptOutcome, { status: "REJECTED" }> => ({
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
  if ("errorCode" in stack) return { ...reject(stack.errorCode, candidate), details: stack.details };

  const holders = ledger.accountHolds.get(campaign.id);
  if (campaign.oncePerAccount && holders?.has(attempt.accountId))
    return reject("ACCOUNT_LIMIT_REACHED", candidate);
  const live = ledger.liveHolds.get(candidate.code.id) ?? 0;
  if (campaign.usageLimit !== null && live >= campaign.usageLimit)
    return reject("USAGE_LIMIT_REACHED", candidate);
  // A code that would give nothing on this cart (the holds it stacks on took all of its lines, or
  // they cost nothing) takes no slot, as the quote leaves it out.
  const quote = quoteCart(attempt.cart, [{ code: candidate.code.code, campaign }], stack);
  if (quote.applied.length === 0) return reject("NO_ELIGIBLE_ITEMS", candidate);

  ledger.liveHolds.set(candidate.code.id, live + 1);
  ledger.accountHolds.set(campaign.id, (holders ?? new Set<string>()).add(attempt.accountId));
  return { status: "RESERVED", candidate, quote, expiresAt: new Date(now.getTime() + holdMs) };
}

const NOTHING_TAKEN: readonly number[] = [];

/**
 * May the attempt's code apply after the holds it stacks on (SPEC §3 stacking, one reservation per
 * code)? Each must be a live hold (RESERVED, not run out) of the same account on the same cart, the
 * holds must stack with each other and apply no later than this campaign by priority (lower first,
 * as a quote applies them), and they must be one stack: taken shortest first, each was priced after
 * exactly the ones before it (so leaving one out, which would price this code on more than is left,
 * is refused). Else STACKED_RESERVATION_INVALID. This campaign must combine with each of theirs
 * (both ways): else NOT_COMBINABLE. A refusal names the first hold, in the request's order, that
 * breaks a rule, and the rule (STACK_REFUSAL_REASONS). Returns what they took from each line, in
 * cart order.
 */
function checkStack(
  attempt: ReservationAttempt,
  campaign: CampaignTerms,
  now: Date,
): StackRefusal | readonly number[] {
  const named = attempt.stacksOn;
  // Most attempts stack on nothing: nothing to check, nothing taken (the flash sale's path).
  if (named === undefined || named.length === 0) return NOTHING_TAKEN;
  const invalid = (id: string, reason: StackRefusalReason, missing?: string[]): StackRefusal => ({
    errorCode: "STACKED_RESERVATION_INVALID",
    details: { stackedReservationId: id, reason, ...(missing ? { missingReservationIds: missing } : {}) },
  });
  const taken = attempt.cart.items.map(() => 0);
  const holds: UsableHold[] = [];
  for (const { id, hold } of named) {
    const usable = usableOrWhyNot(hold, attempt, now);
    if (typeof usable === "string") return invalid(id, usable);
    if (usable.campaign.priority > campaign.priority) return invalid(id, "APPLIES_AFTER");
    if (holds.some((other) => !canCombine(other.campaign, usable.campaign)))
      return invalid(id, "HOLDS_DO_NOT_COMBINE");
    holds.push(usable);
    usable.lineDiscounts.forEach((share, index) => {
      taken[index] = (taken[index] ?? 0) + share;
    });
  }
  const outOfStack = firstOutOfStack(holds);
  if (outOfStack) return invalid(outOfStack.hold.id, "NOT_ONE_STACK", outOfStack.missing);
  const overTaken = attempt.cart.items.some(
    (item, index) => (taken[index] ?? 0) > item.unitPrice * item.quantity,
  );
  const last = holds.at(-1);
  if (overTaken && last) return invalid(last.id, "LINES_OVERTAKEN");
  const apart = holds.find((hold) => !canCombine(hold.campaign, campaign));
  if (apart)
    return {
      errorCode: "NOT_COMBINABLE",
      details: { stackedReservationId: apart.id, reason: "CAMPAIGNS_DO_NOT_COMBINE" },
    };
  return taken;
}

/** A named hold that may be stacked on, whatever the others are. */
type UsableHold = StackedHold & { campaign: NonNullable<StackedHold["campaign"]> };

/** The named hold if it may be stacked on, whatever the others are; else why not. */
function usableOrWhyNot(
  hold: StackedHold | null,
  attempt: ReservationAttempt,
  now: Date,
): UsableHold | StackRefusalReason {
  if (hold === null) return "NOT_FOUND";
  if (hold.accountId !== attempt.accountId) return "OTHER_ACCOUNT";
  if (hold.status !== "RESERVED" || hold.expiresAt === null || hold.expiresAt <= now) return "NOT_HELD";
  if (!sameCart(hold.cart, attempt.cart) || hold.lineDiscounts.length !== attempt.cart.items.length)
    return "OTHER_CART";
  if (hold.campaign === null) return "CAMPAIGN_DELETED";
  return { ...hold, campaign: hold.campaign };
}

/**
 * Holds built one on another: by length of their own stack, each names exactly those before it.
 * Else the first that does not, with the holds it was priced after that are not named at all.
 */
function firstOutOfStack(holds: readonly StackedHold[]): { hold: StackedHold; missing?: string[] } | null {
  const ordered = [...holds].sort((a, b) => a.stacksOn.length - b.stacksOn.length);
  const named = new Set(holds.map((hold) => hold.id));
  for (const [index, hold] of ordered.entries()) {
    const before = new Set(ordered.slice(0, index).map((earlier) => earlier.id));
    if (hold.stacksOn.length === before.size && hold.stacksOn.every((id) => before.has(id))) continue;
    const missing = hold.stacksOn.filter((id) => !named.has(id));
    return missing.length > 0 ? { hold, missing } : { hold };
  }
  return null;
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

/** A hold a reservation was stacked on, as a late confirm of that reservation reads it. */
export type HeldStackEntry = {
  /** What it took from each line when it was priced, in cart order. */
  lineDiscounts: readonly number[];
  /** Its campaign's stacking terms as they are now; null once the campaign is deleted. */
  campaign: Pick<CampaignTerms, "id" | "combinesWith" | "priority"> | null;
};

/**
 * Whether a hold granted again (a late confirm of one that ran out or was released) stands as it
 * holds: the holds it was stacked on still apply before it and stack with it and with each other
 * (as a new reservation stacking on them is checked: APPLIES_AFTER, CAMPAIGNS_DO_NOT_COMBINE,
 * HOLDS_DO_NOT_COMBINE), and its code, priced now on what they took from each line when they were
 * priced, gives the same discount on each line. A campaign changed since (its products, priority or
 * stacking, say) would price or stack it otherwise, and confirming the old discount would give what
 * the code no longer gives.
 */
export function grantedAsHeld(
  cart: Cart,
  application: DiscountApplication,
  stackedOn: readonly HeldStackEntry[],
  heldLineDiscounts: readonly number[],
): boolean {
  const campaigns: Pick<CampaignTerms, "id" | "combinesWith">[] = [];
  for (const { campaign } of stackedOn) {
    if (campaign === null || campaign.priority > application.campaign.priority) return false;
    if (!canCombine(campaign, application.campaign)) return false;
    if (campaigns.some((other) => !canCombine(other, campaign))) return false;
    campaigns.push(campaign);
  }
  const taken = cart.items.map((_, index) =>
    stackedOn.reduce((sum, hold) => sum + (hold.lineDiscounts[index] ?? 0), 0),
  );
  const repriced = quoteCart(cart, [application], taken);
  return (
    repriced.lines.length === heldLineDiscounts.length &&
    repriced.lines.every((line, index) => line.discount === heldLineDiscounts[index])
  );
}
