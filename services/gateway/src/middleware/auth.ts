import { type ApiKeyPrincipal, type ApiScope, type Database, findApiKeyPrincipal } from "@promo/db";
import { DomainError } from "@promo/domain";
import { getCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import type { GatewayEnv } from "../env.ts";

const BEARER = /^Bearer\s+(\S+)$/i;

/** The cookie a browser carries an admin key in after signing in at /admin/login (docs/api.md, Operations). */
export const ADMIN_KEY_COOKIE = "promo_admin_key";
const MAX_CACHED_KEYS = 10_000;

type CachedPrincipal = { principal: ApiKeyPrincipal | null; expiresAt: number };

/**
 * Verifies `Authorization: Bearer <key>` (or, where allowed, the admin key cookie) against the hashed keys. Verified keys (and unknown ones)
 * are remembered for `cacheMs`, so the checkout hot path does not hit PostgreSQL per request. A
 * revoked key is forgotten at once (`forgetKey`, called by the revoking route and for every
 * revocation another gateway announces); a gateway that missed the announcement stops accepting
 * it within `cacheMs`. Unknown secrets are remembered apart from the keys: a flood of made-up
 * tokens fills and empties only its own cache, never pushing the real keys out (and their
 * requests onto PostgreSQL).
 */
export function createAuthenticator(
  database: Database,
  cacheMs: number,
  { maxCachedKeys = MAX_CACHED_KEYS }: { maxCachedKeys?: number } = {},
) {
  const known = new Map<string, CachedPrincipal>();
  const unknown = new Map<string, CachedPrincipal>();
  // Counts forgetKey calls: a lookup that began before one does not cache what it read, which may
  // be the key as it was before its revocation.
  let forgotten = 0;

  async function authenticate(secret: string): Promise<ApiKeyPrincipal | null> {
    const now = Date.now();
    const cached = known.get(secret) ?? unknown.get(secret);
    if (cached && cached.expiresAt > now) return cached.principal;
    const forgottenBefore = forgotten;
    const principal = await findApiKeyPrincipal(database.prisma, secret);
    if (cacheMs > 0 && forgotten === forgottenBefore) {
      const cache = principal ? known : unknown;
      (principal ? unknown : known).delete(secret);
      if (cache.size >= maxCachedKeys) cache.clear();
      cache.set(secret, { principal, expiresAt: now + cacheMs });
    }
    return principal;
  }

  /** Drops the key from this process's cache (after its revocation is committed), so its next use is checked again. */
  function forgetKey(keyId: string): void {
    forgotten += 1;
    for (const [secret, entry] of known) if (entry.principal?.keyId === keyId) known.delete(secret);
  }

  /**
   * `scope` "any": any valid key, whatever its scopes. `options.cookie`: also accept the admin key
   * cookie when no Authorization header is sent.
   */
  function requireScope(scope: ApiScope | "any", options: { cookie?: boolean } = {}) {
    return createMiddleware<GatewayEnv>(async (c, next) => {
      const header = c.req.header("authorization");
      const secret =
        header === undefined && options.cookie
          ? getCookie(c, ADMIN_KEY_COOKIE)
          : BEARER.exec(header ?? "")?.[1];
      if (!secret || secret.length > 512) throw new DomainError("UNAUTHORIZED");
      const principal = await authenticate(secret);
      if (!principal) throw new DomainError("UNAUTHORIZED");
      c.set("principal", principal);
      if (scope !== "any" && !principal.scopes.includes(scope))
        throw new DomainError("FORBIDDEN", { requiredScope: scope });
      await next();
    });
  }

  return { requireScope, authenticate, forgetKey };
}
