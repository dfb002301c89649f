import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  attributePartner,
  compileTrackingPattern,
  findRulePartner,
  TRACKING_PATTERN_MAX_LENGTH,
  TRACKING_PATTERN_MAX_PROGRAM_SIZE,
  type TrackingPattern,
  type TrackingRule,
  testTrackingSamples,
} from "./partner-attribution.ts";

function compiled(source: string): TrackingPattern {
  const check = compileTrackingPattern(source);
  if (!check.ok) throw new Error(`${source} did not compile: ${check.reason}`);
  return check.pattern;
}

function rule(id: string, partnerId: string, source: string, priority = 0, createdAt = 0): TrackingRule {
  return { id, partnerId, priority, createdAt: new Date(createdAt), pattern: compiled(source) };
}

describe("compileTrackingPattern", () => {
  it("matches the whole code, ignoring letter case", () => {
    const pattern = compiled("AMY[0-9]{4}");
    expect(pattern.matches("AMY2024")).toBe(true);
    expect(pattern.matches("amy2024")).toBe(true);
    expect(pattern.matches("XAMY2024")).toBe(false);
    expect(pattern.matches("AMY20245")).toBe(false);
    expect(compiled("^AMY[0-9]{4}$").matches("AMY2024")).toBe(true);
    expect(compiled("amy.*").matches("AMYSUMMER")).toBe(true);
  });

  it.each([
    ["(A)\\1", "invalid escape sequence"],
    ["(?=AMY)AMY.*", "unsupported Perl syntax"],
    ["(?<!X)AMY", "invalid named capture"],
    ["AMY[0-9", "missing closing ]"],
    ["A{1001}", "invalid repeat count"],
    ["(A{100}){100}", "invalid repeat count"],
    ["A**", "invalid nested repetition operator"],
  ])("refuses %s with the reason (%s)", (source, reason) => {
    const check = compileTrackingPattern(source);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.reason).toContain(reason);
  });

  it("quotes an unclosed pattern as the merchant wrote it, not as it is compiled", () => {
    const check = compileTrackingPattern("(AMY[0-9]+");
    expect(check).toEqual({ ok: false, reason: "error parsing regexp: missing closing ): `(AMY[0-9]+`" });
  });

  it.each([
    "(?-i)T3mx[a-z]+",
    "T3(?-i:mx)[a-z]+",
    "(?s-i)T3.*",
    "(?-si)T3.*",
    "T3(?i)(?U-i)x",
    // A quoted "[" is no character class.
    "\\Q[\\E?(?-i)AMY[0-9]{4}",
    "(?:\\Q[\\E)?(?-i)AMY[0-9]{4}",
  ])("refuses %s, which would match a code in one letter case only", (source) => {
    expect(compileTrackingPattern(source)).toEqual({
      ok: false,
      reason: "pattern may not turn off ignoring letter case ((?-i)): codes match in any case",
    });
  });

  it("refuses a pattern typed in full-width characters, which no code has, saying how to write it", () => {
    expect(compileTrackingPattern("ＡＭＹ[0-9]{4}")).toEqual({
      ok: false,
      reason: "pattern holds full-width characters, which no code has (codes are ASCII): write AMY[0-9]{4}",
    });
    // Saved before, it still compiles (and matches what it did: nothing).
    expect(compileTrackingPattern("ＡＭＹ[0-9]{4}", { saved: true }).ok).toBe(true);
  });

  it("takes flag groups that keep ignoring letter case, and (?-i) that is not a flag group", () => {
    expect(compiled("(?s)T3.*").matches("t3abc")).toBe(true);
    expect(compiled("(?i)T3[a-z]+").matches("T3ABC")).toBe(true);
    expect(compiled("(?U-s)T3.+").matches("t3X")).toBe(true);
    expect(compiled("T3[(?-i)]+").matches("T3(?I)")).toBe(true);
    expect(compiled("T3\\(?-i\\)").matches("t3(-i)")).toBe(true);
    expect(compiled("T3[]?-i)]+").matches("t3]?i)")).toBe(true);
    // Quoted, it is text.
    expect(compiled("(?:\\Q(?-i)\\E)?AMY").matches("amy")).toBe(true);
    expect(compiled("AMY\\Q(?-i)").matches("amy(?-I)")).toBe(true);
  });

  it("matches a code whatever its letter case, for every pattern it takes", () => {
    const fragment = fc.constantFrom(
      "a",
      "B",
      "[a-z]+",
      "[^a]",
      "(?-i)",
      "(?-i:b)",
      "(?s-i)",
      "(?i)",
      "(?s)",
      "(?U)",
      "[(?-i)]",
      "\\(",
      "\\)",
      "(",
      ")",
      "?",
      "-",
      "i",
      "[]a]",
      ".",
      "\\Q",
      "\\E",
      "\\Q[\\E",
      "\\\\",
    );
    fc.assert(
      fc.property(fc.array(fragment, { maxLength: 8 }), fc.string({ maxLength: 6 }), (parts, code) => {
        const check = compileTrackingPattern(parts.join(""));
        if (!check.ok) return;
        const { matches } = check.pattern;
        expect(matches(code.toUpperCase())).toBe(matches(code.toLowerCase()));
      }),
      { numRuns: 2_000 },
    );
  });

  it("refuses an empty pattern and one longer than the cap", () => {
    expect(compileTrackingPattern("")).toEqual({ ok: false, reason: "pattern is empty" });
    expect(compileTrackingPattern("A".repeat(TRACKING_PATTERN_MAX_LENGTH)).ok).toBe(true);
    expect(compileTrackingPattern("A".repeat(TRACKING_PATTERN_MAX_LENGTH + 1))).toEqual({
      ok: false,
      reason: `pattern is longer than ${TRACKING_PATTERN_MAX_LENGTH} characters`,
    });
  });

  it("refuses a pattern whose compiled program is over the cap, unless it was saved before", () => {
    const nested = "(?:\\pL{0,9}\\pN{0,9}){0,99}AMY";
    const refused = compileTrackingPattern(nested);
    expect(refused.ok).toBe(false);
    expect(refused.ok ? "" : refused.reason).toContain(`at most ${TRACKING_PATTERN_MAX_PROGRAM_SIZE}`);
    expect(compileTrackingPattern(nested, { saved: true }).ok).toBe(true);
    for (const everyday of [
      "AMY[0-9]{4}",
      "[A-Z0-9]{6,64}",
      "(?:SUMMER|WINTER)20[0-9]{2}[A-Z]{0,8}",
      "(a+)+$",
    ]) {
      expect([everyday, compileTrackingPattern(everyday).ok]).toEqual([everyday, true]);
    }
  });

  it("runs patterns that are catastrophic for backtracking engines in linear time", () => {
    // With a backtracking engine (JavaScript's RegExp included) each of these would take longer
    // than the age of the universe on this input; RE2 answers in one pass over it.
    const evil = `${"a".repeat(50_000)}!`;
    expect(compiled("(a+)+$").matches(evil)).toBe(false);
    expect(compiled("(a|aa)+b").matches(evil)).toBe(false);
    expect(compiled("(a*)*b").matches(evil)).toBe(false);
    expect(compiled("(a|a)*").matches(evil)).toBe(false);
    expect(compiled("(a+)+!").matches(evil)).toBe(true);
  });
});

