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

/**
 * What shows as nothing: spaces, controls, format characters, marks with no letter under them, what
 * Unicode lets a renderer ignore (zero-width characters, the Hangul fillers U+3164 and U+FFA0,
 * variation selectors) and the blank Braille pattern U+2800.
 */
const VISIBLE_CHARACTER = /[^\p{Z}\p{Cc}\p{Cf}\p{M}\p{Default_Ignorable_Code_Point}\u2800]/u;
/**
 * Blank characters at either end: whitespace, format characters (zero-width ones), the Hangul
 * fillers and the blank Braille pattern, so "Amy" and "Amy" with a zero-width space after are one
 * name. Not marks or variation selectors: a name may end with a vowel sign, an emoji with U+FE0F.
 */
const BLANK_ENDS = /^[\s\p{Cf}\u115f\u1160\u3164\uffa0\u2800]+|[\s\p{Cf}\u115f\u1160\u3164\uffa0\u2800]+$/gu;

/**
 * A name people read (a campaign's, a partner's, an API key's): in Unicode's composed form (NFC), so
 * "café" typed with a combining accent is the same partner name as with the precomposed letter;
 * trimmed of whitespace and invisible characters at either end; and with at least one visible
 * character: a zero-width space alone is no name (an empty one is told the same, one message rather
 * than "too short" and this).
 */
export function displayNameSchema(maxLength: number) {
  return z
    .string()
    .overwrite((value) => value.normalize("NFC").replace(BLANK_ENDS, ""))
    .max(maxLength)
    .refine((value) => VISIBLE_CHARACTER.test(value), "must have a visible character");
}
