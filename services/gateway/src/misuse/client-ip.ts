import type { Context } from "hono";
import type { GatewayEnv } from "../env.ts";

/**
 * The caller's address for the per-IP guess limit. Without TRUST_PROXY: the TCP peer. With it: the
 * left-most X-Forwarded-For entry, the address the first hop saw (set TRUST_PROXY only when every
 * hop in front of the gateway, a load balancer or the shop's checkout service passing the
 * shopper's address, overwrites that header; otherwise a client could pick its own address).
 */
export function resolveClientIp(
  c: Context<GatewayEnv>,
  options: { trustProxy: boolean; peerAddress: (c: Context<GatewayEnv>) => string | null },
): string | null {
  if (options.trustProxy) {
    const forwarded = c.req.header("x-forwarded-for")?.split(",")[0]?.trim();
    if (forwarded) return forwarded.slice(0, 64);
  }
  return options.peerAddress(c);
}
