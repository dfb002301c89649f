import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { type Quote, QuoteRequestSchema, QuoteSchema } from "@promo/contracts";
import { countLiveHolds, findAccountHolds, findCodeCandidates, findOwnLiveHolds, poolSql } from "@promo/db";
import {
  type CodeCandidate,
  checkCodeFormat,
  checkEligibility,
  describeError,
  type ErrorCode,
  isFailedCodeAttempt,
  normalizeCodeKey,
  quoteCart,
  resolveCode,
} from "@promo/domain";
import type { GatewayDeps } from "../deps.ts";
import type { GatewayEnv } from "../env.ts";
import {
  countFailedAttempts,
  guessRetryAfterSeconds,
  refuseWhenGuessLimited,
} from "../misuse/guess-limit.ts";
import { errorResponses, jsonBody, jsonResponse } from "../openapi-helpers.ts";
import { validationHook } from "../validation.ts";

const quoteRoute = createRoute({
  method: "post",
  path: "/v1/checkout/quote",
  operationId: "quoteCheckout",
  tags: ["Checkout"],
  summary: "Price a cart with one or more codes (no hold is taken)",
  description:
    "Every code is either applied (in priority order, each on what earlier ones left) or refused with its error code (NO_ELIGIBLE_ITEMS also for a code that would give nothing: its lines taken whole by the codes before it, or costing nothing); usage limits are reported as they stand now and may change before a reservation; holds named in `reservationIds` that are this account's live RESERVED holds are counted as given back. Each refused code that is a failed attempt (no such code, not active, not for these member groups) counts against the account's and the client IP's guess limit; at the limit: 429 RATE_LIMITED with Retry-After. Once a quote's failed attempts use up what the account and IP have left, the first failure past the limit and every code after it are refused with RATE_LIMITED, whatever they are, each with `details.retryAfterSeconds`.",
  request: { body: jsonBody(QuoteRequestSchema) },
  responses: {
    200: jsonResponse(QuoteSchema, "The priced cart"),
    ...errorResponses(400, 401, 403, 413, 415, 429),
  },
});

/** A quote's code as looked up: refused with its error code, or found and eligible. */
type CodeOutcome =
  | { kind: "refused"; key: string; shown: string; errorCode: ErrorCode; campaignId: string | null }
  | { kind: "found"; key: string; shown: string; candidate: CodeCandidate };

