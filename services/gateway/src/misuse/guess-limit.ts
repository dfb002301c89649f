import { DomainError, retryAfterSeconds } from "@promo/domain";
import { levelOfRedisFailure } from "@promo/queue";
import type { Context } from "hono";
import type { GatewayDeps } from "../deps.ts";
import type { GatewayEnv } from "../env.ts";

type Subjects = { storeId: string; accountId: string; clientIp: string | null };

/**
 * Code-guessing defence for quotes (docs/api.md "Misuse monitoring"; reservations are admitted a batch
 * at a time by the dispatcher): an account or client IP at its limit of failed attempts gets 429
 * RATE_LIMITED with Retry-After before anything is looked up, the same answer whether the code it
 * tries exists or not. A Redis failure lets the request through (logged): checkouts do not stop
 * because the limiter is down.
 */
export async function refuseWhenGuessLimited(
  deps: GatewayDeps,
  c: Context<GatewayEnv>,
  subjects: Subjects,
): Promise<void> {
  const { remaining, blockedForMs } = await deps.guessLimiter.allowance(subjects).catch((error: unknown) => {
    c.get("logger")[levelOfRedisFailure(error, "warn")]({ err: error }, "guess limit not checked");
    return { remaining: Number.POSITIVE_INFINITY, blockedForMs: 0 };
  });
  if (remaining <= 0) {
    throw new DomainError("RATE_LIMITED", { retryAfterSeconds: retryAfterSeconds(blockedForMs) });
  }
}

/**
 * Counts a quote's failed code attempts (code keys, in the order tried) against the account and IP,
 * each code once per window, in one step that takes no more than they have room for: how many were
 * counted (the rest came past the limit). All of them when Redis fails (logged).
 */
export async function countFailedAttempts(
  deps: GatewayDeps,
  c: Context<GatewayEnv>,
  subjects: Subjects,
  codeKeys: readonly string[],
): Promise<number> {
  if (codeKeys.length === 0) return 0;
  return deps.guessLimiter.recordFailures(subjects, codeKeys).catch((error: unknown) => {
    c.get("logger")[levelOfRedisFailure(error, "warn")]({ err: error }, "failed attempts not counted");
    return codeKeys.length;
  });
}

/**
 * In how many seconds an account or IP at its limit may try again (for the codes of a quote answered
 * RATE_LIMITED, as a 429's Retry-After says it); null when Redis cannot say (logged).
 */
export async function guessRetryAfterSeconds(
  deps: GatewayDeps,
  c: Context<GatewayEnv>,
  subjects: Subjects,
): Promise<number | null> {
  try {
    const { blockedForMs } = await deps.guessLimiter.allowance(subjects);
    return retryAfterSeconds(blockedForMs);
  } catch (error) {
    c.get("logger")[levelOfRedisFailure(error, "warn")]({ err: error }, "guess limit retry time not read");
    return null;
  }
}
