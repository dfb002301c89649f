import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CODE_ALPHABET, checkGenerationSpec, codeSpaceSize, generateCodes } from "./code-generator.ts";
import { checkCodeFormat, normalizeCodeKey } from "./code-rules.ts";
import { DomainError } from "./errors.ts";

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
    ["優惠碼ABCDEF", "cjk"],
    ["ＡＢＣＤＥＦ", "cjk"],
    ["ABC-DEF", "symbol"],
    ["ÄBCDEF", "symbol"],
  ])("refuses %s (%s)", (code, reason) => {
    expect(checkCodeFormat(code)).toEqual({ ok: false, reason });
  });

  it("matches case-insensitively, keeping the code as entered", () => {
    expect(checkCodeFormat("meepShop")).toEqual({ ok: true, code: "meepShop", codeKey: "MEEPSHOP" });
    expect(normalizeCodeKey(" meepShop ")).toBe("MEEPSHOP");
  });
});

function seededBytes(seed: number) {
  let state = seed >>> 0 || 1;
  return (length: number) => {
    const bytes = new Uint8Array(length);
    for (let index = 0; index < length; index += 1) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      bytes[index] = state & 0xff;
    }
    return bytes;
  };
}

describe("code generation", () => {
  it("makes distinct valid codes from the look-alike-free alphabet, with the prefix", () => {
    const codes = generateCodes({ count: 2_000, length: 10, prefix: "VIP", randomBytes: seededBytes(7) });
    expect(new Set(codes).size).toBe(2_000);
    for (const code of codes) {
      expect(code).toMatch(/^VIP[ABCDEFGHJKMNPQRSTUVWXYZ2-9]{7}$/);
      expect(checkCodeFormat(code).ok).toBe(true);
    }
    expect(CODE_ALPHABET).not.toMatch(/[01OIL]/);
    expect(CODE_ALPHABET).toHaveLength(31);
  });

  it("picks symbols without modulo bias (every symbol about equally often)", () => {
    const codes = generateCodes({ count: 3_100, length: 10, prefix: "", randomBytes: seededBytes(11) });
    const counts = new Map<string, number>();
    for (const code of codes) for (const symbol of code) counts.set(symbol, (counts.get(symbol) ?? 0) + 1);
    const expected = (3_100 * 10) / 31;
    for (const symbol of CODE_ALPHABET)
      expect(Math.abs((counts.get(symbol) ?? 0) - expected)).toBeLessThan(expected * 0.15);
  });

  it("refuses a code space smaller than 1,000 × count (CODE_SPACE_TOO_SMALL)", () => {
    expect(codeSpaceSize(6)).toBe(887_503_681n);
    expect(() => checkGenerationSpec({ count: 887_503, length: 6, prefix: "" })).not.toThrow();
    const tooMany = () => checkGenerationSpec({ count: 887_504, length: 6, prefix: "" });
    expect(tooMany).toThrow(DomainError);
    expect(tooMany).toThrow(expect.objectContaining({ code: "CODE_SPACE_TOO_SMALL" }));
  });

  it("refuses a prefix that leaves too little randomness or is not letters and digits", () => {
    expect(() => checkGenerationSpec({ count: 1, length: 8, prefix: "ABCDE" })).toThrow(
      expect.objectContaining({ code: "VALIDATION_ERROR" }),
    );
    expect(() => checkGenerationSpec({ count: 1, length: 10, prefix: "AB-" })).toThrow(
      expect.objectContaining({ code: "VALIDATION_ERROR" }),
    );
  });

  it("always returns exactly `count` distinct codes (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 1_000_000 }), (count, seed) => {
        const codes = generateCodes({ count, length: 8, prefix: "", randomBytes: seededBytes(seed) });
        expect(new Set(codes).size).toBe(count);
      }),
      { numRuns: 50 },
    );
  });
});
