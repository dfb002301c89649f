import { describe, expect, it } from "vitest";
import { countCsvRows, readCsvFirstFields } from "./csv.ts";

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

  it("keeps what follows a closing quote, and an unclosed quote runs to the end, saying so when it takes in lines", () => {
    expect(firstFields('"AB"CD,x\n"OPEN\nEND')).toEqual([
      [1, "ABCD"],
      [2, "OPEN\nEND", true],
    ]);
    // In a later field too: the rows after it are in that field, not rows.
    expect(firstFields('CODE0001,"note\nCODE0002,x\nCODE0003')).toEqual([[1, "CODE0001", true]]);
    // On the last line it takes in nothing: read as a spreadsheet reads it.
    expect(firstFields('CODE0001\n"CODE0002')).toEqual([
      [1, "CODE0001"],
      [2, "CODE0002"],
    ]);
    // The same with the file's last line break, in the code's field or a note's.
    for (const ending of ["\n", "\r\n"]) {
      expect(firstFields(`CODE0001\n"CODE0002${ending}`)).toEqual([
        [1, "CODE0001"],
        [2, "CODE0002"],
      ]);
      expect(firstFields(`CODE0001\nCODE0002,"open${ending}`)).toEqual([
        [1, "CODE0001"],
        [2, "CODE0002"],
      ]);
    }
  });

  it("takes a semicolon or tab delimited file by the first delimiter of its first record", () => {
    expect(firstFields('code;description\r\n"001234";"a, b"\r\nABCDEF12;x,y\r\n')).toEqual([
      [1, "code"],
      [2, "001234"],
      [3, "ABCDEF12"],
    ]);
    expect(firstFields("code\tnote\nABCDEF12\tx;y,z\n")).toEqual([
      [1, "code"],
      [2, "ABCDEF12"],
    ]);
    // A delimiter inside the first record's quotes does not count; the comma after them does.
    expect(firstFields('"code;x",note\nAB;CD,x\n')).toEqual([
      [1, "code;x"],
      [2, "AB;CD"],
    ]);
    // A file of one column has no delimiter: each whole line is the field.
    expect(firstFields("ABCDEF12\nAB;CD\n")).toEqual([
      [1, "ABCDEF12"],
      [2, "AB;CD"],
    ]);
  });

  it("follows Excel's sep= hint line and does not count it as a row", () => {
    expect(firstFields("\ufeffsep=;\r\ncode;n\r\nABCDEF12;1,5\r\n")).toEqual([
      [1, "code"],
      [2, "ABCDEF12"],
    ]);
    expect(firstFields("sep=,\nAB;CD,x\n")).toEqual([[1, "AB;CD"]]);
    // Only a first line that is exactly the hint is one; this one is a record delimited by its ";".
    expect(firstFields("sep=;x\nABCDEF12\n")).toEqual([
      [1, "sep="],
      [2, "ABCDEF12"],
    ]);
  });
});

describe("countCsvRows", () => {
  it("counts the rows readCsvFirstFields reads, up to just past its limit", () => {
    expect(countCsvRows('sep=;\r\nABCDEF12\r\n\r\n"NOTE\nACROSS";x\nLAST', 10)).toBe(4);
    expect(countCsvRows("\n".repeat(100), 5)).toBe(6);
    expect(countCsvRows("", 5)).toBe(0);
  });
});
