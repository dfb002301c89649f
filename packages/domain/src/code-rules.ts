export const CODE_MIN_LENGTH = 6;
export const CODE_MAX_LENGTH = 64;
export const CODE_PATTERN = /^[A-Za-z0-9]{6,64}$/;

/** Codes match case-insensitively: the key is the upper-cased code. */
export function normalizeCodeKey(code: string): string {
  return code.trim().toUpperCase();
}

export type CodeFormatProblem = "too_short" | "too_long" | "whitespace" | "cjk" | "symbol";

export const CODE_FORMAT_MESSAGES: Record<CodeFormatProblem, { en: string; "zh-TW": string }> = {
  too_short: {
    en: `must be at least ${CODE_MIN_LENGTH} characters`,
    "zh-TW": `優惠碼最少需${CODE_MIN_LENGTH}個字元`,
  },
  too_long: {
    en: `must be at most ${CODE_MAX_LENGTH} characters`,
    "zh-TW": `優惠碼最多${CODE_MAX_LENGTH}個字元`,
  },
  whitespace: { en: "must not contain spaces", "zh-TW": "代碼不可使用空白鍵" },
  cjk: { en: "must not contain Chinese (or other CJK) characters", "zh-TW": "代碼不可使用中文字" },
  symbol: { en: "may contain only letters A-Z, a-z and digits 0-9", "zh-TW": "代碼只能使用大小寫英文或數字" },
};

const WHITESPACE = /\s/u;
const CJK =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u3000-\u303f\uff00-\uffef]/u;

export type CodeFormatResult =
  | { ok: true; code: string; codeKey: string }
  | { ok: false; reason: CodeFormatProblem };

/**
 * The code rules (SPEC §1, the source's import rules): 6..64 characters of [A-Za-z0-9]. The reason
 * names the first rule broken, in the order a merchant fixes them: content before length.
 */
export function checkCodeFormat(raw: string): CodeFormatResult {
  if (WHITESPACE.test(raw)) return { ok: false, reason: "whitespace" };
  if (CJK.test(raw)) return { ok: false, reason: "cjk" };
  if (!/^[A-Za-z0-9]*$/.test(raw)) return { ok: false, reason: "symbol" };
  const length = [...raw].length;
  if (length < CODE_MIN_LENGTH) return { ok: false, reason: "too_short" };
  if (length > CODE_MAX_LENGTH) return { ok: false, reason: "too_long" };
  return { ok: true, code: raw, codeKey: normalizeCodeKey(raw) };
}
