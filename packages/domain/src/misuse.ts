import type { ErrorCode } from "./errors.ts";

/**
 * Refusals that count as a failed code attempt for the guess rate limit: the answers a guesser
 * gets while probing for codes that exist and are usable. The code does not exist (or is not a
 * code at all), exists but is not live (expired, archived, outside its window, shared by two live
 * campaigns), or exists but is closed to this shopper's member groups.
 *
 * Not counted: refusals only a shopper holding a real, live code sees (usage or account limit
 * reached, cart in another currency, no eligible item, not combinable). A flash sale answers
 * thousands of honest shoppers USAGE_LIMIT_REACHED in a second; counting those would lock a
 * shop's customers out, and they tell a guesser nothing a CODE_NOT_FOUND count would not stop.
 */
export const FAILED_ATTEMPT_CODES = [
  "CODE_NOT_FOUND",
  "CODE_NOT_ACTIVE",
  "CODE_CONFLICT",
  "NOT_ELIGIBLE_MEMBER_GROUP",
] as const satisfies readonly ErrorCode[];

const FAILED_ATTEMPT_SET: ReadonlySet<string> = new Set(FAILED_ATTEMPT_CODES);

export function isFailedCodeAttempt(errorCode: string): boolean {
  return FAILED_ATTEMPT_SET.has(errorCode);
}

/** Whole seconds until `blockedForMs` has passed (at least 1, as Retry-After wants). */
export function retryAfterSeconds(blockedForMs: number): number {
  return Math.max(1, Math.ceil(blockedForMs / 1000));
}

export type AlertWindow = { start: Date; end: Date };

/**
 * The fixed monitoring window holding `now`: windows of `windowSeconds` laid end to end from the
 * campaign's `startsAt` (so the first starts when the campaign does). Fixed windows make "one
 * alert per code, kind and window" a plain unique key; a burst split by a window edge counts half
 * in each.
 */
export function alertWindowOf(anchor: Date, now: Date, windowSeconds: number): AlertWindow {
  const size = windowSeconds * 1000;
  const elapsed = now.getTime() - anchor.getTime();
  const index = Math.floor(elapsed / size);
  const start = anchor.getTime() + index * size;
  return { start: new Date(start), end: new Date(start + size) };
}

/** Per-campaign velocity monitoring: alert above `limit` redemptions of one code per window. */
export type VelocityAlertSettings = { limit: number; windowSeconds: number };

/** Velocity: strictly more redemptions than the limit in the window. */
export function exceedsVelocity(redemptions: number, settings: VelocityAlertSettings): boolean {
  return redemptions > settings.limit;
}

/**
 * Outside-member-groups monitoring (one setting for every campaign limited to member groups), by
 * accounts, not attempts: a leaked code is one that spreads to people outside its groups. By
 * attempts, one outsider retrying 20 times alerted at 100 %, and twelve outsiders went unseen beside
 * one member's thirteen reserve-and-release attempts.
 */
export type OutsideGroupsAlertSettings = {
  windowSeconds: number;
  /** Fewer accounts trying the code in the window than this never alert (a few mistyped groups are not a leak). */
  minAccounts: number;
  /** Alert when strictly more than this share (percent) of those accounts were refused for their groups. */
  outsidePercent: number;
};

/** The accounts that tried a code in a window, and those of them refused for their member groups. */
export type OutsideGroupsCounts = { accounts: number; outsideAccounts: number };

/**
 * The share of the window's accounts refused for their groups, in whole percent rounded up: an
 * alert raised when the exact share is above the threshold then reads observed > threshold too
 * (201 accounts of which 101 outside is 50.25 %: 51, not 50).
 */
export function outsideGroupsPercent(counts: OutsideGroupsCounts): number {
  return counts.accounts === 0 ? 0 : Math.ceil((counts.outsideAccounts * 100) / counts.accounts);
}

/** A leaked member-only code: most accounts trying it in the window are outside its groups. */
export function mostlyOutsideGroups(
  counts: OutsideGroupsCounts,
  settings: OutsideGroupsAlertSettings,
): boolean {
  return (
    counts.accounts >= settings.minAccounts &&
    counts.outsideAccounts * 100 > counts.accounts * settings.outsidePercent
  );
}
