import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import {
  type ApiKey,
  ApiKeyCreatedSchema,
  ApiKeyCreateSchema,
  ApiKeyPageSchema,
  ApiKeySchema,
  CallerSchema,
  IdParamsSchema,
  NoQuerySchema,
  PageQuerySchema,
} from "@promo/contracts";
import {
  ALL_SCOPES,
  type ApiKeyRecord,
  createApiKey,
  findApiKeyWithStore,
  listApiKeys,
  revokeApiKey,
} from "@promo/db";
import { DomainError } from "@promo/domain";
import type { GatewayDeps } from "../deps.ts";
import type { GatewayEnv } from "../env.ts";
import { refuseBodyFields } from "../middleware/json-body.ts";
import { errorResponses, jsonBody, jsonResponse } from "../openapi-helpers.ts";
import { validationHook } from "../validation.ts";

const TAG = ["API keys"];

const createApiKeyRoute = createRoute({
  method: "post",
  path: "/v1/api-keys",
  operationId: "createApiKey",
  tags: TAG,
  summary: "Create an API key for the store, with the scopes it needs",
  description:
    "Answers the key with its `secret`, the bearer token, shown only here: only its hash is stored. The key works at once. `scopes` is a non-empty list of `merchant`, `checkout`, `admin` without repeats (a repeat is refused), answered in that order. An admin key may create keys with any scope, admin included: keep admin keys to the people who manage the store's keys.",
  request: { query: NoQuerySchema, body: jsonBody(ApiKeyCreateSchema) },
  responses: {
    201: jsonResponse(ApiKeyCreatedSchema, "Created, with its secret (never shown again)"),
    ...errorResponses(400, 401, 403, 413, 415),
  },
});

const listApiKeysRoute = createRoute({
  method: "get",
  path: "/v1/api-keys",
  operationId: "listApiKeys",
  tags: TAG,
  summary: "List the store's API keys, revoked ones included, newest first (cursor pages)",
  description: "Secrets are never listed: `prefix` (the secret's first 12 characters) tells keys apart.",
  request: { query: PageQuerySchema },
  responses: { 200: jsonResponse(ApiKeyPageSchema, "A page of keys"), ...errorResponses(400, 401, 403) },
});

const revokeApiKeyRoute = createRoute({
  method: "post",
  path: "/v1/api-keys/{id}/revoke",
  operationId: "revokeApiKey",
  tags: TAG,
  summary: "Revoke an API key",
  description:
    "Sets `revokedAt`; revoking a revoked key answers it unchanged. The gateway process that answers stops accepting the key at once; every other gateway process trusts a key it verified for up to `API_KEY_CACHE_MS` (30 s by default), so the key stops working everywhere within that time. The bootstrap key (`BOOTSTRAP_API_KEY`) is made valid again whenever a gateway starts with it set: to retire it, unset or change `BOOTSTRAP_API_KEY` too. Takes no body: none, or `{}`; a field sent in one is refused with 400 naming it (nothing changes).",
  middleware: [refuseBodyFields],
  request: { query: NoQuerySchema, params: IdParamsSchema },
  responses: {
    200: jsonResponse(ApiKeySchema, "The revoked key"),
    ...errorResponses(400, 401, 403, 404, 413, 415),
  },
});

const callerRoute = createRoute({
  method: "get",
  path: "/v1/me",
  operationId: "getMe",
  tags: TAG,
  summary: "The key this request carries and its store (any scope)",
  description:
    "Answers the store's `id`, which an order system puts in every order event's `storeId`, its slug and name, and the key itself (never its secret). Any valid key may ask.",
  responses: { 200: jsonResponse(CallerSchema, "The caller"), ...errorResponses(401) },
});

function presentApiKey(key: ApiKeyRecord): ApiKey {
  return {
    id: key.id,
    name: key.name,
    scopes: ALL_SCOPES.filter((scope) => key.scopes.includes(scope)),
    prefix: key.prefix,
    createdAt: key.createdAt.toISOString(),
    revokedAt: key.revokedAt?.toISOString() ?? null,
  };
}

/** Key management for the caller's own store (`admin` scope), and `GET /v1/me` for any key. `forgetKey` drops a revoked key from this process's key cache. */
export function apiKeyRoutes(deps: GatewayDeps, auth: { forgetKey: (keyId: string) => void }) {
  const { prisma } = deps.database;
  const app = new OpenAPIHono<GatewayEnv>({ defaultHook: validationHook });

  app.openapi(createApiKeyRoute, async (c) => {
    const input = c.req.valid("json");
    const created = await createApiKey(prisma, {
      storeId: c.get("principal").storeId,
      name: input.name,
      scopes: ALL_SCOPES.filter((scope) => input.scopes.includes(scope)),
    });
    c.get("logger").info(
      { apiKeyId: created.id, prefix: created.prefix, scopes: created.scopes, by: c.get("principal").keyId },
      "api key created",
    );
    c.header("Cache-Control", "no-store");
    return c.json({ ...presentApiKey(created), secret: created.secret }, 201);
  });

  app.openapi(callerRoute, async (c) => {
    const { storeId, keyId } = c.get("principal");
    const found = await findApiKeyWithStore(prisma, storeId, keyId);
    // Verified a moment ago (or within the key cache time): deleted with its store since.
    if (!found) throw new DomainError("UNAUTHORIZED");
    return c.json({ store: found.store, key: presentApiKey(found.key) }, 200);
  });

  app.openapi(listApiKeysRoute, async (c) => {
    const page = await listApiKeys(prisma, c.get("principal").storeId, c.req.valid("query"));
    if (!page)
      throw new DomainError("VALIDATION_ERROR", { fields: [{ path: "cursor", message: "unknown cursor" }] });
    return c.json({ items: page.items.map(presentApiKey), nextCursor: page.nextCursor }, 200);
  });

  app.openapi(revokeApiKeyRoute, async (c) => {
    const { id } = c.req.valid("param");
    const key = await revokeApiKey(prisma, c.get("principal").storeId, id, deps.clock());
    if (!key) throw new DomainError("NOT_FOUND");
    auth.forgetKey(key.id);
    c.get("logger").info({ apiKeyId: key.id, by: c.get("principal").keyId }, "api key revoked");
    // The revocation is committed: other gateways that fail to hear of it stop within their key cache time.
    await deps.apiKeyRevocations.announce(key.id).catch((error: unknown) => {
      c.get("logger").warn(
        { err: (error as Error).message, apiKeyId: key.id },
        "key revocation not announced",
      );
    });
    return c.json(presentApiKey(key), 200);
  });

  return app;
}
