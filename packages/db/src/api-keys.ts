import { createHash, randomBytes } from "node:crypto";
import type { Db } from "./client.ts";
import type { ApiScope } from "./generated/prisma/enums.ts";

export type { ApiScope };
export const ALL_SCOPES: readonly ApiScope[] = ["merchant", "checkout", "admin"];

export type ApiKeyPrincipal = { keyId: string; storeId: string; scopes: readonly ApiScope[]; prefix: string };

const KEY_PREFIX_LENGTH = 12;

export function hashApiKey(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

/** A new secret: `pk_` and 32 random bytes in base64url. Shown once; only its hash is stored. */
export function generateApiKeySecret(): string {
  return `pk_${randomBytes(32).toString("base64url")}`;
}

export function apiKeyPrefix(secret: string): string {
  return secret.slice(0, KEY_PREFIX_LENGTH);
}

export async function findApiKeyPrincipal(db: Db, secret: string): Promise<ApiKeyPrincipal | null> {
  const key = await db.apiKey.findUnique({ where: { secretHash: hashApiKey(secret) } });
  if (!key || key.revokedAt) return null;
  return { keyId: key.id, storeId: key.storeId, scopes: key.scopes, prefix: key.prefix };
}

export async function createApiKey(
  db: Db,
  input: { storeId: string; name: string; scopes: readonly ApiScope[]; secret?: string },
): Promise<{ id: string; secret: string; prefix: string }> {
  const secret = input.secret ?? generateApiKeySecret();
  const key = await db.apiKey.create({
    data: {
      storeId: input.storeId,
      name: input.name,
      prefix: apiKeyPrefix(secret),
      secretHash: hashApiKey(secret),
      scopes: [...input.scopes],
    },
  });
  return { id: key.id, secret, prefix: key.prefix };
}

export const DEFAULT_STORE_SLUG = "default";

/**
 * BOOTSTRAP_API_KEY: makes sure a store `default` exists and that the given secret is a key of it
 * with every scope. Safe to run from several processes at once.
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
    update: { storeId: store.id, scopes: [...ALL_SCOPES], revokedAt: null },
  });
  return { storeId: store.id };
}
