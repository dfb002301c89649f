import type { Hook } from "@hono/zod-openapi";
import { findNulCharacter, NUL_CHARACTER_MESSAGE } from "@promo/contracts";
import { DomainError } from "@promo/domain";
import type { GatewayEnv } from "./env.ts";
import { validationError } from "./errors.ts";

/**
 * Every route's zod failures become 400 VALIDATION_ERROR with field details (through onError), and so
 * does a valid input holding U+0000 anywhere (body, query, path or an upload's file name), which
 * PostgreSQL could not store.
 */
export const validationHook: Hook<unknown, GatewayEnv, string, unknown> = (result) => {
  if (!result.success) throw validationError(result.error);
  const nul = findNulCharacter(result.data);
  if (nul !== null)
    throw new DomainError("VALIDATION_ERROR", {
      fields: [{ path: nul.map(String).join(".") || "(body)", message: NUL_CHARACTER_MESSAGE }],
    });
};
