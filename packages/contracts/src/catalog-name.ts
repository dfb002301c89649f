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

/** A letter, digit, mark, symbol or punctuation: anything but spaces, controls and format characters. */
const VISIBLE_CHARACTER = /[^\p{Z}\p{Cc}\p{Cf}]/u;

/**
 * A name people read (a campaign's, a partner's, an API key's): trimmed, in Unicode's composed form
 * (NFC), so "café" typed with a combining accent is the same partner name as with the precomposed
 * letter, and with at least one visible character: a zero-width space alone is no name (an empty
 * one is told the same, one message rather than "too short" and this).
 */
export function displayNameSchema(maxLength: number) {
  return z
    .string()
    .trim()
    .overwrite((value) => value.normalize("NFC"))
    .max(maxLength)
    .refine((value) => VISIBLE_CHARACTER.test(value), "must have a visible character");
}
