import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import {
  CodeCampaignParamsSchema,
  CodeCreateSchema,
  CodeLookupQuerySchema,
  CodeLookupSchema,
  CodePageSchema,
  CodeParamsSchema,
  CodeSchemaOut,
  CodeScopeQuerySchema,
  CodeStateChangeSchema,
  NoQuerySchema,
  PageQuerySchema,
} from "@promo/contracts";
import {
  type CodeRecord,
  codeOfReservationCursor,
  countCodeUses,
  findCampaign,
  findCodeConflict,
  findCodeInCampaign,
  findCodesByKey,
  findCodesByKeyToChange,
  findPartner,
  insertCode,
  listCampaignCodes,
  listCodeReservations,
  lockCampaign,
  lockCodeNamespace,
  prismaSql,
  REQUEST_TRANSACTION,
  setCodeState,
} from "@promo/db";
import { DomainError, normalizeCodeKey } from "@promo/domain";
import type { GatewayDeps } from "../deps.ts";
import type { GatewayEnv } from "../env.ts";
import { refuseBodyFields } from "../middleware/json-body.ts";
import { errorResponses, jsonBody, jsonResponse } from "../openapi-helpers.ts";
import { presentCode, presentReservationSummary } from "../presenters.ts";
import { validationHook } from "../validation.ts";

const TAG = ["Codes"];

const createCodeRoute = createRoute({
  method: "post",
  path: "/v1/campaigns/{id}/codes",
  operationId: "addCampaignCode",
  tags: TAG,
  summary: "Add a single code to a campaign",
  description:
    "6..64 letters and digits. Refused with CODE_CONFLICT when a live campaign with an overlapping window has the same code (any letter case), and with CAMPAIGN_ARCHIVED when the campaign is archived. `partnerId` (optional) credits the code's redemptions to a partner of the store, before its campaign's partner and any tracking rule.",
  request: { query: NoQuerySchema, params: CodeCampaignParamsSchema, body: jsonBody(CodeCreateSchema) },
  responses: {
    201: jsonResponse(CodeSchemaOut, "Created"),
    ...errorResponses(400, 401, 403, 404, 409, 413, 415),
  },
});

const listCodesRoute = createRoute({
  method: "get",
  path: "/v1/campaigns/{id}/codes",
  operationId: "listCampaignCodes",
  tags: TAG,
  summary: "List a campaign's codes (cursor pages, by code)",
  request: { params: CodeCampaignParamsSchema, query: PageQuerySchema },
  responses: { 200: jsonResponse(CodePageSchema, "A page of codes"), ...errorResponses(400, 401, 403, 404) },
});

const lookupCodeRoute = createRoute({
  method: "get",
  path: "/v1/codes/{code}",
  operationId: "getCode",
  tags: TAG,
  summary:
    "Look a code up: its campaign(s), uses and every reservation (account, state, order number, times)",
  description:
    "One item per campaign holding the code, each with the first page of its reservations in sequence order. An item's `nextReservationCursor`, passed as `cursor`, answers that item alone with its next page.",
  request: { params: CodeParamsSchema, query: CodeLookupQuerySchema },
  responses: { 200: jsonResponse(CodeLookupSchema, "The code"), ...errorResponses(400, 401, 403, 404) },
});

const expireCodeRoute = createRoute({
  method: "post",
  path: "/v1/codes/{code}/expire",
  operationId: "expireCode",
  tags: TAG,
  summary: "Expire a code (checkout answers CODE_NOT_ACTIVE; existing holds stay until they end)",
  description:
    "New quotes and reservations are refused with CODE_NOT_ACTIVE (422). Holds already RESERVED keep their slot and can still be confirmed or released until their expiresAt; after that a late confirm is refused with RESERVATION_EXPIRED. Confirmed redemptions are untouched. Expiring an expired code changes nothing. A code of an archived campaign is left as it is (archiving is final); when every campaign holding the code (or the one `campaignId` names) is archived: 409 CAMPAIGN_ARCHIVED. Takes no body: none, or `{}`; a field sent in one is refused with 400 naming it (nothing changes).",
  middleware: [refuseBodyFields],
  request: { params: CodeParamsSchema, query: CodeScopeQuerySchema },
  responses: {
    200: jsonResponse(CodeStateChangeSchema, "The code(s)"),
    ...errorResponses(400, 401, 403, 404, 409, 413, 415),
  },
});

const reactivateCodeRoute = createRoute({
  method: "post",
  path: "/v1/codes/{code}/reactivate",
  operationId: "reactivateCode",
  tags: TAG,
  summary: "Reactivate an expired code",
  description:
    "The code is accepted again at checkout (if its campaign is live). Holds taken before it expired still count against its usage limit. A code of an archived campaign is left as it is (archiving is final); when every campaign holding the code (or the one `campaignId` names) is archived: 409 CAMPAIGN_ARCHIVED. Takes no body: none, or `{}`; a field sent in one is refused with 400 naming it (nothing changes).",
  middleware: [refuseBodyFields],
  request: { params: CodeParamsSchema, query: CodeScopeQuerySchema },
  responses: {
    200: jsonResponse(CodeStateChangeSchema, "The code(s)"),
    ...errorResponses(400, 401, 403, 404, 409, 413, 415),
  },
});

