import { describe, expect, it } from "vitest";
import {
  CurrencySchema,
  DATE_TIME_FORM,
  DateTimeInputSchema,
  DateTimeQuerySchema,
  NO_SUCH_DATE_TIME,
} from "./common.ts";

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

describe("date-time inputs finer than a millisecond", () => {
  it("round up to the millisecond, so a bound selects the stored (millisecond) times the exact one would", () => {
    for (const schema of [DateTimeInputSchema, DateTimeQuerySchema]) {
      const parse = (value: string) => schema.parse(value).toISOString();
      expect(parse("2026-11-25T01:15:10.1425Z")).toBe("2026-11-25T01:15:10.143Z");
      expect(parse("2026-11-25T01:15:10.142000001Z")).toBe("2026-11-25T01:15:10.143Z");
      expect(parse("2026-11-25T09:15:10.999999+08:00")).toBe("2026-11-25T01:15:11.000Z");
      // Zeros past the millisecond, or none, change nothing.
      expect(parse("2026-11-25T01:15:10.142000Z")).toBe("2026-11-25T01:15:10.142Z");
      expect(parse("2026-11-25T01:15:10.14Z")).toBe("2026-11-25T01:15:10.140Z");
      expect(parse("2026-11-25T01:15:10Z")).toBe("2026-11-25T01:15:10.000Z");
    }
  });
});

describe("an offset without its colon", () => {
  it("is read as ISO 8601 writes it (+08, +0800 and -0530 as +08:00, +08:00 and -05:30), in a body and a query", () => {
    for (const schema of [DateTimeInputSchema, DateTimeQuerySchema]) {
      const parse = (value: string) => schema.parse(value).toISOString();
      expect(parse("2026-11-11T00:00:00+0800")).toBe("2026-11-10T16:00:00.000Z");
      expect(parse("2026-11-11T00:00:00+08")).toBe("2026-11-10T16:00:00.000Z");
      expect(parse("2026-11-11T00:00:00.5-0530")).toBe("2026-11-11T05:30:00.500Z");
      expect(parse("2026-11-11T00:00:00-0000")).toBe("2026-11-11T00:00:00.000Z");
      // Still refused: no offset, an offset of one or three digits, a bad hour.
      for (const bad of [
        "2026-11-11T00:00:00",
        "2026-11-11T00:00:00+8",
        "2026-11-11T00:00:00+080",
        "2026-11-11T00:00:00+2500",
        "2026-11-11T25:00:00+0800",
      ])
        expect(schema.safeParse(bad).success, bad).toBe(false);
    }
    expect(DateTimeQuerySchema.parse("2026-11-11T00:00:00 0800").toISOString()).toBe(
      "2026-11-10T16:00:00.000Z",
    );
  });
});

describe("a date-time in the right form that the calendar does not have", () => {
  it("is told it does not exist, in a body and in a query string; the form's message stays for the rest", () => {
    const said = (schema: { safeParse: typeof DateTimeInputSchema.safeParse }, value: string) =>
      schema.safeParse(value).error?.issues.map((issue) => issue.message);
    for (const schema of [DateTimeInputSchema, DateTimeQuerySchema]) {
      for (const missing of [
        "2026-02-30T00:00:00+08:00",
        "2026-02-29T00:00:00Z",
        "2026-04-31T00:00:00Z",
        "2026-13-01T00:00:00Z",
        "2026-11-11T24:00:00Z",
        "2026-11-11T23:60:00Z",
        "2026-11-11T00:00:00+2500",
        "2026-11-11T00:00:00+08:60",
      ])
        expect(said(schema, missing), missing).toEqual([NO_SUCH_DATE_TIME]);
      expect(schema.parse("2028-02-29T00:00:00Z").toISOString()).toBe("2028-02-29T00:00:00.000Z");
    }
    expect(said(DateTimeInputSchema, "2026-02-30")).toEqual([DATE_TIME_FORM]);
    expect(said(DateTimeInputSchema, "2026-02-30T00:00:00")).toEqual([DATE_TIME_FORM]);
  });
});

describe("a date-time left out", () => {
  it("is required, in a body and in a query string", () => {
    for (const schema of [DateTimeInputSchema, DateTimeQuerySchema])
      expect(schema.safeParse(undefined).error?.issues.map((issue) => issue.message)).toEqual([
        "is required",
      ]);
  });
});

describe("DateTimeQuerySchema", () => {
  it("reads an offset's + that arrived as a space (sent unencoded in a query string)", () => {
    const instant = new Date("2026-11-10T16:00:00Z");
    for (const sent of [
      "2026-11-11T00:00:00+08:00",
      "2026-11-11T00:00:00 08:00",
      "2026-11-11T00:00:00.000 08:00",
    ])
      expect(DateTimeQuerySchema.parse(sent), sent).toEqual(instant);
    expect(DateTimeQuerySchema.parse("2026-11-10T11:00:00-05:00")).toEqual(instant);
  });

  it("refuses anything else as a body's date-time is refused, saying how to send the +", () => {
    for (const sent of ["2026-11-11 00:00:00 08:00", "2026-11-11T00:00:00  08:00", "2026-11-11T00:00:00"]) {
      expect(
        DateTimeQuerySchema.safeParse(sent).error?.issues.map((issue) => issue.message),
        sent,
      ).toEqual([
        "must be an ISO 8601 date-time with an offset, e.g. 2026-11-11T00:00:00+08:00 (in a query string, + as %2B)",
      ]);
    }
    // A body is JSON: a space there is no encoding's doing.
    expect(DateTimeInputSchema.safeParse("2026-11-11T00:00:00 08:00").success).toBe(false);
  });
});
