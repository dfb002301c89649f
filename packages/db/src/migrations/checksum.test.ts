import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { computeMigrationChecksum, matchesMigrationChecksum } from "./checksum.ts";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

describe("computeMigrationChecksum", () => {
  it("is the sha256 hex of the script, as prisma-engines' render_checksum", () => {
    // The vector of prisma-engines' own test (format_checksum_does_not_strip_zeros).
    expect(computeMigrationChecksum("hello")).toBe(
      "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
    );
    expect(computeMigrationChecksum("")).toBe(
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
  });

  it("hashes the text as UTF-8, the same from a string or its bytes", () => {
    const script = 'CREATE TABLE "café" ();\r\n';
    expect(computeMigrationChecksum(Buffer.from(script, "utf8"))).toBe(computeMigrationChecksum(script));
    expect(computeMigrationChecksum(script)).toHaveLength(64);
  });
});

describe("matchesMigrationChecksum", () => {
  it("matches the script it was computed from and nothing else", () => {
    expect(matchesMigrationChecksum("abc", computeMigrationChecksum("abc"))).toBe(true);
    expect(matchesMigrationChecksum("abc", computeMigrationChecksum("abcd"))).toBe(false);
    expect(matchesMigrationChecksum("abc\n", computeMigrationChecksum("abc"))).toBe(false);
  });

  it("ignores LF versus CRLF line endings, as Prisma does", () => {
    const scripts = ["ab\ncd\nef\ngh\rab\n", "ab\r\ncd\r\nef\r\ngh\rab\r\n"];
    for (const script of scripts) {
      for (const other of scripts) {
        expect(matchesMigrationChecksum(script, computeMigrationChecksum(other))).toBe(true);
      }
    }
  });

  it("accepts the unpadded checksums old Prisma versions wrote", () => {
    // Find a script whose digest has a byte below 0x10, so the legacy rendering is shorter.
    const script = Array.from({ length: 50 }, (_, index) => `SELECT ${index};`).find((candidate) =>
      createHash("sha256")
        .update(candidate)
        .digest()
        .some((byte) => byte < 0x10),
    );
    expect(script).toBeDefined();
    const text = script ?? "";
    const legacy = Array.from(createHash("sha256").update(text).digest(), (byte) => byte.toString(16)).join(
      "",
    );
    expect(legacy.length).toBeLessThan(64);
    expect(matchesMigrationChecksum(text, legacy)).toBe(true);
    expect(matchesMigrationChecksum(`${text} `, legacy)).toBe(false);
    expect(sha256(text)).toHaveLength(64);
  });
});