export function checkoutRoutes(deps: GatewayDeps) {
  const { prisma } = deps.database;
  const app = new OpenAPIHono<GatewayEnv>({ defaultHook: validationHook });

  app.openapi(quoteRoute, async (c) => {
    const request = c.req.valid("json");
    const { storeId } = c.get("principal");
    const locale = c.get("locale");
    const subjects = { storeId, accountId: request.accountId, clientIp: deps.clientIp(c) };
    const typedByKey = new Map(request.codes.map((code) => [normalizeCodeKey(code), code]));
    await refuseWhenGuessLimited(deps, c, subjects);
    const now = deps.clock();
    const candidates = await findCodeCandidates(
      prisma,
      storeId,
      [...typedByKey].filter(([, code]) => checkCodeFormat(code).ok).map(([key]) => key),
    );

    // Each code's own answer, in the order typed: refused (shown as the merchant entered it when it
    // matched a stored one, SPEC §1), or found and eligible.
    const outcomes = [...typedByKey].map(([key, code]): CodeOutcome => {
      const resolution = resolveCode(
        checkCodeFormat(code).ok ? candidates.filter((candidate) => candidate.code.codeKey === key) : [],
        now,
      );
      if (resolution.kind === "refused") {
        return {
          kind: "refused",
          key,
          shown: resolution.candidate?.code.code ?? code,
          errorCode: resolution.errorCode,
          campaignId: resolution.candidate?.campaign.id ?? null,
        };
      }
      const { candidate } = resolution;
      const ineligible = checkEligibility({
        campaign: candidate.campaign,
        codeState: candidate.code.state,
        now,
        memberGroups: request.memberGroups,
        cart: request.cart,
      });
      return ineligible
        ? {
            kind: "refused",
            key,
            shown: candidate.code.code,
            errorCode: ineligible,
            campaignId: candidate.campaign.id,
          }
        : { kind: "found", key, shown: candidate.code.code, candidate };
    });
    // A quote may try many codes: its failed attempts are counted in one step that takes no more
    // than the account and IP have room for, so one quote of 20 unknown codes (or 50 quotes at
    // once) cannot make 20 guesses where 1 is left. The first failure past the limit and every code
    // after it are answered RATE_LIMITED: what they are is not told.
    const failures = outcomes.filter(
      (outcome) => outcome.kind === "refused" && isFailedCodeAttempt(outcome.errorCode),
    );
    const counted = await countFailedAttempts(
      deps,
      c,
      subjects,
      failures.map((outcome) => outcome.key),
    );
    const cutoff =
      counted < failures.length ? outcomes.indexOf(failures[counted] as CodeOutcome) : outcomes.length;
    // The codes past the limit say when the shopper may try again, as a 429's Retry-After would.
    const retryAfter = cutoff < outcomes.length ? await guessRetryAfterSeconds(deps, c, subjects) : null;

    const refused: Quote["refused"] = [];
    const refuse = (
      code: string,
      errorCode: ErrorCode,
      campaignId: string | null,
      details?: { conflictsWith: string } | { retryAfterSeconds: number },
    ) =>
      refused.push({
        code,
        campaignId,
        error: {
          code: errorCode,
          message: describeError(errorCode, locale),
          ...(details ? { details } : {}),
        },
      });

    const found: Array<{ code: string; candidate: CodeCandidate }> = [];
    outcomes.forEach((outcome, index) => {
      if (index >= cutoff)
        refuse(
          typedByKey.get(outcome.key) ?? outcome.shown,
          "RATE_LIMITED",
          null,
          retryAfter === null ? undefined : { retryAfterSeconds: retryAfter },
        );
      else if (outcome.kind === "refused") refuse(outcome.shown, outcome.errorCode, outcome.campaignId);
      else found.push({ code: outcome.shown, candidate: outcome.candidate });
    });

    // The checkout's own holds (`reservationIds`) are counted as given back: re-quoting a code it
    // holds must not show the shopper that code as used up by their own hold.
    const sql = poolSql(deps.database.pool);
    const ownHolds =
      found.length === 0
        ? []
        : await findOwnLiveHolds(sql, { storeId, accountId: request.accountId }, request.reservationIds, now);
    const [liveHolds, accountHolds] = await Promise.all([
      countLiveHolds(
        sql,
        found.map(({ candidate }) => candidate.code.id),
        now,
        ownHolds,
      ),
      findAccountHolds(
        sql,
        [...new Set(found.map(({ candidate }) => candidate.campaign.id))].map((campaignId) => ({
          campaignId,
          accountId: request.accountId,
        })),
        now,
        ownHolds,
      ),
    ]);
    const applicable = found.filter(({ code, candidate }) => {
      const { campaign } = candidate;
      if (campaign.oncePerAccount && accountHolds.has(campaign.id)) {
        refuse(code, "ACCOUNT_LIMIT_REACHED", campaign.id);
        return false;
      }
      if (campaign.usageLimit !== null && (liveHolds.get(candidate.code.id) ?? 0) >= campaign.usageLimit) {
        refuse(code, "USAGE_LIMIT_REACHED", campaign.id);
        return false;
      }
      return true;
    });

    const quote = quoteCart(
      request.cart,
      applicable.map(({ code, candidate }) => ({ code, campaign: candidate.campaign })),
    );
    for (const skipped of quote.skipped)
      refuse(
        skipped.code,
        skipped.reason,
        skipped.campaignId,
        skipped.conflictsWith === undefined ? undefined : { conflictsWith: skipped.conflictsWith },
      );
    return c.json(
      {
        currency: quote.currency,
        lines: quote.lines,
        applied: quote.applied,
        refused,
        totals: quote.totals,
      },
      200,
    );
  });

  return app;
}
