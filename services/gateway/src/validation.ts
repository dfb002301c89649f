import type { Hook } from "@hono/zod-openapi";
import type { GatewayEnv } from "./env.ts";
import { validationError } from "./errors.ts";

/** Every route's zod failures become 400 VALIDATION_ERROR with field details (through onError). */
export const validationHook: Hook<unknown, GatewayEnv, string, unknown> = (result) => {
  if (!result.success) throw validationError(result.error);
};
