import { randomUUID } from "node:crypto";
import { ensureBootstrapKey, findApiKeyPrincipal, hashApiKey } from "@promo/db";
import { createTestContext, eventually, type SeededStore, seedStore, type TestContext } from "@promo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestGateway } from "../testing/test-gateway.ts";

let ctx: TestContext;
let app: Awaited<ReturnType<typeof createTestGateway>>["app"];
let store: SeededStore;
let otherStore: SeededStore;

beforeAll(async () => {
  ctx = await createTestContext("api-keys");
  // Keys are trusted from memory for far longer than the tests run: a revoked key that still answered
  // would be one the revoking process did not forget.
  ({ app } = await createTestGateway(ctx, { apiKeyCacheMs: 600_000 }));
  store = await seedStore(ctx.db.database.prisma, "keys");
  otherStore = await seedStore(ctx.db.database.prisma, "other");
});

afterAll(async () => {
  await ctx?.cleanup();
});

type Json = Record<string, unknown>;

async function call(method: string, path: string, key: string, body?: unknown) {
  const response = await app.request(path, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: (text ? JSON.parse(text) : null) as Json,
  };
}

async function createKey(body: Json, key = store.keys.admin): Promise<Json> {
  const response = await call("POST", "/v1/api-keys", key, body);
  expect(response.status).toBe(201);
  return response.body;
}

function errorOf(body: Json): { code: string; details?: { fields?: Json[] } } {
  return body.error as { code: string; details?: { fields?: Json[] } };
}

const CART = { currency: "TWD", items: [{ productId: "A", unitPrice: 100, quantity: 1 }], shipping: 0 };

