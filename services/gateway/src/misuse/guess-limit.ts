import { DomainError, isFailedCodeAttempt, retryAfterSeconds } from "@promo/domain";
import type { Context } from "hono";
import type { GatewayDeps } from "../deps.ts";
import type { GatewayEnv } from "../env.ts";

type Subjects = { storeId: string; accountId: string; clientIp: string | null };

/**
 * Code-guessing defence for quotes (README "Misuse monitoring"; reservations are checked a batch at
 * a time by the dispatcher): an account or client IP at its limit of failed attempts gets 429
 * RATE_LIMITED with Retry-After before anything is looked up, the same answer whether the code it
 * tries exists or not. Otherwise, how many failed attempts it may still make (the tighter of the
 * account's and the IP's), which a quote of up to 20 codes must not pass. A Redis failure lets the
 * request through (logged): checkouts do not stop because the limiter is down.
 */
export async function guessAllowance(
  deps: GatewayDeps,
  c: Context<GatewayEnv>,
  subjects: Subjects,
): Promise<number> {
  const { remaining, blockedForMs } = await deps.guessLimiter.allowance(subjects).catch((error: unknown) => {
    c.get("logger").warn({ err: error }, "guess limit not checked");
    return { remaining: Number.POSITIVE_INFINITY, blockedForMs: 0 };
  });
  if (remaining <= 0) {
    throw new DomainError("RATE_LIMITED", { retryAfterSeconds: retryAfterSeconds(blockedForMs) });
  }
  return remaining;
}

/** Counts the refusals that are failed code attempts (see isFailedCodeAttempt) against the account and IP. */
export async function countFailedAttempts(
  deps: GatewayDeps,
  c: Context<GatewayEnv>,
  subjects: Subjects,
  errorCodes: readonly string[],
): Promise<void> {
  const failures = errorCodes.filter(isFailedCodeAttempt).length;
  if (failures === 0) return;
  await deps.guessLimiter.recordFailures(subjects, failures).catch((error: unknown) => {
    c.get("logger").warn({ err: error }, "failed attempts not counted");
  });
}
