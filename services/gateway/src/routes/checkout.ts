import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { type Quote, QuoteRequestSchema, QuoteSchema } from "@promo/contracts";
import { countLiveHolds, findAccountHolds, findCodeCandidates, poolSql } from "@promo/db";
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
import { type CodeRefusal, countFailedAttempts, guessAllowance } from "../misuse/guess-limit.ts";
import { errorResponses, jsonBody, jsonResponse } from "../openapi-helpers.ts";
import { validationHook } from "../validation.ts";

const quoteRoute = createRoute({
  method: "post",
  path: "/v1/checkout/quote",
  operationId: "quoteCheckout",
  tags: ["Checkout"],
  summary: "Price a cart with one or more codes (no hold is taken)",
  description:
    "Every code is either applied (in priority order, each on what earlier ones left) or refused with its error code; usage limits are reported as they stand now and may change before a reservation. Each refused code that is a failed attempt (no such code, not active, not for these member groups) counts against the account's and the client IP's guess limit; at the limit: 429 RATE_LIMITED with Retry-After. Once a quote's failed attempts use up what the account and IP have left, its later codes are refused with RATE_LIMITED without being looked up.",
  request: { body: jsonBody(QuoteRequestSchema) },
  responses: {
    200: jsonResponse(QuoteSchema, "The priced cart"),
    ...errorResponses(400, 401, 403, 413, 415, 429),
  },
});

export function checkoutRoutes(deps: GatewayDeps) {
  const { prisma } = deps.database;
  const app = new OpenAPIHono<GatewayEnv>({ defaultHook: validationHook });

  app.openapi(quoteRoute, async (c) => {
    const request = c.req.valid("json");
    const { storeId } = c.get("principal");
    const locale = c.get("locale");
    const subjects = { storeId, accountId: request.accountId, clientIp: deps.clientIp(c) };
    const typedByKey = new Map(request.codes.map((code) => [normalizeCodeKey(code), code]));
    // A quote may try many codes: once the codes it was refused reach what the account and IP have
    // left in their window, its later codes are not looked at (RATE_LIMITED), so one quote of 20
    // unknown codes cannot make 20 guesses where 1 is left. A code refused earlier in the window is
    // looked at again: refused again, it counts nothing new.
    const allowance = await guessAllowance(deps, c, subjects, [...typedByKey.keys()]);
    const now = deps.clock();
    const candidates = await findCodeCandidates(
      prisma,
      storeId,
      [...typedByKey].filter(([, code]) => checkCodeFormat(code).ok).map(([key]) => key),
    );

    const refused: Quote["refused"] = [];
    const refuse = (
      code: string,
      errorCode: ErrorCode,
      campaignId: string | null,
      details?: { conflictsWith: string },
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
    const failed: CodeRefusal[] = [];
    const fail = (codeKey: string, errorCode: ErrorCode) => {
      if (isFailedCodeAttempt(errorCode) && !allowance.counted.has(codeKey))
        failed.push({ codeKey, errorCode });
    };
    for (const [key, code] of typedByKey) {
      if (failed.length >= allowance.remaining && !allowance.counted.has(key)) {
        refuse(code, "RATE_LIMITED", null);
        continue;
      }
      const resolution = resolveCode(
        checkCodeFormat(code).ok ? candidates.filter((candidate) => candidate.code.codeKey === key) : [],
        now,
      );
      if (resolution.kind === "refused") {
        fail(key, resolution.errorCode);
        // A code that matched a stored one is shown as the merchant entered it (SPEC §1).
        refuse(
          resolution.candidate?.code.code ?? code,
          resolution.errorCode,
          resolution.candidate?.campaign.id ?? null,
        );
        continue;
      }
      const { candidate } = resolution;
      const shown = candidate.code.code;
      const ineligible = checkEligibility({
        campaign: candidate.campaign,
        codeState: candidate.code.state,
        now,
        memberGroups: request.memberGroups,
        cart: request.cart,
      });
      if (ineligible) {
        fail(key, ineligible);
        refuse(shown, ineligible, candidate.campaign.id);
      } else found.push({ code: shown, candidate });
    }

    const sql = poolSql(deps.database.pool);
    const [liveHolds, accountHolds] = await Promise.all([
      countLiveHolds(
        sql,
        found.map(({ candidate }) => candidate.code.id),
        now,
      ),
      findAccountHolds(
        sql,
        [...new Set(found.map(({ candidate }) => candidate.campaign.id))].map((campaignId) => ({
          campaignId,
          accountId: request.accountId,
        })),
        now,
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
      refuse(skipped.code, skipped.reason, skipped.campaignId, { conflictsWith: skipped.conflictsWith });
    await countFailedAttempts(deps, c, subjects, failed);
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
