import { describe, expect, it } from "vitest";
import { readCsvFirstFields } from "./csv.ts";

const firstFields = (text: string) => [...readCsvFirstFields(text)];

describe("readCsvFirstFields", () => {
  it("takes the first field of each line: quotes, escaped quotes, CRLF, BOM, leading zeros kept", () => {
    expect(firstFields('\ufeffcode,name\r\n"001234","a, b"\r\n"QU""OTE12"\nPLAIN123,x\n\n')).toEqual([
      [1, "code"],
      [2, "001234"],
      [3, 'QU"OTE12'],
      [4, "PLAIN123"],
      [5, ""],
    ]);
  });

  it("counts a record whose quoted field spans lines as one row", () => {
    expect(firstFields('"MULTI\r\nLINE",x\nNEXT0001,"note\nacross\nlines"\nLAST0001')).toEqual([
      [1, "MULTI\r\nLINE"],
      [2, "NEXT0001"],
      [3, "LAST0001"],
    ]);
  });

  it("reads an empty text as no rows and a lone BOM as no rows", () => {
    expect(firstFields("")).toEqual([]);
    expect(firstFields("\ufeff")).toEqual([]);
  });

  it("keeps what follows a closing quote, and an unclosed quote runs to the end", () => {
    expect(firstFields('"AB"CD,x\n"OPEN\nEND')).toEqual([
      [1, "ABCD"],
      [2, "OPEN\nEND"],
    ]);
  });
});
