import { describe, expect, it } from "vitest";
import { jsonWithBigInts } from "./json-with-bigints.ts";

describe("jsonWithBigInts", () => {
  it("writes a bigint with every digit, and everything else as JSON.stringify does", () => {
    const sum = 3n * BigInt(Number.MAX_SAFE_INTEGER);
    const text = jsonWithBigInts({ revenue: sum, totals: [{ discount: sum }, -5n], orders: 3, name: "x" });
    expect(text).toBe(
      '{"revenue":27021597764222973,"totals":[{"discount":27021597764222973},-5],"orders":3,"name":"x"}',
    );
    // What a client that reads big integers gets back (a plain JSON.parse would round them).
    expect(JSON.parse(text.replace(/(\d{16,})/g, '"$1"')).revenue).toBe("27021597764222973");
  });

  it("leaves text that looks like a mark, or like a bigint's number, as the text it is", () => {
    const tricky = [
      "bigint-0123456789abcdef01234567:12",
      '":"bigint-0123456789abcdef01234567:12"',
      "\u0000bigint:12",
      '\\":"\\u0000bigint:12"',
    ];
    for (const label of tricky) {
      const text = jsonWithBigInts({ label, list: [label], n: 1n });
      expect(JSON.parse(text)).toEqual({ label, list: [label], n: 1 });
    }
  });
});
