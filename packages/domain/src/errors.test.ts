import { describe, expect, it } from "vitest";
import { DomainError, describeError, ERROR_CODES, ERROR_MESSAGES, resolveLocale } from "./errors.ts";

describe("errors", () => {
  it("uses the source's exact zh-TW wording for the checkout refusals", () => {
    expect(describeError("USAGE_LIMIT_REACHED", "zh-TW")).toBe(
      "此優惠代碼使用次數已達上限,請洽商店客服人員協助處理,或清空優惠碼再結帳",
    );
    expect(describeError("ACCOUNT_LIMIT_REACHED", "zh-TW")).toBe("優惠碼使用次數已達上限");
    expect(describeError("CODE_CONFLICT", "zh-TW")).toBe("優惠碼與他人重複,請清空優惠碼再結帳");
  });

  it("words a code clash for the merchant apart from the checkout, and every other code alike for both", () => {
    for (const locale of ["en", "zh-TW"] as const) {
      expect(describeError("CODE_CONFLICT", locale, "merchant")).not.toBe(
        describeError("CODE_CONFLICT", locale),
      );
      expect(describeError("CODE_CONFLICT", locale, "merchant")).not.toMatch(/check out|結帳/);
      for (const code of ERROR_CODES.filter((other) => other !== "CODE_CONFLICT"))
        expect(describeError(code, locale, "merchant")).toBe(describeError(code, locale));
    }
    expect(new DomainError("CODE_CONFLICT", {}, "merchant").message).toBe(
      describeError("CODE_CONFLICT", "en", "merchant"),
    );
  });

  it("has a message in every locale for every code", () => {
    for (const code of ERROR_CODES) {
      expect(ERROR_MESSAGES[code].en.length).toBeGreaterThan(0);
      expect(ERROR_MESSAGES[code]["zh-TW"].length).toBeGreaterThan(0);
    }
  });

  it("carries its code and details", () => {
    const error = new DomainError("CODE_CONFLICT", { campaignId: "x" });
    expect(error).toBeInstanceOf(Error);
    expect([error.code, error.details]).toEqual(["CODE_CONFLICT", { campaignId: "x" }]);
  });

  it.each([
    [undefined, "en"],
    ["zh-TW", "zh-TW"],
    ["zh-Hant-TW,zh;q=0.9", "zh-TW"],
    ["en-US,zh-TW;q=0.8", "en"],
    ["zh-TW;q=0.5,en;q=0.9", "en"],
    ["fr-FR,zh-HK;q=0.7", "zh-TW"],
    ["ja,de;q=0.5", "en"],
    ["garbage;;q=x", "en"],
  ])("resolves Accept-Language %s to %s", (header, locale) => {
    expect(resolveLocale(header)).toBe(locale);
  });
});

describe("error messages", () => {
  it("keep the source's ASCII commas in the zh-TW wording", () => {
    for (const code of ["USAGE_LIMIT_REACHED", "CODE_CONFLICT"] as const) {
      expect(describeError(code, "zh-TW")).toContain(",");
      expect(describeError(code, "zh-TW")).not.toContain("，");
    }
  });

  it("are Traditional Chinese for zh-TW and English for en", () => {
    for (const code of ERROR_CODES) {
      expect(describeError(code, "zh-TW")).toMatch(/\p{Script=Han}/u);
      expect(describeError(code, "en")).toMatch(/^[\x20-\x7e]+$/);
    }
  });

  it("gives a DomainError the English message and no HTTP knowledge", () => {
    const error = new DomainError("USAGE_LIMIT_REACHED");
    expect(error.message).toBe(describeError("USAGE_LIMIT_REACHED", "en"));
    expect(error.details).toBeUndefined();
    expect(error.name).toBe("DomainError");
    expect(Object.keys(error)).not.toContain("status");
  });
});

describe("Accept-Language", () => {
  it.each([
    ["zh", "zh-TW"],
    ["zh-HK", "zh-TW"],
    ["zh-Hant", "zh-TW"],
    ["ZH-tw", "zh-TW"],
    ["en;q=0.5, zh;q=0.5", "en"],
    ["zh;q=0.5, en;q=0.5", "zh-TW"],
    ["fr, zh-TW;q=0.1", "zh-TW"],
    ["zh-TW;q=0, en;q=0.1", "en"],
    ["*", "en"],
    ["", "en"],
    ["zh-CN", "en"],
  ])("resolves %s to %s", (header, locale) => {
    expect(resolveLocale(header)).toBe(locale);
  });
});
