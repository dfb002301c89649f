// Stores (SPEC §1: the tenant) as an operator makes them: `npm run stores` (scripts/stores.ts). The
// HTTP API has no route that makes a store: every key belongs to one store and sees only it.
import { ALL_SCOPES, type ApiKeyRecord, type ApiScope, createApiKey } from "./api-keys.ts";
import { type Database, REQUEST_TRANSACTION } from "./client.ts";
import type { Sql } from "./sql.ts";

export type StoreRecord = { id: string; slug: string; name: string; createdAt: Date };
export type IssuedKey = ApiKeyRecord & { secret: string };

const STORE_RECORD = { id: true, slug: true, name: true, createdAt: true } as const;

/**
 * A new store and its first key, with every scope (its admin makes the others over the API). Null
 * when the slug is taken. One transaction: a store is never left without a key.
 */
export async function createStoreWithKey(
  db: Database["prisma"],
  input: { slug: string; name: string; keyName: string },
): Promise<{ store: StoreRecord; key: IssuedKey } | null> {
  return db.$transaction(async (tx) => {
    // Serializes makers of one slug: the loser sees the winner's store instead of a unique violation.
    await tx.$queryRaw`SELECT 1 AS locked FROM pg_advisory_xact_lock(hashtextextended(${`store-slug:${input.slug}`}::text, 0))`;
    if (await tx.store.findUnique({ where: { slug: input.slug }, select: { id: true } })) return null;
    const store = await tx.store.create({
      data: { slug: input.slug, name: input.name },
      select: STORE_RECORD,
    });
    const key = await createApiKey(tx, { storeId: store.id, name: input.keyName, scopes: ALL_SCOPES });
    return { store, key };
  }, REQUEST_TRANSACTION);
}

/**
 * Another key for an existing store: how an operator lets a store back in whose admins revoked
 * every admin key. Null when no store has the slug.
 */
export async function issueStoreKey(
  db: Database["prisma"],
  input: { slug: string; keyName: string; scopes: readonly ApiScope[] },
): Promise<{ store: StoreRecord; key: IssuedKey } | null> {
  const store = await db.store.findUnique({ where: { slug: input.slug }, select: STORE_RECORD });
  if (!store) return null;
  const key = await createApiKey(db, { storeId: store.id, name: input.keyName, scopes: input.scopes });
  return { store, key };
}

/** Every store, oldest first, with how many keys it has that are not revoked. */
export async function listStores(db: Database["prisma"]): Promise<(StoreRecord & { activeKeys: number })[]> {
  const stores = await db.store.findMany({
    select: { ...STORE_RECORD, _count: { select: { apiKeys: { where: { revokedAt: null } } } } },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
  return stores.map(({ _count, ...store }) => ({ ...store, activeKeys: _count.apiKeys }));
}

/** Whether a store with this id exists (an order event's `storeId` names one, or nothing). */
export async function storeExists(sql: Sql, storeId: string): Promise<boolean> {
  const { rows } = await sql.query("SELECT 1 FROM store WHERE id = $1", [storeId]);
  return rows.length > 0;
}
