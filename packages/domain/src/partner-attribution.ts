// Partner attribution (SPEC §7): which partner a confirmed redemption belongs to.
//
// Tracking rules map codes to partners by regular expression. Patterns are compiled with re2js, a
// pure-JavaScript port of RE2: matching takes time linear in the input whatever the pattern, so a
// merchant's pattern cannot stall a confirm (no catastrophic backtracking). Syntax RE2 cannot run in
// linear time (backreferences, lookarounds) is refused when the rule is saved.
import { RE2JS, RE2JSException, RE2JSSyntaxException } from "re2js";
import { foldFullWidth } from "./code-rules.ts";

/** Full-width forms of ASCII characters and the ideographic space. */
const FULL_WIDTH_FORM = /[\uff01-\uff5e\u3000]/;

/** Longest pattern a rule may have. */
export const TRACKING_PATTERN_MAX_LENGTH = 200;
/**
 * Largest compiled program (RE2's measure of a pattern's cost, in instructions) a new rule may
 * have. Matching is linear in the code, but its factor grows with the program: nested counted
 * repeats such as `(?:\pL{0,9}\pN{0,9}){0,99}` compile to thousands of instructions and take
 * milliseconds per code, on the event loop of whatever confirms. Everyday patterns (`AMY[0-9]{4}`: 9,
 * `[A-Z0-9]{6,64}`: about 130) are far below it.
 */
export const TRACKING_PATTERN_MAX_PROGRAM_SIZE = 500;
/**
 * Most tracking rules a store may have: a confirm of a code with no partner of its own tries them
 * all, so this (with the program size) bounds what one confirm can cost.
 */
export const TRACKING_RULES_PER_STORE = 200;

/**
 * A compiled tracking pattern. It must match the WHOLE code (as if wrapped in `^(?:...)$`), and
 * letter case is ignored, like codes themselves: `AMY[0-9]{4}` matches `amy2024` but not `XAMY2024`.
 */
export type TrackingPattern = {
  readonly source: string;
  matches(code: string): boolean;
};

export type TrackingPatternCheck = { ok: true; pattern: TrackingPattern } | { ok: false; reason: string };

/**
 * A rule's pattern checked for saving. `saved`: a pattern read back from storage, which was checked
 * when saved; one saved before `(?-i)` was refused still compiles and matches as it did (on the code
 * in upper case, as a confirmation gives it), so no credit silently stops.
 */
export function compileTrackingPattern(
  source: string,
  options: { saved?: boolean } = {},
): TrackingPatternCheck {
  if (source.length === 0) return { ok: false, reason: "pattern is empty" };
  if (source.length > TRACKING_PATTERN_MAX_LENGTH) {
    return { ok: false, reason: `pattern is longer than ${TRACKING_PATTERN_MAX_LENGTH} characters` };
  }
  // Codes are ASCII letters and digits: a pattern typed with an input method in full-width mode
  // (`ＡＭＹ[0-9]{4}`) was saved and never matched, and its partner was never credited.
  if (!options.saved && FULL_WIDTH_FORM.test(source)) {
    return {
      ok: false,
      reason: `pattern holds full-width characters, which no code has (codes are ASCII): write ${foldFullWidth(source)}`,
    };
  }
  if (!options.saved && clearsIgnoreCase(source)) {
    return {
      ok: false,
      reason: "pattern may not turn off ignoring letter case ((?-i)): codes match in any case",
    };
  }
  try {
    const compiled = RE2JS.compile(source, RE2JS.CASE_INSENSITIVE);
    // A rule saved before the cap keeps working as it did.
    if (!options.saved && compiled.programSize() > TRACKING_PATTERN_MAX_PROGRAM_SIZE) {
      return {
        ok: false,
        reason: `pattern is too complex (${compiled.programSize()} instructions compiled, at most ${TRACKING_PATTERN_MAX_PROGRAM_SIZE}): write fewer or smaller nested repeats`,
      };
    }
    return { ok: true, pattern: { source, matches: (code) => compiled.testExact(code) } };
  } catch (error) {
    if (error instanceof RE2JSSyntaxException || error instanceof RE2JSException)
      // RE2 quotes a pattern it could not close as it compiled it, with the ignore-case flag in front.
      return { ok: false, reason: error.message.replace(`\`(?i)${source}\``, `\`${source}\``) };
    throw error;
  }
}

