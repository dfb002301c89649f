// From @hono/zod-openapi: the HTTP contract documents the field with `.openapi(...)`.
import { z } from "@hono/zod-openapi";

/**
 * The shopper's stable id; guests pass their e-mail. Values that look like e-mails are trimmed and
 * lower-cased so per-account limits hold for guests however they type it, and an order event naming
 * the guest as the order system has it matches the reservation the checkout made.
 */
export const AccountIdSchema = z
  .string()
  .trim()
  .min(1)
  .max(256)
  .overwrite((value) => (value.includes("@") ? value.toLowerCase() : value))
  .openapi({ example: "member-1001" });
