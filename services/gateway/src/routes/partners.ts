import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import {
  IdParamsSchema,
  NoQuerySchema,
  PageQuerySchema,
  type Partner,
  PartnerCreateSchema,
  PartnerPageSchema,
  PartnerPatchSchema,
  type PartnerRule,
  PartnerRuleCreatedSchema,
  PartnerRuleCreateSchema,
  PartnerRuleListSchema,
  PartnerRuleParamsSchema,
  PartnerSchema,
} from "@promo/contracts";
import {
  deletePartner,
  deletePartnerRule,
  findPartner,
  insertPartner,
  insertPartnerRule,
  listPartnerRules,
  listPartners,
  type PartnerRecord,
  type PartnerRuleRecord,
  type PartnerWrite,
  updatePartner,
} from "@promo/db";
import {
  compileTrackingPattern,
  DomainError,
  TRACKING_RULES_PER_STORE,
  testTrackingSamples,
} from "@promo/domain";
import type { GatewayDeps } from "../deps.ts";
import type { GatewayEnv } from "../env.ts";
import { refuseBodyFields } from "../middleware/json-body.ts";
import { errorResponses, jsonBody, jsonResponse } from "../openapi-helpers.ts";
import { validationHook } from "../validation.ts";

const TAG = ["Partners"];

const createPartnerRoute = createRoute({
  method: "post",
  path: "/v1/partners",
  operationId: "createPartner",
  tags: TAG,
  summary: "Create a partner (affiliate, creator or media source)",
  description: "Names are unique in a store (any other partner with the name: 409 PARTNER_NAME_TAKEN).",
  request: { query: NoQuerySchema, body: jsonBody(PartnerCreateSchema) },
  responses: {
    201: jsonResponse(PartnerSchema, "Created"),
    ...errorResponses(400, 401, 403, 409, 413, 415),
  },
});

const listPartnersRoute = createRoute({
  method: "get",
  path: "/v1/partners",
  operationId: "listPartners",
  tags: TAG,
  summary: "List partners, newest first (cursor pages)",
  request: { query: PageQuerySchema },
  responses: { 200: jsonResponse(PartnerPageSchema, "A page of partners"), ...errorResponses(400, 401, 403) },
});

const getPartnerRoute = createRoute({
  method: "get",
  path: "/v1/partners/{id}",
  operationId: "getPartner",
  tags: TAG,
  summary: "Get a partner",
  request: { query: NoQuerySchema, params: IdParamsSchema },
  responses: { 200: jsonResponse(PartnerSchema, "The partner"), ...errorResponses(400, 401, 403, 404) },
});

const patchPartnerRoute = createRoute({
  method: "patch",
  path: "/v1/partners/{id}",
  operationId: "updatePartner",
  tags: TAG,
  summary: "Rename a partner or change its kind",
  request: { query: NoQuerySchema, params: IdParamsSchema, body: jsonBody(PartnerPatchSchema) },
  responses: {
    200: jsonResponse(PartnerSchema, "The updated partner"),
    ...errorResponses(400, 401, 403, 404, 409, 413, 415),
  },
});

const deletePartnerRoute = createRoute({
  method: "delete",
  path: "/v1/partners/{id}",
  operationId: "deletePartner",
  tags: TAG,
  summary: "Delete a partner and its tracking rules",
  description:
    "Campaigns and codes tied to the partner lose the tie; redemptions already confirmed keep the partner they were credited to.",
  request: { query: NoQuerySchema, params: IdParamsSchema },
  middleware: [refuseBodyFields],
  responses: { 204: { description: "Deleted" }, ...errorResponses(400, 401, 403, 404, 413, 415) },
});

const createRuleRoute = createRoute({
  method: "post",
  path: "/v1/partners/{id}/rules",
  operationId: "createPartnerRule",
  tags: TAG,
  summary: "Add a tracking rule: codes matching the pattern are credited to the partner",
  description:
    "The pattern is RE2 syntax, run by a linear-time engine (no catastrophic backtracking); syntax that needs backtracking (backreferences, lookarounds) is refused with VALIDATION_ERROR and the reason, and so is a pattern of more than 200 characters or whose compiled program is over 500 instructions (nested counted repeats). A store has at most 200 rules (TRACKING_RULE_LIMIT_REACHED, 422). It must match the WHOLE code and ignores letter case. Each sample is tested on save and listed with its result; a sample whose result differs from `expected` refuses the rule (VALIDATION_ERROR naming it). At confirm time a code's own partner wins, then its campaign's, then the first matching rule of the store by priority (lower first), then creation.",
  request: { query: NoQuerySchema, params: IdParamsSchema, body: jsonBody(PartnerRuleCreateSchema) },
  responses: {
    201: jsonResponse(PartnerRuleCreatedSchema, "Created, with each sample's result"),
    ...errorResponses(400, 401, 403, 404, 413, 415, 422),
  },
});

const listRulesRoute = createRoute({
  method: "get",
  path: "/v1/partners/{id}/rules",
  operationId: "listPartnerRules",
  tags: TAG,
  summary: "List a partner's tracking rules in the order they are tried",
  request: { query: NoQuerySchema, params: IdParamsSchema },
  responses: {
    200: jsonResponse(PartnerRuleListSchema, "The rules"),
    ...errorResponses(400, 401, 403, 404),
  },
});

