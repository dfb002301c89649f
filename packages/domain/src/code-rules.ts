import { z } from "zod";
import type { Locale } from "./errors.ts";

export const CODE_MIN_LENGTH = 6;
export const CODE_MAX_LENGTH = 64;
/** A whole code: 6..64 characters of [A-Za-z0-9] (SPEC §1). */
export const CODE_PATTERN = /^[A-Za-z0-9]{6,64}$/;

/**
 * Codes match case-insensitively: the key is the code with its ASCII letters upper-cased (surrounding
 * whitespace dropped, so a lookup of a pasted " code " still finds it; a stored code never contains
 * whitespace).
 */
export function normalizeCodeKey(code: string): string {
  const trimmed = code.trim();
  // Only ASCII letters fold: Unicode case mapping would turn "ı" into "I" and "ß" into "SS", so a
  // string that is no code would find one.
  return NON_ASCII.test(trimmed)
    ? trimmed.replace(/[a-z]+/g, (letters) => letters.toUpperCase())
    : trimmed.toUpperCase();
}

const NON_ASCII = /[\u0080-\uffff]/;

const FULL_WIDTH_ASCII = /[\uff01-\uff5e]/g;
const FULL_WIDTH_OFFSET = 0xff01 - 0x21;

/**
 * A code as a shopper typed it at checkout, with an input method left in full-width mode
 * ("ＳＵＭＭＥＲ２０２６", common with Chinese and Japanese keyboards): full-width ASCII forms read as
 * the ASCII they stand for and the ideographic space as a space, so the code is found. Only width
 * changes; no other character is touched (a merchant's codes are checked as entered, checkCodeFormat).
 */
export function foldFullWidth(typed: string): string {
  return typed
    .replace(FULL_WIDTH_ASCII, (form) => String.fromCharCode(form.charCodeAt(0) - FULL_WIDTH_OFFSET))
    .replaceAll("\u3000", " ");
}

/** Which code rule a value breaks. */
export type CodeFormatProblem =
  | "too_short"
  | "too_long"
  | "line_break"
  | "whitespace"
  | "cjk"
  | "full_width"
  | "symbol";

export const CODE_FORMAT_PROBLEMS = [
  "too_short",
  "too_long",
  "line_break",
  "whitespace",
  "cjk",
  "full_width",
  "symbol",
] as const satisfies readonly CodeFormatProblem[];

/**
 * Per broken rule, an English fragment (reads after "code ...", e.g. "code must not contain spaces")
 * and a zh-TW sentence in the source's wording, for HTTP errors and import row reports.
 */
export const CODE_FORMAT_MESSAGES: Readonly<Record<CodeFormatProblem, Readonly<Record<Locale, string>>>> = {
  too_short: {
    en: `must be at least ${CODE_MIN_LENGTH} characters`,
    "zh-TW": `優惠碼最少需${CODE_MIN_LENGTH}個字元`,
  },
  too_long: {
    en: `must be at most ${CODE_MAX_LENGTH} characters`,
    "zh-TW": `優惠碼最多${CODE_MAX_LENGTH}個字元`,
  },
  line_break: {
    en: "must not contain line breaks (the value holds more than one line)",
    "zh-TW": "代碼不可包含換行(內容有多行文字)",
  },
  whitespace: { en: "must not contain spaces", "zh-TW": "代碼不可使用空白鍵" },
  cjk: { en: "must not contain Chinese (or other CJK) characters", "zh-TW": "代碼不可使用中文字" },
  full_width: {
    en: "must use half-width letters and digits (full-width characters such as Ａ or １ are not allowed)",
    "zh-TW": "代碼請使用半形英文或數字,不可使用全形字元",
  },
  symbol: { en: "may contain only letters A-Z, a-z and digits 0-9", "zh-TW": "代碼只能使用大小寫英文或數字" },
};

export function describeCodeFormatProblem(problem: CodeFormatProblem, locale: Locale): string {
  return CODE_FORMAT_MESSAGES[problem][locale];
}

/**
 * A line break: a spreadsheet cell typed with Alt+Enter, a quoted .csv field spanning lines. Told
 * apart from spaces, which the merchant would look for in vain.
 */
const LINE_BREAK = /[\n\r\u0085\u2028\u2029]/u;
const WHITESPACE = /\s/u;
/** Han, Hiragana, Katakana, Hangul, CJK punctuation and their half-width forms. */
const CJK =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u3000-\u303f\uff61-\uffdf]/u;
/**
 * Full-width ASCII (Ａ, １, －) and signs (￥): what an input method in full-width mode types for
 * letters and digits.
 */
const FULL_WIDTH = /[\uff00-\uff60\uffe0-\uffef]/u;
const LETTERS_AND_DIGITS = /^[A-Za-z0-9]*$/;

export type CodeFormatResult =
  | { ok: true; code: string; codeKey: string }
  | { ok: false; reason: CodeFormatProblem };

/**
 * The code rules (SPEC §1, the source's import rules): 6..64 characters of [A-Za-z0-9]. The value is
 * taken as given (no trimming). The reason names the first rule broken, content before length, in
 * the order a merchant fixes them: line breaks, other whitespace, CJK characters, full-width letters or
 * digits, any other symbol, too short, too long.
 */
export function checkCodeFormat(raw: string): CodeFormatResult {
  if (LINE_BREAK.test(raw)) return { ok: false, reason: "line_break" };
  if (WHITESPACE.test(raw)) return { ok: false, reason: "whitespace" };
  if (CJK.test(raw)) return { ok: false, reason: "cjk" };
  if (FULL_WIDTH.test(raw)) return { ok: false, reason: "full_width" };
  if (!LETTERS_AND_DIGITS.test(raw)) return { ok: false, reason: "symbol" };
  // Only ASCII is left, so the UTF-16 length is the character count.
  if (raw.length < CODE_MIN_LENGTH) return { ok: false, reason: "too_short" };
  if (raw.length > CODE_MAX_LENGTH) return { ok: false, reason: "too_long" };
  return { ok: true, code: raw, codeKey: normalizeCodeKey(raw) };
}

/**
 * A code as HTTP input: the same rules as checkCodeFormat, one issue naming the broken rule
 * (`params.reason` carries the CodeFormatProblem). The output is the code as entered.
 */
export const CodeSchema = z
  .string()
  .superRefine((value, ctx) => {
    const result = checkCodeFormat(value);
    if (!result.ok) {
      ctx.addIssue({
        code: "custom",
        message: `code ${CODE_FORMAT_MESSAGES[result.reason].en}`,
        params: { reason: result.reason },
      });
    }
  })
  .describe(
    `${CODE_MIN_LENGTH}..${CODE_MAX_LENGTH} characters, letters A-Z a-z and digits only; matched case-insensitively.`,
  );
export type Code = z.infer<typeof CodeSchema>;
