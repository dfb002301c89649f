import { randomUUID } from "node:crypto";
import { createTestContext, type SeededStore, seedStore, type TestContext } from "@promo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuthenticator } from "./auth.ts";

let ctx: TestContext;
let store: SeededStore;

beforeAll(async () => {
  ctx = await createTestContext("auth-cache");
  store = await seedStore(ctx.db.database.prisma, "auth");
});

afterAll(async () => {
  await ctx?.cleanup();
});

/** Revokes a key behind the authenticator's back: only a lookup in PostgreSQL would see it. */
async function revokeUnseen(keyId: string) {
  await ctx.db.database.prisma.apiKey.update({ where: { id: keyId }, data: { revokedAt: new Date() } });
}

describe("the key cache", () => {
  it("keeps a verified key while made-up tokens fill and empty their own cache", async () => {
    const { authenticate } = createAuthenticator(ctx.db.database, 600_000, { maxCachedKeys: 5 });
    const merchant = await authenticate(store.keys.merchant);
    expect(merchant?.scopes).toEqual(["merchant"]);
    for (let attempt = 0; attempt < 12; attempt += 1) {
      expect(await authenticate(`made-up-${randomUUID()}`)).toBeNull();
    }
    await revokeUnseen(merchant?.keyId ?? "");
    // Still the cached verification: the flood did not push it out to PostgreSQL.
    expect((await authenticate(store.keys.merchant))?.keyId).toBe(merchant?.keyId);
  });

  it("forgets keys only when its own cache of keys is full", async () => {
    const { authenticate } = createAuthenticator(ctx.db.database, 600_000, { maxCachedKeys: 1 });
    const checkout = await authenticate(store.keys.checkout);
    expect(checkout).not.toBeNull();
    await authenticate(store.keys.admin);
    await revokeUnseen(checkout?.keyId ?? "");
    // The second key filled the cache of keys: the first is looked up again and found revoked.
    expect(await authenticate(store.keys.checkout)).toBeNull();
  });
});
