import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import {
  CampaignCreateSchema,
  CampaignListQuerySchema,
  CampaignPageSchema,
  CampaignPatchSchema,
  CampaignSchema,
  IdParamsSchema,
  NoQuerySchema,
} from "@promo/contracts";
import {
  archiveCampaign,
  type CampaignChanges,
  type Db,
  findCampaign,
  findCampaignCodesConflict,
  insertCampaign,
  listCampaigns,
  lockCampaign,
  lockCodeNamespace,
  prismaSql,
  REQUEST_TRANSACTION,
  updateCampaign,
} from "@promo/db";
import { DomainError, percentToBasisPoints } from "@promo/domain";
import type { GatewayDeps } from "../deps.ts";
import type { GatewayEnv } from "../env.ts";
import { refuseBodyFields } from "../middleware/json-body.ts";
import { errorResponses, jsonBody, jsonResponse } from "../openapi-helpers.ts";
import { presentCampaign } from "../presenters.ts";
import { validationHook, validationHookExplaining } from "../validation.ts";

/** What a campaign is sold on stays as created: a PATCH naming it says so. */
const FIXED_AT_CREATION = "cannot be changed once the campaign exists (create another campaign)";
const PATCH_FIXED_FIELDS = {
  discount: FIXED_AT_CREATION,
  currency: FIXED_AT_CREATION,
  oncePerAccount: FIXED_AT_CREATION,
};

const TAG = ["Campaigns"];

const createCampaignRoute = createRoute({
  method: "post",
  path: "/v1/campaigns",
  operationId: "createCampaign",
  tags: TAG,
  summary: "Create a campaign",
  request: { query: NoQuerySchema, body: jsonBody(CampaignCreateSchema) },
  responses: {
    201: jsonResponse(CampaignSchema, "Created"),
    ...errorResponses(400, 401, 403, 404, 413, 415),
  },
});

const listCampaignsRoute = createRoute({
  method: "get",
  path: "/v1/campaigns",
  operationId: "listCampaigns",
  tags: TAG,
  summary: "List campaigns, newest first (cursor pages)",
  request: { query: CampaignListQuerySchema },
  responses: {
    200: jsonResponse(CampaignPageSchema, "A page of campaigns"),
    ...errorResponses(400, 401, 403),
  },
});

const getCampaignRoute = createRoute({
  method: "get",
  path: "/v1/campaigns/{id}",
  operationId: "getCampaign",
  tags: TAG,
  summary: "Get a campaign",
  request: { query: NoQuerySchema, params: IdParamsSchema },
  responses: { 200: jsonResponse(CampaignSchema, "The campaign"), ...errorResponses(400, 401, 403, 404) },
});

const patchCampaignRoute = createRoute({
  method: "patch",
  path: "/v1/campaigns/{id}",
  operationId: "updateCampaign",
  tags: TAG,
  summary: "Edit dates, products, member groups, limits or stacking",
  description:
    "Moving the window so that a code of this campaign overlaps a live campaign sharing it is refused with CODE_CONFLICT. An archived campaign is final: 409 CAMPAIGN_ARCHIVED.",
  request: { query: NoQuerySchema, params: IdParamsSchema, body: jsonBody(CampaignPatchSchema) },
  responses: {
    200: jsonResponse(CampaignSchema, "The updated campaign"),
    ...errorResponses(400, 401, 403, 404, 409, 413, 415),
  },
});

const archiveCampaignRoute = createRoute({
  method: "post",
  path: "/v1/campaigns/{id}/archive",
  operationId: "archiveCampaign",
  tags: TAG,
  summary: "Archive a campaign (its codes stop working; idempotent)",
  description:
    "Final: new quotes and reservations of its codes are refused with CODE_NOT_ACTIVE (422), and its codes may be reused by other campaigns. Holds already RESERVED can still be confirmed or released until their expiresAt (a late confirm: RESERVATION_EXPIRED); confirmed redemptions are untouched. Takes no body: none, or `{}`; a field sent in one is refused with 400 naming it (nothing changes).",
  middleware: [refuseBodyFields],
  request: { query: NoQuerySchema, params: IdParamsSchema },
  responses: {
    200: jsonResponse(CampaignSchema, "The archived campaign"),
    ...errorResponses(400, 401, 403, 404, 413, 415),
  },
});

/** Partner and stacking references must point at the caller's own store. */
async function checkReferences(
  db: Db,
  storeId: string,
  refs: { partnerId?: string | null; combinesWith?: "*" | readonly string[] },
): Promise<void> {
  if (refs.partnerId) {
    const partner = await db.partner.findFirst({
      where: { id: refs.partnerId, storeId },
      select: { id: true },
    });
    if (!partner) throw new DomainError("NOT_FOUND", { field: "partnerId", id: refs.partnerId });
  }
  if (refs.combinesWith && refs.combinesWith !== "*" && refs.combinesWith.length > 0) {
    const ids = [...new Set(refs.combinesWith)];
    const found = await db.campaign.findMany({ where: { storeId, id: { in: ids } }, select: { id: true } });
    const missing = ids.filter((id) => !found.some((row) => row.id === id));
    if (missing.length > 0) throw new DomainError("NOT_FOUND", { field: "combinesWith", ids: missing });
  }
}