describe("findRulePartner", () => {
  it("takes the first matching rule by priority, then creation, then id", () => {
    const rules = [
      rule("r-3", "late", "AMY.*", 0, 2_000),
      rule("r-2", "broad", ".*", 5, 0),
      rule("r-1", "early", "AMY[0-9]+", 0, 1_000),
      rule("r-0", "first", "AMY1.*", -1, 3_000),
    ];
    expect(findRulePartner(rules, "AMY1234")).toBe("first");
    expect(findRulePartner(rules, "AMY2345")).toBe("early");
    expect(findRulePartner(rules, "AMYSUMMER")).toBe("late");
    expect(findRulePartner(rules, "BOB2024")).toBe("broad");
    expect(findRulePartner(rules.slice(0, 1), "BOB2024")).toBeNull();
    expect(findRulePartner([rule("b", "by-id-b", ".*"), rule("a", "by-id-a", ".*")], "X")).toBe("by-id-a");
  });
});

describe("attributePartner", () => {
  const rules = [rule("r", "rule-partner", "AMY.*")];

  it("prefers the code's partner, then the campaign's, then a matching rule", () => {
    expect(attributePartner({ codePartnerId: "code", campaignPartnerId: "camp", code: "AMY1", rules })).toBe(
      "code",
    );
    expect(attributePartner({ codePartnerId: null, campaignPartnerId: "camp", code: "AMY1", rules })).toBe(
      "camp",
    );
    expect(attributePartner({ codePartnerId: null, campaignPartnerId: null, code: "AMY1", rules })).toBe(
      "rule-partner",
    );
    expect(
      attributePartner({ codePartnerId: null, campaignPartnerId: null, code: "BOB1", rules }),
    ).toBeNull();
  });
});

describe("testTrackingSamples", () => {
  it("lists each sample with its result and names the ones that differ from what was expected", () => {
    const outcome = testTrackingSamples(compiled("AMY[0-9]{4}"), [
      { code: "AMY2024", expected: true },
      { code: "BOB2024", expected: false },
      { code: "AMY20", expected: true },
    ]);
    expect(outcome.results).toEqual([
      { code: "AMY2024", expected: true, matched: true },
      { code: "BOB2024", expected: false, matched: false },
      { code: "AMY20", expected: true, matched: false },
    ]);
    expect(outcome.mismatches).toEqual([
      { index: 2, result: { code: "AMY20", expected: true, matched: false } },
    ]);
  });

  it("reads a sample typed in full-width letters and digits as its ASCII self, as a code is read", () => {
    const outcome = testTrackingSamples(compiled("AMY[0-9]{4}"), [
      { code: "ＡＭＹ２０２４", expected: true },
    ]);
    expect(outcome.results).toEqual([{ code: "ＡＭＹ２０２４", expected: true, matched: true }]);
    expect(outcome.mismatches).toEqual([]);
  });
});