/**
 * Whether a flag group outside a character class and a `\Q…\E` quote clears `i` (`(?-i)`,
 * `(?s-i:…)`): the rule would then match a code in one letter case only, and the samples (tested as
 * written) and a confirmation (which may see the code in another case) would disagree.
 */
function clearsIgnoreCase(source: string): boolean {
  let inClass = false;
  for (let at = 0; at < source.length; at += 1) {
    const char = source[at];
    if (char === "\\") {
      // Quoted text is literal to its \E (or the end), whatever brackets or groups it holds.
      if (source[at + 1] === "Q") {
        const end = source.indexOf("\\E", at + 2);
        at = end < 0 ? source.length : end + 1;
      } else at += 1;
      continue;
    }
    if (inClass) {
      if (char === "]") inClass = false;
      continue;
    }
    if (char === "[") {
      inClass = true;
      // A "]" first in the class (after an optional "^") is a literal.
      if (source[at + 1] === "^") at += 1;
      if (source[at + 1] === "]") at += 1;
      continue;
    }
    if (char === "(" && source[at + 1] === "?") {
      const flags = /^[a-zA-Z-]*/.exec(source.slice(at + 2))?.[0] ?? "";
      if (flags.slice(flags.indexOf("-") + 1).includes("i") && flags.includes("-")) return true;
    }
  }
  return false;
}

export type TrackingRule = {
  id: string;
  partnerId: string;
  /** Lower is tried first; ties go to the older rule. */
  priority: number;
  createdAt: Date;
  pattern: TrackingPattern;
};

/** Rules in the order they are tried: priority, then creation, then id (a stable tie-break). */
export function orderTrackingRules<T extends Omit<TrackingRule, "pattern">>(rules: readonly T[]): T[] {
  return [...rules].sort(
    (a, b) =>
      a.priority - b.priority ||
      a.createdAt.getTime() - b.createdAt.getTime() ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

/** The partner of the first rule (in rule order) whose pattern matches the code, or null. */
export function findRulePartner(rules: readonly TrackingRule[], code: string): string | null {
  for (const rule of orderTrackingRules(rules)) {
    if (rule.pattern.matches(code)) return rule.partnerId;
  }
  return null;
}

/**
 * The partner a redemption is credited to, decided when it is confirmed: the code's own partner,
 * else its campaign's, else the first matching tracking rule of the store, else none.
 */
export function attributePartner(input: {
  codePartnerId: string | null;
  campaignPartnerId: string | null;
  code: string;
  rules: readonly TrackingRule[];
}): string | null {
  return input.codePartnerId ?? input.campaignPartnerId ?? findRulePartner(input.rules, input.code);
}

export type TrackingSample = { code: string; expected: boolean };
export type TrackingSampleResult = TrackingSample & { matched: boolean };

/**
 * Runs the samples a merchant gave with a rule; a rule is saved only when every result is as expected.
 * A sample typed in full-width letters and digits reads as its ASCII self, as a code does everywhere
 * else (`ＡＭＹ２０２４` is `AMY2024`): read as typed, it was said "did not match".
 */
export function testTrackingSamples(
  pattern: TrackingPattern,
  samples: readonly TrackingSample[],
): { results: TrackingSampleResult[]; mismatches: { index: number; result: TrackingSampleResult }[] } {
  const results = samples.map((sample) => ({
    ...sample,
    matched: pattern.matches(foldFullWidth(sample.code)),
  }));
  const mismatches = results
    .map((result, index) => ({ index, result }))
    .filter(({ result }) => result.matched !== result.expected);
  return { results, mismatches };
}