export function campaignRoutes(deps: GatewayDeps) {
  const { prisma } = deps.database;
  const app = new OpenAPIHono<GatewayEnv>({ defaultHook: validationHook });

  app.openapi(createCampaignRoute, async (c) => {
    const input = c.req.valid("json");
    const { storeId } = c.get("principal");
    await checkReferences(prisma, storeId, input);
    const campaign = await insertCampaign(prisma, storeId, {
      name: input.name,
      discount:
        input.discount.type === "percentage"
          ? { type: "percentage", basisPoints: percentToBasisPoints(input.discount.percent) }
          : { type: "fixed", amount: input.discount.amount },
      currency: input.currency,
      startsAt: input.startsAt,
      endsAt: input.endsAt,
      memberGroups: input.memberGroups,
      productIds: input.productIds,
      usageLimit: input.usageLimit,
      oncePerAccount: input.oncePerAccount,
      priority: input.priority,
      combinesWith: input.combinesWith,
      partnerId: input.partnerId,
      velocityAlert: input.velocityAlert,
    });
    c.get("logger").info({ campaignId: campaign.id }, "campaign created");
    return c.json(presentCampaign(campaign), 201);
  });

  app.openapi(listCampaignsRoute, async (c) => {
    const query = c.req.valid("query");
    const page = await listCampaigns(prisma, c.get("principal").storeId, query);
    if (!page)
      throw new DomainError("VALIDATION_ERROR", { fields: [{ path: "cursor", message: "unknown cursor" }] });
    return c.json({ items: page.items.map(presentCampaign), nextCursor: page.nextCursor }, 200);
  });

  app.openapi(getCampaignRoute, async (c) => {
    const campaign = await findCampaign(prisma, c.get("principal").storeId, c.req.valid("param").id);
    if (!campaign) throw new DomainError("NOT_FOUND");
    return c.json(presentCampaign(campaign), 200);
  });

  app.openapi(
    patchCampaignRoute,
    async (c) => {
      const { id } = c.req.valid("param");
      const changes: CampaignChanges = c.req.valid("json");
      const { storeId } = c.get("principal");
      const updated = await prisma.$transaction(
        async (tx) => {
          const current = await lockCampaign(tx, storeId, id);
          if (!current) throw new DomainError("NOT_FOUND");
          // Archiving is final (SPEC §1): an archived campaign's settings are its record.
          if (current.state === "archived") throw new DomainError("CAMPAIGN_ARCHIVED", { campaignId: id });
          if (Array.isArray(changes.combinesWith) && changes.combinesWith.includes(id)) {
            throw new DomainError("VALIDATION_ERROR", {
              fields: [{ path: "combinesWith", message: "must not list the campaign itself" }],
            });
          }
          const startsAt = changes.startsAt ?? current.startsAt;
          const endsAt = changes.endsAt ?? current.endsAt;
          if (endsAt <= startsAt) {
            throw new DomainError("VALIDATION_ERROR", {
              fields: [{ path: "endsAt", message: "endsAt must be after startsAt" }],
            });
          }
          await checkReferences(tx, storeId, changes);
          // Only a window that grows can come to overlap another campaign sharing a code; shrinking
          // one needs neither the store's code lock (which would hold every code writer of the store
          // while a campaign of a million codes is checked) nor the check.
          const windowGrows =
            startsAt.getTime() < current.startsAt.getTime() || endsAt.getTime() > current.endsAt.getTime();
          if (windowGrows) {
            await lockCodeNamespace(prismaSql(tx), storeId);
            const conflict = await findCampaignCodesConflict(tx, {
              storeId,
              campaignId: id,
              startsAt,
              endsAt,
            });
            if (conflict) throw new DomainError("CODE_CONFLICT", { ...conflict }, "merchant");
          }
          return updateCampaign(tx, storeId, id, changes);
        },
        { timeout: 60_000, maxWait: 10_000 },
      );
      c.get("logger").info({ campaignId: id, fields: Object.keys(changes) }, "campaign updated");
      return c.json(presentCampaign(updated), 200);
    },
    validationHookExplaining(PATCH_FIXED_FIELDS),
  );

  app.openapi(archiveCampaignRoute, async (c) => {
    const { id } = c.req.valid("param");
    const { storeId } = c.get("principal");
    const archived = await prisma.$transaction(async (tx) => {
      const current = await lockCampaign(tx, storeId, id);
      if (!current) throw new DomainError("NOT_FOUND");
      if (current.state === "archived") return current;
      // Code jobs check the campaign under this lock: one running now finishes its codes first.
      await lockCodeNamespace(prismaSql(tx), storeId);
      return archiveCampaign(tx, storeId, id, deps.clock());
    }, REQUEST_TRANSACTION);
    return c.json(presentCampaign(archived), 200);
  });

  return app;
}
