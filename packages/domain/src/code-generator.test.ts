import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CODE_ALPHABET,
  checkCodeSpace,
  checkGenerationSpec,
  codeSpaceSize,
  DEFAULT_CODE_LENGTH,
  generateCodes,
  queuedCodesInSpace,
  type RandomBytes,
} from "./code-generator.ts";
import { checkCodeFormat, normalizeCodeKey } from "./code-rules.ts";
import { DomainError } from "./errors.ts";

/** A deterministic xorshift byte source for tests. */
function createSeededBytes(seed: number): RandomBytes {
  let state = seed >>> 0 || 1;
  return (length) => {
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

/** Replays the given bytes, then repeats the last one. */
function createScriptedBytes(script: readonly number[]): RandomBytes {
  let position = 0;
  return (length) =>
    Uint8Array.from({ length }, () => {
      const byte = script[Math.min(position, script.length - 1)] ?? 0;
      position += 1;
      return byte;
    });
}

const refusalCode = (run: () => unknown): string | null => {
  try {
    run();
    return null;
  } catch (error) {
    return error instanceof DomainError ? error.code : "not a DomainError";
  }
};

describe("alphabet", () => {
  it("has 23 letters and 8 digits, none of 0/O, 1/I/L, all distinct", () => {
    expect(CODE_ALPHABET).toHaveLength(31);
    expect(new Set(CODE_ALPHABET).size).toBe(31);
    expect(CODE_ALPHABET).not.toMatch(/[01OIL]/);
    expect(CODE_ALPHABET.replace(/[0-9]/g, "")).toHaveLength(23);
    expect(CODE_ALPHABET).toMatch(/^[A-Z2-9]+$/);
  });
});

describe("code generation", () => {
  it("makes distinct valid codes from the look-alike-free alphabet, with the prefix", () => {
    const codes = generateCodes({
      count: 2_000,
      length: 10,
      prefix: "VIP",
      randomBytes: createSeededBytes(7),
    });
    expect(new Set(codes).size).toBe(2_000);
    for (const code of codes) {
      expect(code).toMatch(/^VIP[ABCDEFGHJKMNPQRSTUVWXYZ2-9]{7}$/);
      expect(checkCodeFormat(code).ok).toBe(true);
    }
  });

  it("defaults to length 10 and no prefix", () => {
    const codes = generateCodes({ count: 5, randomBytes: createSeededBytes(3) });
    expect(DEFAULT_CODE_LENGTH).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[ABCDEFGHJKMNPQRSTUVWXYZ2-9]{10}$/);
  });

  it("rejects bytes 248..255 instead of folding them onto the alphabet (no modulo bias)", () => {
    // 248..255 would map to symbols 0..7 under a plain modulo; they must be skipped.
    const codes = generateCodes({
      count: 1,
      length: 6,
      randomBytes: createScriptedBytes([248, 255, 0, 249, 30, 31, 62, 250, 1, 2, 3]),
    });
    // 0 -> A, 30 -> 9, 31 -> A, 62 -> A, 1 -> B, 2 -> C.
    expect(codes).toEqual(["A9AABC"]);
  });

  it("picks symbols uniformly (every symbol about equally often)", () => {
    const codes = generateCodes({ count: 3_100, length: 10, randomBytes: createSeededBytes(11) });
    const counts = new Map<string, number>();
    for (const code of codes) for (const symbol of code) counts.set(symbol, (counts.get(symbol) ?? 0) + 1);
    const expected = (3_100 * 10) / 31;
    for (const symbol of CODE_ALPHABET) {
      expect(Math.abs((counts.get(symbol) ?? 0) - expected)).toBeLessThan(expected * 0.15);
    }
  });

  it("skips a code drawn twice in the batch and draws again", () => {
    // Six zero bytes make "AAAAAA" twice; then byte 1 makes the second code different.
    const codes = generateCodes({
      count: 2,
      length: 6,
      randomBytes: createScriptedBytes([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
    });
    expect(codes).toEqual(["AAAAAA", "AAAAAB"]);
  });

  it("never asks the random source for more than 65,536 bytes at once", () => {
    const requests: number[] = [];
    const source = createSeededBytes(5);
    generateCodes({
      count: 20_000,
      length: 12,
      randomBytes: (length) => {
        requests.push(length);
        return source(length);
      },
    });
    expect(Math.max(...requests)).toBeLessThanOrEqual(65_536);
  });

  it("refuses a random source that gives no bytes", () => {
    expect(() => generateCodes({ count: 1, randomBytes: () => new Uint8Array(0) })).toThrow(/no bytes/);
  });

  it("always returns exactly `count` distinct, valid codes (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 8, max: 16 }),
        fc.stringMatching(/^[A-Za-z0-9]{0,4}$/),
        fc.integer({ min: 1, max: 1_000_000 }),
        (count, length, prefix, seed) => {
          const codes = generateCodes({ count, length, prefix, randomBytes: createSeededBytes(seed) });
          expect(codes).toHaveLength(count);
          expect(new Set(codes.map(normalizeCodeKey)).size).toBe(count);
          for (const code of codes) {
            expect(code).toHaveLength(length);
            expect(code.startsWith(prefix)).toBe(true);
            expect(checkCodeFormat(code).ok).toBe(true);
          }
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe("code space (SPEC §4)", () => {
  it("is 31^randomLength, as a bigint", () => {
    expect(codeSpaceSize(6)).toBe(887_503_681n);
    expect(codeSpaceSize(64)).toBe(31n ** 64n);
  });

  it("refuses a space smaller than 1,000 × count with CODE_SPACE_TOO_SMALL", () => {
    expect(() => checkCodeSpace(887_503, 6)).not.toThrow();
    expect(refusalCode(() => checkCodeSpace(887_504, 6))).toBe("CODE_SPACE_TOO_SMALL");
    expect(() => checkCodeSpace(923, 4)).not.toThrow(); // 31^4 = 923,521
    expect(refusalCode(() => checkCodeSpace(924, 4))).toBe("CODE_SPACE_TOO_SMALL");
    expect(() => checkGenerationSpec({ count: 887_503, length: 6 })).not.toThrow();
    expect(refusalCode(() => checkGenerationSpec({ count: 887_504, length: 6 }))).toBe(
      "CODE_SPACE_TOO_SMALL",
    );
    // A prefix shrinks the space: 8 characters with "VIP" leave 31^5 = 28,629,151.
    expect(() => checkGenerationSpec({ count: 28_629, length: 8, prefix: "VIP" })).not.toThrow();
    expect(refusalCode(() => checkGenerationSpec({ count: 28_630, length: 8, prefix: "VIP" }))).toBe(
      "CODE_SPACE_TOO_SMALL",
    );
    expect(() => checkGenerationSpec({ count: 1_000_000, length: 10 })).not.toThrow();
  });

  it("counts the codes already in the space with the new ones", () => {
    expect(() => checkCodeSpace(900, 4, 23)).not.toThrow(); // 923 in 923,521
    let refusal: unknown;
    try {
      checkCodeSpace(900, 4, 24);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toMatchObject({
      code: "CODE_SPACE_TOO_SMALL",
      details: { count: 900, existingCodes: 24, randomLength: 4, codeSpace: "923521", required: "924000" },
    });
  });

  it("counts of a queued job's codes what falls in the space: all of a longer prefix's, 31^-k of a shorter one's", () => {
    const jobs = [
      { prefix: "qya1", remaining: 40 }, // in QYA's space, whatever its letter case
      { prefix: "QYA", remaining: 7 },
      { prefix: "QY", remaining: 3_100 }, // 1 in 31 goes on with an A
      { prefix: "Q", remaining: 961_000 }, // 1 in 961 goes on with YA
      { prefix: "", remaining: 0 },
      { prefix: "QB", remaining: 5_000 }, // another space
    ];
    expect(queuedCodesInSpace({ prefix: "QYA" }, jobs)).toBe(40 + 7 + 100 + 1_000);
    // A prefix going on with a character no random part holds (O, 1) gets none of the shorter ones'.
    expect(queuedCodesInSpace({ prefix: "QYO" }, jobs)).toBe(0);
    expect(queuedCodesInSpace({ prefix: "QY1" }, [{ prefix: "QY", remaining: 3_100 }])).toBe(0);
    // Rounded up: a share of a code is a code that may land there.
    expect(queuedCodesInSpace({ prefix: "AB" }, [{ prefix: "A", remaining: 1 }])).toBe(1);
    expect(queuedCodesInSpace({ prefix: "" }, jobs)).toBe(40 + 7 + 3_100 + 961_000 + 5_000);
  });

  it("counts the codes unfinished jobs are still to make with the existing and new ones", () => {
    expect(() => checkCodeSpace(500, 4, 23, 400)).not.toThrow(); // 923 in 923,521
    let refusal: unknown;
    try {
      checkCodeSpace(500, 4, 23, 401);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toMatchObject({
      code: "CODE_SPACE_TOO_SMALL",
      details: {
        count: 500,
        existingCodes: 23,
        queuedCodes: 401,
        randomLength: 4,
        codeSpace: "923521",
        required: "924000",
      },
    });
  });
});

describe("generation requests", () => {
  it.each([
    [{ count: 1, length: 8, prefix: "ABCDE" }, "prefix"],
    [{ count: 1, length: 10, prefix: "AB-" }, "prefix"],
    [{ count: 1, length: 10, prefix: "優惠" }, "prefix"],
    [{ count: 1, length: 5 }, "length"],
    [{ count: 1, length: 65 }, "length"],
    [{ count: 1, length: 10.5 }, "length"],
    [{ count: 0 }, "count"],
    [{ count: 1.5 }, "count"],
    [{ count: 1_000_001 }, "count"],
  ])("refuses %o (VALIDATION_ERROR on %s)", (spec, path) => {
    expect(() => checkGenerationSpec(spec)).toThrow(
      expect.objectContaining({
        code: "VALIDATION_ERROR",
        details: { fields: [expect.objectContaining({ path })] },
      }),
    );
  });

  it("fills in the defaults and keeps a random part of at least 4 characters", () => {
    expect(checkGenerationSpec({ count: 3 })).toEqual({ count: 3, length: 10, prefix: "" });
    expect(checkGenerationSpec({ count: 3, length: 8, prefix: "Xmas" })).toEqual({
      count: 3,
      length: 8,
      prefix: "Xmas",
    });
  });
});
