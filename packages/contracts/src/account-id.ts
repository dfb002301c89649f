// From @hono/zod-openapi: the HTTP contract documents the field with `.openapi(...)`.
import { z } from "@hono/zod-openapi";

/**
 * The shopper's stable id; guests pass their e-mail. Values that look like e-mails are trimmed and
 * lower-cased so per-account limits hold for guests however they type it, and an order event naming
 * the guest as the order system has it matches the reservation the checkout made. Every id is read
 * in Unicode's composed form (NFC): "café" typed with a combining accent is the same account as
 * "café" with the precomposed letter, as a person reading them would say, so a per-account limit
 * cannot be passed by sending the other form. Stored ids were put in that form by the migration
 * 20261127000000_account_id_nfc.
 */
export const AccountIdSchema = z
  .string()
  .trim()
  .min(1)
  .max(256)
  .overwrite((value) => (value.includes("@") ? value.toLowerCase() : value).normalize("NFC"))
  .openapi({ example: "member-1001" });