const deleteRuleRoute = createRoute({
  method: "delete",
  path: "/v1/partners/{id}/rules/{ruleId}",
  operationId: "deletePartnerRule",
  tags: TAG,
  summary: "Delete a tracking rule",
  request: { query: NoQuerySchema, params: PartnerRuleParamsSchema },
  middleware: [refuseBodyFields],
  responses: { 204: { description: "Deleted" }, ...errorResponses(400, 401, 403, 404, 413, 415) },
});

function presentPartner(partner: PartnerRecord): Partner {
  return {
    id: partner.id,
    name: partner.name,
    kind: partner.kind,
    createdAt: partner.createdAt.toISOString(),
    updatedAt: partner.updatedAt.toISOString(),
  };
}

function presentPartnerRule(rule: PartnerRuleRecord): PartnerRule {
  return {
    id: rule.id,
    partnerId: rule.partnerId,
    pattern: rule.pattern,
    priority: rule.priority,
    createdAt: rule.createdAt.toISOString(),
  };
}

function writtenPartner(write: PartnerWrite | null, name: string | undefined): PartnerRecord {
  if (!write) throw new DomainError("NOT_FOUND");
  if (write.kind === "name-taken") throw new DomainError("PARTNER_NAME_TAKEN", { field: "name", name });
  return write.partner;
}

export function partnerRoutes(deps: GatewayDeps) {
  const { prisma } = deps.database;
  const app = new OpenAPIHono<GatewayEnv>({ defaultHook: validationHook });

  async function requirePartner(storeId: string, id: string): Promise<PartnerRecord> {
    const partner = await findPartner(prisma, storeId, id);
    if (!partner) throw new DomainError("NOT_FOUND");
    return partner;
  }

  app.openapi(createPartnerRoute, async (c) => {
    const input = c.req.valid("json");
    const partner = writtenPartner(
      await insertPartner(prisma, c.get("principal").storeId, input),
      input.name,
    );
    c.get("logger").info({ partnerId: partner.id }, "partner created");
    return c.json(presentPartner(partner), 201);
  });

  app.openapi(listPartnersRoute, async (c) => {
    const page = await listPartners(prisma, c.get("principal").storeId, c.req.valid("query"));
    if (!page)
      throw new DomainError("VALIDATION_ERROR", { fields: [{ path: "cursor", message: "unknown cursor" }] });
    return c.json({ items: page.items.map(presentPartner), nextCursor: page.nextCursor }, 200);
  });

  app.openapi(getPartnerRoute, async (c) => {
    const partner = await requirePartner(c.get("principal").storeId, c.req.valid("param").id);
    return c.json(presentPartner(partner), 200);
  });

  app.openapi(patchPartnerRoute, async (c) => {
    const changes = c.req.valid("json");
    const { id } = c.req.valid("param");
    const partner = writtenPartner(
      await updatePartner(prisma, c.get("principal").storeId, id, changes),
      changes.name,
    );
    c.get("logger").info({ partnerId: id, fields: Object.keys(changes) }, "partner updated");
    return c.json(presentPartner(partner), 200);
  });

  app.openapi(deletePartnerRoute, async (c) => {
    const { id } = c.req.valid("param");
    if (!(await deletePartner(prisma, c.get("principal").storeId, id))) throw new DomainError("NOT_FOUND");
    c.get("logger").info({ partnerId: id }, "partner deleted");
    return c.body(null, 204);
  });

  app.openapi(createRuleRoute, async (c) => {
    const { id } = c.req.valid("param");
    const input = c.req.valid("json");
    const { storeId } = c.get("principal");
    await requirePartner(storeId, id);
    const check = compileTrackingPattern(input.pattern);
    if (!check.ok) {
      throw new DomainError("VALIDATION_ERROR", { fields: [{ path: "pattern", message: check.reason }] });
    }
    const { results, mismatches } = testTrackingSamples(check.pattern, input.samples);
    if (mismatches.length > 0) {
      throw new DomainError("VALIDATION_ERROR", {
        fields: mismatches.map(({ index, result }) => ({
          path: `samples.${index}`,
          message: `${result.code} was expected ${result.expected ? "to match" : "not to match"} but ${
            result.matched ? "matched" : "did not"
          }`,
        })),
        samples: results,
      });
    }
    const rule = await insertPartnerRule(
      prisma,
      { storeId, partnerId: id, pattern: input.pattern, priority: input.priority },
      TRACKING_RULES_PER_STORE,
    );
    if (!rule) throw new DomainError("TRACKING_RULE_LIMIT_REACHED", { limit: TRACKING_RULES_PER_STORE });
    c.get("logger").info({ partnerId: id, ruleId: rule.id }, "tracking rule created");
    return c.json({ ...presentPartnerRule(rule), samples: results }, 201);
  });

  app.openapi(listRulesRoute, async (c) => {
    const { id } = c.req.valid("param");
    const { storeId } = c.get("principal");
    await requirePartner(storeId, id);
    const rules = await listPartnerRules(prisma, storeId, id);
    return c.json({ items: rules.map(presentPartnerRule) }, 200);
  });

  app.openapi(deleteRuleRoute, async (c) => {
    const { id, ruleId } = c.req.valid("param");
    const deleted = await deletePartnerRule(prisma, {
      storeId: c.get("principal").storeId,
      partnerId: id,
      ruleId,
    });
    if (!deleted) throw new DomainError("NOT_FOUND");
    return c.body(null, 204);
  });

  return app;
}
