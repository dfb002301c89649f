import type { ApiKeyPrincipal } from "@promo/db";
import type { Locale } from "@promo/domain";
import type { Logger } from "@promo/observability";

/** Hono's context variables, set by the middleware in app.ts. */
export type GatewayEnv = {
  Variables: {
    requestId: string;
    locale: Locale;
    logger: Logger;
    principal: ApiKeyPrincipal;
    /** Set by POST /v1/reservations: the access-log line names the reservation. */
    reservationId?: string;
  };
};
