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
