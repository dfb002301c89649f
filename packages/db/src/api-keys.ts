import { createHash, randomBytes } from "node:crypto";
import type { Db } from "./client.ts";
import { afterNewestFirstCursor, decodeTimeIdCursor, listScope, newestFirstPage } from "./cursor.ts";
import type { ApiKey as ApiKeyRow } from "./generated/prisma/client.ts";
import type { ApiScope } from "./generated/prisma/enums.ts";

export type { ApiScope };
export const ALL_SCOPES: readonly ApiScope[] = ["merchant", "checkout", "admin"];

export type ApiKeyPrincipal = {
  keyId: string;
  storeId: string;
  /** The store's slug (`default` for the bootstrap key's store). */
  storeSlug: string;
  scopes: readonly ApiScope[];
  prefix: string;
};

const KEY_PREFIX_LENGTH = 12;

export function hashApiKey(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

/** A new secret: `pk_` and 32 random bytes in base64url. Shown once; only its hash is stored. */
export function generateApiKeySecret(): string {
  return `pk_${randomBytes(32).toString("base64url")}`;
}

/**
 * What a key listing shows to tell keys apart: its first 12 characters, but never more than a third
 * of it, so an operator's short BOOTSTRAP_API_KEY (16 characters at least) keeps most of it secret.
 */
export function apiKeyPrefix(secret: string): string {
  return secret.slice(0, Math.min(KEY_PREFIX_LENGTH, Math.floor(secret.length / 3)));
}

export async function findApiKeyPrincipal(db: Db, secret: string): Promise<ApiKeyPrincipal | null> {
  const key = await db.apiKey.findUnique({
    where: { secretHash: hashApiKey(secret) },
    include: { store: { select: { slug: true } } },
  });
  if (!key || key.revokedAt) return null;
  return {
    keyId: key.id,
    storeId: key.storeId,
    storeSlug: key.store.slug,
    scopes: key.scopes,
    prefix: key.prefix,
  };
}

/** A key as it may be shown: never its secret nor the secret's hash. */
export type ApiKeyRecord = Pick<
  ApiKeyRow,
  "id" | "storeId" | "name" | "prefix" | "scopes" | "createdAt" | "revokedAt"
>;

const API_KEY_RECORD = {
  id: true,
  storeId: true,
  name: true,
  prefix: true,
  scopes: true,
  createdAt: true,
  revokedAt: true,
} as const;

/** A key of the store with the store it belongs to (what `GET /v1/me` shows its caller). */
export async function findApiKeyWithStore(
  db: Db,
  storeId: string,
  keyId: string,
): Promise<{ key: ApiKeyRecord; store: { id: string; slug: string; name: string } } | null> {
  const found = await db.apiKey.findFirst({
    where: { id: keyId, storeId },
    select: { ...API_KEY_RECORD, store: { select: { id: true, slug: true, name: true } } },
  });
  if (!found) return null;
  const { store, ...key } = found;
  return { key, store };
}

/** The new key and its secret, which exists nowhere else: only its hash is stored. */
export async function createApiKey(
  db: Db,
  input: { storeId: string; name: string; scopes: readonly ApiScope[]; secret?: string },
): Promise<ApiKeyRecord & { secret: string }> {
  const secret = input.secret ?? generateApiKeySecret();
  const key = await db.apiKey.create({
    data: {
      storeId: input.storeId,
      name: input.name,
      prefix: apiKeyPrefix(secret),
      secretHash: hashApiKey(secret),
      scopes: [...input.scopes],
    },
    select: API_KEY_RECORD,
  });
  return { ...key, secret };
}

/** One store's keys, revoked ones included, newest first (cursor pages); null for a cursor this system did not produce. */
export async function listApiKeys(
  db: Db,
  storeId: string,
  query: { limit: number; cursor?: string },
): Promise<{ items: ApiKeyRecord[]; nextCursor: string | null } | null> {
  const scope = listScope("api-keys", storeId);
  const after = query.cursor === undefined ? null : decodeTimeIdCursor(query.cursor, scope);
  if (query.cursor !== undefined && after === null) return null;
  const rows = await db.apiKey.findMany({
    where: { storeId, ...afterNewestFirstCursor(after) },
    select: API_KEY_RECORD,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: query.limit + 1,
  });
  return newestFirstPage(rows, query.limit, scope);
}

/**
 * Marks the store's key revoked at `now`; a key already revoked keeps its first `revokedAt`. Null when
 * the key is not in the store. The revoked key is refused by findApiKeyPrincipal from then on.
 */
export async function revokeApiKey(
  db: Db,
  storeId: string,
  id: string,
  now: Date,
): Promise<ApiKeyRecord | null> {
  await db.apiKey.updateMany({ where: { id, storeId, revokedAt: null }, data: { revokedAt: now } });
  return db.apiKey.findFirst({ where: { id, storeId }, select: API_KEY_RECORD });
}

export const DEFAULT_STORE_SLUG = "default";

/**
 * BOOTSTRAP_API_KEY: makes sure a store `default` exists and that the given secret is a key of it
 * with every scope. Safe to run from several processes at once. It also un-revokes the key: a
 * bootstrap key revoked through the API works again at the next gateway start while it is set
 * (README, Configuration).
 */
export async function ensureBootstrapKey(db: Db, secret: string): Promise<{ storeId: string }> {
  const store = await db.store.upsert({
    where: { slug: DEFAULT_STORE_SLUG },
    create: { slug: DEFAULT_STORE_SLUG, name: "Default store" },
    update: {},
  });
  await db.apiKey.upsert({
    where: { secretHash: hashApiKey(secret) },
    create: {
      storeId: store.id,
      name: "bootstrap",
      prefix: apiKeyPrefix(secret),
      secretHash: hashApiKey(secret),
      scopes: [...ALL_SCOPES],
    },
    update: { storeId: store.id, prefix: apiKeyPrefix(secret), scopes: [...ALL_SCOPES], revokedAt: null },
  });
  return { storeId: store.id };
}
