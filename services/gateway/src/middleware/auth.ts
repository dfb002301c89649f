import { type ApiKeyPrincipal, type ApiScope, type Database, findApiKeyPrincipal } from "@promo/db";
import { DomainError } from "@promo/domain";
import { getCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import type { GatewayEnv } from "../env.ts";

const BEARER = /^Bearer\s+(\S+)$/i;

/** The cookie a browser carries an admin key in after signing in at /admin/login (README, Operations). */
export const ADMIN_KEY_COOKIE = "promo_admin_key";
const MAX_CACHED_KEYS = 10_000;

type CachedPrincipal = { principal: ApiKeyPrincipal | null; expiresAt: number };

/**
 * Verifies `Authorization: Bearer <key>` (or, where allowed, the admin key cookie) against the hashed keys. Verified keys (and unknown ones)
 * are remembered for `cacheMs`, so the checkout hot path does not hit PostgreSQL per request. A
 * revoked key is forgotten at once (`forgetKey`, called by the revoking route and for every
 * revocation another gateway announces); a gateway that missed the announcement stops accepting
 * it within `cacheMs`.
 */
export function createAuthenticator(database: Database, cacheMs: number) {
  const cache = new Map<string, CachedPrincipal>();
  // Counts forgetKey calls: a lookup that began before one does not cache what it read, which may
  // be the key as it was before its revocation.
  let forgotten = 0;

  async function authenticate(secret: string): Promise<ApiKeyPrincipal | null> {
    const now = Date.now();
    const cached = cache.get(secret);
    if (cached && cached.expiresAt > now) return cached.principal;
    const forgottenBefore = forgotten;
    const principal = await findApiKeyPrincipal(database.prisma, secret);
    if (cacheMs > 0 && forgotten === forgottenBefore) {
      if (cache.size >= MAX_CACHED_KEYS) cache.clear();
      cache.set(secret, { principal, expiresAt: now + cacheMs });
    }
    return principal;
  }

  /** Drops the key from this process's cache (after its revocation is committed), so its next use is checked again. */
  function forgetKey(keyId: string): void {
    forgotten += 1;
    for (const [secret, entry] of cache) if (entry.principal?.keyId === keyId) cache.delete(secret);
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
