import { z } from "@hono/zod-openapi";

/**
 * A product id or a member group, as the shop's own systems name them: trimmed and read in Unicode's
 * composed form (NFC), as account ids are. A campaign's `productIds` and a cart's lines, or its
 * `memberGroups` and a shopper's, are compared as strings: "café" typed with a combining accent on
 * one side and with the precomposed letter on the other must match, as a person reading them would
 * say. Names stored before were put in that form by the migration 20261129000000_catalog_names_nfc.
 */
export const CatalogNameSchema = z
  .string()
  .trim()
  .overwrite((value) => value.normalize("NFC"))
  .min(1)
  .max(128);
