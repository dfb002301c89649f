import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CODE_FORMAT_MESSAGES,
  CODE_FORMAT_PROBLEMS,
  CODE_PATTERN,
  CodeSchema,
  checkCodeFormat,
  describeCodeFormatProblem,
  foldFullWidth,
  normalizeCodeKey,
} from "./code-rules.ts";

describe("code rules", () => {
  it.each([
    ["111111", true],
    ["ABC123", true],
    ["meepShop", true],
    ["A".repeat(64), true],
  ])("accepts %s", (code, ok) => {
    expect(checkCodeFormat(code).ok).toBe(ok);
  });

  it.each([
    ["ABCDE", "too_short"],
    ["A".repeat(65), "too_long"],
    ["ABC DEF", "whitespace"],
    ["ABCDEF\t", "whitespace"],
    ["ABC\nDEF123", "line_break"],
    ["ABCDEF12\r\n", "line_break"],
    ["AB CD\rEF12", "line_break"],
    ["ABC\u2028DEF", "line_break"],
    ["優惠碼ABCDEF", "cjk"],
    ["ＡＢＣＤＥＦ", "full_width"],
    ["ABC１２３", "full_width"],
    ["ABC－123", "full_width"],
    ["ＡＢＣ優惠碼", "cjk"],
    ["ｺｰﾄﾞABCDEF", "cjk"],
    ["ABC｡DEF", "cjk"],
    ["ABC￥100", "full_width"],
    ["ABC-DEF", "symbol"],
    ["ÄBCDEF", "symbol"],
    ["ABCDEF　", "whitespace"],
    ["コードABCDEF", "cjk"],
    ["쿠폰ABCDEF", "cjk"],
    ["ABC_DEF", "symbol"],
    ["ABC😀DEF", "symbol"],
    ["", "too_short"],
    ["AB CD", "whitespace"],
    ["AB-CD", "symbol"],
  ])("refuses %s (%s)", (code, reason) => {
    expect(checkCodeFormat(code)).toEqual({ ok: false, reason });
  });

  it("matches case-insensitively, keeping the code as entered", () => {
    expect(checkCodeFormat("meepShop")).toEqual({ ok: true, code: "meepShop", codeKey: "MEEPSHOP" });
    expect(normalizeCodeKey(" meepShop ")).toBe("MEEPSHOP");
  });

  it("folds only ASCII letters: a string with other letters finds no code", () => {
    // Unicode upper-casing would make these "LIVE1" and "STRASSE1".
    expect(normalizeCodeKey("lıve1")).toBe("LıVE1");
    expect(normalizeCodeKey("straße1")).toBe("STRAßE1");
    expect(normalizeCodeKey("ｍｅｅｐ1")).toBe("ｍｅｅｐ1");
  });
});

describe("full-width input", () => {
  const toFullWidth = (ascii: string) =>
    ascii
      .replace(/[!-~]/g, (char) => String.fromCharCode(char.charCodeAt(0) + 0xfee0))
      .replaceAll(" ", "\u3000");

  it("reads full-width ASCII forms and the ideographic space as ASCII (property)", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) }),
        (ascii) => {
          expect(foldFullWidth(toFullWidth(ascii))).toBe(ascii);
        },
      ),
    );
  });

  it("changes nothing else (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), (text) => {
        const folded = foldFullWidth(text);
        expect(folded.length).toBe(text.length);
        for (let at = 0; at < text.length; at += 1) {
          const code = text.charCodeAt(at);
          const wide = (code >= 0xff01 && code <= 0xff5e) || code === 0x3000;
          if (!wide) expect(folded.charCodeAt(at)).toBe(code);
        }
      }),
    );
    expect(foldFullWidth("ＳＵＭＭＥＲ２０２６")).toBe("SUMMER2026");
    expect(foldFullWidth("優惠碼ｺｰﾄﾞ￥")).toBe("優惠碼ｺｰﾄﾞ￥");
  });
});

describe("code rules agree with one another", () => {
  it("checkCodeFormat accepts exactly what CODE_PATTERN matches (property)", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: fc.constantFrom(..."aZ09 -_中ア한Ａ\t".split("")), maxLength: 70 }),
          fc.string({ unit: "grapheme", maxLength: 70 }),
          fc.stringMatching(/^[A-Za-z0-9]{0,70}$/),
        ),
        (raw) => {
          const result = checkCodeFormat(raw);
          expect(result.ok).toBe(CODE_PATTERN.test(raw));
          if (result.ok) expect(result.codeKey).toBe(raw.toUpperCase());
        },
      ),
    );
  });

  it("has an English and a zh-TW text for every reason", () => {
    for (const problem of CODE_FORMAT_PROBLEMS) {
      expect(describeCodeFormatProblem(problem, "en")).toBe(CODE_FORMAT_MESSAGES[problem].en);
      expect(describeCodeFormatProblem(problem, "zh-TW")).toMatch(/\p{Script=Han}/u);
    }
  });
});

describe("CodeSchema (HTTP input)", () => {
  it("passes a valid code through as entered", () => {
    expect(CodeSchema.parse("meepShop11")).toBe("meepShop11");
  });

  it("refuses with one message naming the broken rule", () => {
    const result = CodeSchema.safeParse("優惠碼ABCDEF");
    expect(result.success).toBe(false);
    expect(result.error?.issues).toHaveLength(1);
    expect(result.error?.issues[0]?.message).toBe("code must not contain Chinese (or other CJK) characters");
    expect(CodeSchema.safeParse("ABC").error?.issues[0]?.message).toBe("code must be at least 6 characters");
    expect(CodeSchema.safeParse("ABCDEF\nGHIJ12").error?.issues[0]?.message).toBe(
      "code must not contain line breaks (the value holds more than one line)",
    );
    expect(CodeSchema.safeParse(123456).success).toBe(false);
  });
});
