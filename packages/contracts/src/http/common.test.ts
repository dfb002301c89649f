import { describe, expect, it } from "vitest";
import { CurrencySchema } from "./common.ts";

const messages = (value: unknown) =>
  CurrencySchema.safeParse(value).error?.issues.map((issue) => issue.message);

describe("CurrencySchema", () => {
  it("accepts an ISO 4217 code", () => {
    expect(CurrencySchema.parse("TWD")).toBe("TWD");
    expect(CurrencySchema.parse("USD")).toBe("USD");
  });

  it("gives a malformed code one message, saying what the form is", () => {
    expect(messages("twd")).toEqual(["must be an ISO 4217 code such as TWD or USD"]);
    expect(messages("TW")).toEqual(["must be an ISO 4217 code such as TWD or USD"]);
  });

  it("refuses a well-formed code that is no currency", () => {
    expect(messages("QQQ")).toEqual(["is not an ISO 4217 currency"]);
  });
});