describe("POST /v1/api-keys", () => {
  it("creates a key whose secret works at once, for its scopes only, and stores only its hash", async () => {
    const response = await call("POST", "/v1/api-keys", store.keys.admin, {
      name: "  checkout service  ",
      scopes: ["checkout"],
    });
    expect(response.status).toBe(201);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const created = response.body;
    expect(created).toEqual({
      id: expect.any(String),
      name: "checkout service",
      scopes: ["checkout"],
      prefix: expect.any(String),
      createdAt: expect.any(String),
      revokedAt: null,
      secret: expect.stringMatching(/^pk_[A-Za-z0-9_-]{43}$/),
    });
    const secret = String(created.secret);
    expect(secret.startsWith(String(created.prefix))).toBe(true);

    const quote = await call("POST", "/v1/checkout/quote", secret, {
      codes: ["NoSuchCode1"],
      accountId: "member-1",
      cart: CART,
    });
    expect(quote.status).toBe(200);
    // Past authentication: the reservation body is checked (and refused) only for a checkout key.
    const reserve = await call("POST", "/v1/reservations", secret, { code: "NoSuchCode1", cart: CART });
    expect(reserve.status).toBe(400);
    expect(errorOf(reserve.body).details?.fields).toContainEqual(
      expect.objectContaining({ path: "accountId" }),
    );
    const campaigns = await call("GET", "/v1/campaigns", secret);
    expect([campaigns.status, errorOf(campaigns.body).code]).toEqual([403, "FORBIDDEN"]);
    expect((await call("GET", "/v1/api-keys", secret)).status).toBe(403);

    const row = await ctx.db.database.prisma.apiKey.findUniqueOrThrow({ where: { id: String(created.id) } });
    expect(row.storeId).toBe(store.storeId);
    expect(row.secretHash).toBe(hashApiKey(secret));
    expect(JSON.stringify(row)).not.toContain(secret);
  });

  it("answers scopes in the order merchant, checkout, admin; an admin key may create an admin key", async () => {
    const created = await createKey({ name: "ops", scopes: ["admin", "merchant"] });
    expect(created.scopes).toEqual(["merchant", "admin"]);
    const secret = String(created.secret);
    expect((await call("GET", "/v1/campaigns", secret)).status).toBe(200);
    expect((await call("GET", "/v1/api-keys", secret)).status).toBe(200);
    expect(
      (await call("POST", "/v1/checkout/quote", secret, { codes: [], accountId: "a", cart: CART })).status,
    ).toBe(403);
  });

  it("refuses a bad body with 400 naming the field", async () => {
    const cases: [Json, string][] = [
      [{ name: "   ", scopes: ["checkout"] }, "name"],
      [{ name: "x".repeat(101), scopes: ["checkout"] }, "name"],
      [{ scopes: ["checkout"] }, "name"],
      [{ name: "k", scopes: ["superuser"] }, "scopes.0"],
      [{ name: "k", scopes: [] }, "scopes"],
      [{ name: "k" }, "scopes"],
      [{ name: "k", scopes: ["checkout", "checkout"] }, "scopes"],
      [{ name: "k", scopes: "checkout" }, "scopes"],
      [{ name: "k", scopes: ["checkout"], expiresAt: "2030-01-01T00:00:00Z" }, "expiresAt"],
    ];
    for (const [body, path] of cases) {
      const response = await call("POST", "/v1/api-keys", store.keys.admin, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(errorOf(response.body).code).toBe("VALIDATION_ERROR");
      expect(errorOf(response.body).details?.fields, JSON.stringify(body)).toContainEqual(
        expect.objectContaining({ path }),
      );
    }
    const unknown = await call("POST", "/v1/api-keys", store.keys.admin, {
      name: "k",
      scopes: ["checkout"],
      secret: "mine",
    });
    expect(errorOf(unknown.body).details?.fields).toEqual([
      { path: "secret", message: "is not a field of this request" },
    ]);
    const repeated = await call("POST", "/v1/api-keys", store.keys.admin, {
      name: "k",
      scopes: ["admin", "admin"],
    });
    expect(errorOf(repeated.body).details?.fields).toEqual([
      { path: "scopes", message: "must not repeat a scope" },
    ]);
  });
});

describe("GET /v1/api-keys", () => {
  it("lists the store's keys newest first in cursor pages, without secrets or hashes", async () => {
    const fresh = await seedStore(ctx.db.database.prisma, "lister");
    const secrets: string[] = [];
    for (let index = 0; index < 3; index += 1)
      secrets.push(
        String((await createKey({ name: `K${index}`, scopes: ["checkout"] }, fresh.keys.admin)).secret),
      );
    await createKey({ name: "elsewhere", scopes: ["checkout"] }, otherStore.keys.admin);

    const stored = await ctx.db.database.prisma.apiKey.findMany({
      where: { storeId: fresh.storeId },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    });
    expect(stored).toHaveLength(7); // the four seeded keys and three new ones

    const seen: Json[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `?limit=3&cursor=${cursor}` : "?limit=3";
      const page = await call("GET", `/v1/api-keys${query}`, fresh.keys.admin);
      expect(page.status).toBe(200);
      seen.push(...(page.body.items as Json[]));
      cursor = page.body.nextCursor as string | null;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen.map((key) => key.id)).toEqual(stored.map((row) => row.id));
    expect(seen.map((key) => key.name)).not.toContain("elsewhere");
    for (const key of seen) {
      expect(Object.keys(key).sort()).toEqual(["createdAt", "id", "name", "prefix", "revokedAt", "scopes"]);
    }
    const text = JSON.stringify(seen);
    for (const secret of secrets) expect(text).not.toContain(secret);
    for (const row of stored) expect(text).not.toContain(row.secretHash);

    const bad = await call("GET", "/v1/api-keys?cursor=not-a-cursor", fresh.keys.admin);
    expect([bad.status, errorOf(bad.body).details?.fields]).toEqual([
      400,
      [{ path: "cursor", message: "unknown cursor" }],
    ]);
  });
});

describe("POST /v1/api-keys/:id/revoke", () => {
  it("stops the key at once on this gateway, and answers the same key when revoked again", async () => {
    const created = await createKey({ name: "to revoke", scopes: ["merchant"] });
    const secret = String(created.secret);
    // Used once, so this gateway now trusts it from memory.
    expect((await call("GET", "/v1/campaigns", secret)).status).toBe(200);

    const revoked = await call("POST", `/v1/api-keys/${String(created.id)}/revoke`, store.keys.admin);
    expect(revoked.status).toBe(200);
    const { secret: _secret, ...shown } = created;
    expect(revoked.body).toEqual({ ...shown, revokedAt: expect.any(String) });

    const after = await call("GET", "/v1/campaigns", secret);
    expect([after.status, errorOf(after.body).code]).toEqual([401, "UNAUTHORIZED"]);

    const again = await call("POST", `/v1/api-keys/${String(created.id)}/revoke`, store.keys.admin);
    expect([again.status, again.body]).toEqual([200, revoked.body]);
    const listed = (await call("GET", "/v1/api-keys?limit=500", store.keys.admin)).body.items as Json[];
    expect(listed.find((key) => key.id === created.id)).toEqual(revoked.body);
  });

  it("stops the key on every other gateway too, well before their key caches run out", async () => {
    const { app: otherGateway } = await createTestGateway(ctx, { apiKeyCacheMs: 600_000 });
    const created = await createKey({ name: "used on two gateways", scopes: ["merchant"] });
    const secret = String(created.secret);
    const onOther = () =>
      otherGateway.request("/v1/campaigns", { headers: { authorization: `Bearer ${secret}` } });
    // The other gateway now trusts the key from memory for ten minutes.
    expect((await onOther()).status).toBe(200);
    expect((await call("POST", `/v1/api-keys/${String(created.id)}/revoke`, store.keys.admin)).status).toBe(
      200,
    );
    await eventually(
      async () => (await onOther()).status === 401,
      "the other gateway to refuse the key",
      5_000,
      10,
    );
  });

  it("lets an admin key revoke itself", async () => {
    const created = await createKey({ name: "short-lived admin", scopes: ["admin"] });
    const secret = String(created.secret);
    expect((await call("POST", `/v1/api-keys/${String(created.id)}/revoke`, secret)).status).toBe(200);
    expect((await call("GET", "/v1/api-keys", secret)).status).toBe(401);
  });

  it("answers 404 for another store's key or an unknown id, and leaves the other store's key working", async () => {
    const theirs = await createKey({ name: "theirs", scopes: ["merchant"] }, otherStore.keys.admin);
    const response = await call("POST", `/v1/api-keys/${String(theirs.id)}/revoke`, store.keys.admin);
    expect([response.status, errorOf(response.body).code]).toEqual([404, "NOT_FOUND"]);
    expect((await call("GET", "/v1/campaigns", String(theirs.secret))).status).toBe(200);
    const row = await ctx.db.database.prisma.apiKey.findUniqueOrThrow({ where: { id: String(theirs.id) } });
    expect(row.revokedAt).toBeNull();

    const unknown = await call("POST", `/v1/api-keys/${randomUUID()}/revoke`, store.keys.admin);
    expect([unknown.status, errorOf(unknown.body).code]).toEqual([404, "NOT_FOUND"]);
    const malformed = await call("POST", "/v1/api-keys/not-a-uuid/revoke", store.keys.admin);
    expect([malformed.status, errorOf(malformed.body).details?.fields]).toEqual([
      400,
      [expect.objectContaining({ path: "id" })],
    ]);
  });

  it("lists a short bootstrap key with at most a third of it as its prefix, also one stored before", async () => {
    const secret = `boot-${randomUUID().slice(0, 13)}`;
    expect(secret).toHaveLength(18);
    const { storeId } = await ensureBootstrapKey(ctx.db.database.prisma, secret);
    const row = await ctx.db.database.prisma.apiKey.findUniqueOrThrow({
      where: { secretHash: hashApiKey(secret) },
    });
    expect([row.storeId, row.prefix]).toEqual([storeId, secret.slice(0, 6)]);
    // A key ensured before this rule listed 12 characters; the next start stores the shorter prefix.
    await ctx.db.database.prisma.apiKey.update({
      where: { id: row.id },
      data: { prefix: secret.slice(0, 12) },
    });
    await ensureBootstrapKey(ctx.db.database.prisma, secret);
    const listed = await call("GET", "/v1/api-keys?limit=200", secret);
    const entry = (listed.body.items as Json[]).find((key) => key.id === row.id);
    expect(entry?.prefix).toBe(secret.slice(0, 6));
    const generated = await createKey({ name: "long secret", scopes: ["merchant"] });
    expect(String(generated.prefix)).toHaveLength(12);
  });

  it("a revoked bootstrap key works again once BOOTSTRAP_API_KEY is ensured at the next start", async () => {
    const secret = `bootstrap-${randomUUID()}`;
    const { storeId } = await ensureBootstrapKey(ctx.db.database.prisma, secret);
    const principal = await findApiKeyPrincipal(ctx.db.database.prisma, secret);
    expect(principal?.storeId).toBe(storeId);
    const revoked = await call("POST", `/v1/api-keys/${String(principal?.keyId)}/revoke`, secret);
    expect(revoked.status).toBe(200);
    expect(await findApiKeyPrincipal(ctx.db.database.prisma, secret)).toBeNull();
    await ensureBootstrapKey(ctx.db.database.prisma, secret);
    expect(await findApiKeyPrincipal(ctx.db.database.prisma, secret)).toMatchObject({
      keyId: principal?.keyId,
      scopes: ["merchant", "checkout", "admin"],
    });
  });
});

describe("scopes", () => {
  it("refuses merchant and checkout keys with 403, and no key with 401", async () => {
    const target = `/v1/api-keys/${randomUUID()}/revoke`;
    for (const key of [store.keys.merchant, store.keys.checkout]) {
      const list = await call("GET", "/v1/api-keys", key);
      expect([list.status, errorOf(list.body).code]).toEqual([403, "FORBIDDEN"]);
      const create = await call("POST", "/v1/api-keys", key, { name: "k", scopes: ["admin"] });
      expect(create.status).toBe(403);
      expect((await call("POST", target, key)).status).toBe(403);
    }
    const count = await ctx.db.database.prisma.apiKey.count({ where: { storeId: store.storeId, name: "k" } });
    expect(count).toBe(0);
    expect((await app.request("/v1/api-keys")).status).toBe(401);
    expect((await app.request(target, { method: "POST" })).status).toBe(401);
  });
});

describe("GET /v1/me", () => {
  it("tells any key its store (the id order events carry) and itself, never its secret", async () => {
    const created = await createKey({ name: "order system", scopes: ["checkout"] });
    const me = await call("GET", "/v1/me", String(created.secret));
    expect(me.status).toBe(200);
    expect(me.body).toEqual({
      store: { id: store.storeId, slug: store.slug, name: "Test keys" },
      key: {
        id: created.id,
        name: "order system",
        scopes: ["checkout"],
        prefix: created.prefix,
        createdAt: created.createdAt,
        revokedAt: null,
      },
    });
    const merchant = await call("GET", "/v1/me", otherStore.keys.merchant);
    expect((merchant.body.store as Json).id).toBe(otherStore.storeId);
    const unknown = await call("GET", "/v1/me", "pk_not-a-real-key");
    expect([unknown.status, errorOf(unknown.body).code]).toEqual([401, "UNAUTHORIZED"]);
  });
});