export function codeRoutes(deps: GatewayDeps) {
  const { prisma } = deps.database;
  const app = new OpenAPIHono<GatewayEnv>({ defaultHook: validationHook });

  app.openapi(createCodeRoute, async (c) => {
    const { id: campaignId } = c.req.valid("param");
    const { code, partnerId } = c.req.valid("json");
    const { storeId } = c.get("principal");
    const codeKey = normalizeCodeKey(code);
    const created = await prisma.$transaction(async (tx) => {
      const campaign = await lockCampaign(tx, storeId, campaignId);
      if (!campaign) throw new DomainError("NOT_FOUND");
      if (campaign.state === "archived") throw new DomainError("CAMPAIGN_ARCHIVED", { campaignId });
      if (partnerId && !(await findPartner(tx, storeId, partnerId))) {
        throw new DomainError("NOT_FOUND", { field: "partnerId", id: partnerId });
      }
      await lockCodeNamespace(prismaSql(tx), storeId);
      const existing = await findCodeInCampaign(tx, campaignId, codeKey);
      if (existing) {
        throw new DomainError(
          "CODE_CONFLICT",
          { campaignId: campaign.id, campaignName: campaign.name, code: existing.code, sameCampaign: true },
          "merchant",
        );
      }
      const conflict = await findCodeConflict(tx, {
        storeId,
        campaignId,
        codeKeys: [codeKey],
        startsAt: campaign.startsAt,
        endsAt: campaign.endsAt,
      });
      if (conflict) throw new DomainError("CODE_CONFLICT", { ...conflict }, "merchant");
      return insertCode(tx, { storeId, campaignId, code, codeKey, source: "single", partnerId });
    }, REQUEST_TRANSACTION);
    c.get("logger").info({ campaignId, codeId: created.id }, "code created");
    return c.json(presentCode(created), 201);
  });

  app.openapi(listCodesRoute, async (c) => {
    const { id: campaignId } = c.req.valid("param");
    const campaign = await findCampaign(prisma, c.get("principal").storeId, campaignId);
    if (!campaign) throw new DomainError("NOT_FOUND");
    const page = await listCampaignCodes(prisma, campaignId, c.req.valid("query"));
    if (!page)
      throw new DomainError("VALIDATION_ERROR", { fields: [{ path: "cursor", message: "unknown cursor" }] });
    return c.json({ items: page.items.map(presentCode), nextCursor: page.nextCursor }, 200);
  });

  app.openapi(lookupCodeRoute, async (c) => {
    const { code } = c.req.valid("param");
    const query = c.req.valid("query");
    const { storeId } = c.get("principal");
    const found = await findCodesByKey(prisma, storeId, normalizeCodeKey(code), query.campaignId);
    if (found.length === 0) throw new DomainError("CODE_NOT_FOUND");
    // An item's nextReservationCursor pages through that item's reservations: with a cursor, the
    // answer holds that campaign's item only.
    const pagedCodeId = query.cursor === undefined ? null : codeOfReservationCursor(query.cursor);
    const codes = pagedCodeId === null ? found : found.filter((record) => record.id === pagedCodeId);
    if (query.cursor !== undefined && codes.length === 0) {
      throw new DomainError("VALIDATION_ERROR", { fields: [{ path: "cursor", message: "unknown cursor" }] });
    }
    const now = deps.clock();
    const items = await Promise.all(
      codes.map(async (record) => {
        const campaign = await findCampaign(prisma, storeId, record.campaignId);
        if (!campaign) throw new DomainError("CODE_NOT_FOUND");
        const [uses, page] = await Promise.all([
          countCodeUses(prisma, record.id, now),
          listCodeReservations(prisma, record.id, query),
        ]);
        if (!page) {
          throw new DomainError("VALIDATION_ERROR", {
            fields: [{ path: "cursor", message: "unknown cursor" }],
          });
        }
        return {
          code: presentCode(record),
          campaign: {
            id: campaign.id,
            name: campaign.name,
            state: campaign.state,
            startsAt: campaign.startsAt.toISOString(),
            endsAt: campaign.endsAt.toISOString(),
          },
          uses: { ...uses, usageLimit: campaign.usageLimit },
          reservations: page.items.map(presentReservationSummary),
          nextReservationCursor: page.nextCursor,
        };
      }),
    );
    return c.json({ code: found[0]?.code ?? code, items }, 200);
  });

  async function changeCodeState(
    storeId: string,
    code: string,
    campaignId: string | undefined,
    state: CodeRecord["state"],
  ) {
    const { changeable, archived } = await findCodesByKeyToChange(
      prisma,
      storeId,
      normalizeCodeKey(code),
      campaignId,
    );
    // An archived campaign is final (no edits): its codes are left as they are, and a code held
    // only by archived campaigns is refused.
    if (changeable.length === 0 && archived[0]) {
      throw new DomainError("CAMPAIGN_ARCHIVED", { campaignId: archived[0].campaignId });
    }
    if (changeable.length === 0) throw new DomainError("CODE_NOT_FOUND");
    const changed = await setCodeState(
      prisma,
      changeable.map((record) => record.id),
      state,
      deps.clock(),
    );
    return { items: changed.map(presentCode) };
  }

  app.openapi(expireCodeRoute, async (c) => {
    const { code } = c.req.valid("param");
    const result = await changeCodeState(
      c.get("principal").storeId,
      code,
      c.req.valid("query").campaignId,
      "expired",
    );
    return c.json(result, 200);
  });

  app.openapi(reactivateCodeRoute, async (c) => {
    const { code } = c.req.valid("param");
    const result = await changeCodeState(
      c.get("principal").storeId,
      code,
      c.req.valid("query").campaignId,
      "active",
    );
    return c.json(result, 200);
  });

  return app;
}
