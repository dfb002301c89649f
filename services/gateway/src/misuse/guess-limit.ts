import { DomainError, isFailedCodeAttempt, retryAfterSeconds } from "@promo/domain";
import type { AttemptAllowance } from "@promo/queue";
import type { Context } from "hono";
import type { GatewayDeps } from "../deps.ts";
import type { GatewayEnv } from "../env.ts";

type Subjects = { storeId: string; accountId: string; clientIp: string | null };

/**
 * Code-guessing defence for quotes (README "Misuse monitoring"; reservations are checked a batch at
 * a time by the dispatcher): an account or client IP at its limit of failed attempts gets 429
 * RATE_LIMITED with Retry-After before anything is looked up, the same answer whether the code it
 * tries exists or not. Otherwise, how many more codes it may be refused (the tighter of the
 * account's and the IP's), which a quote of up to 20 codes must not pass, and which of `codeKeys`
 * were refused already in the window (trying them again costs nothing). A Redis failure lets the
 * request through (logged): checkouts do not stop because the limiter is down.
 */
export async function guessAllowance(
  deps: GatewayDeps,
  c: Context<GatewayEnv>,
  subjects: Subjects,
  codeKeys: readonly string[],
): Promise<Omit<AttemptAllowance, "blockedForMs">> {
  const { remaining, blockedForMs, counted } = await deps.guessLimiter
    .allowance(subjects, codeKeys)
    .catch((error: unknown): AttemptAllowance => {
      c.get("logger").warn({ err: error }, "guess limit not checked");
      return { remaining: Number.POSITIVE_INFINITY, blockedForMs: 0, counted: new Set() };
    });
  if (remaining <= 0) {
    throw new DomainError("RATE_LIMITED", { retryAfterSeconds: retryAfterSeconds(blockedForMs) });
  }
  return { remaining, counted };
}

/** A code key and how it was refused. */
export type CodeRefusal = { codeKey: string; errorCode: string };

/**
 * Counts the codes whose refusals are failed code attempts (see isFailedCodeAttempt) against the
 * account and IP, each code once per window.
 */
export async function countFailedAttempts(
  deps: GatewayDeps,
  c: Context<GatewayEnv>,
  subjects: Subjects,
  refusals: readonly CodeRefusal[],
): Promise<void> {
  const failed = refusals.filter(({ errorCode }) => isFailedCodeAttempt(errorCode));
  if (failed.length === 0) return;
  await deps.guessLimiter
    .recordFailures(
      subjects,
      failed.map(({ codeKey }) => codeKey),
    )
    .catch((error: unknown) => {
      c.get("logger").warn({ err: error }, "failed attempts not counted");
    });
}
