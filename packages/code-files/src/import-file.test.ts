import { crc32, deflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  csvEncodingOf,
  decodeCsv,
  detectImportFileKind,
  HEADER_NAMES,
  type ImportCheck,
  readImportFile,
  sheetRowsRead,
} from "./import-file.ts";
import {
  codeRows,
  damagePart,
  handMadeXlsx,
  handMadeXlsxParts,
  ownTempFiles,
  workbookBytes,
  xlsxOf,
  zipOf,
} from "./test-workbooks.ts";
import { countRows, MAX_UNPACKED_BYTES, writeZip } from "./xlsx-package.ts";

const text = (value: string) => new TextEncoder().encode(value);
const read = (bytes: Uint8Array, maxCodes = 10_000) => readImportFile(bytes, "xlsx", { maxCodes });
const problemsOf = (check: ImportCheck) =>
  check.ok ? [] : check.rows.map(({ row, value, reason }) => ({ row, value, reason }));
const fileProblemOf = (check: ImportCheck) => (check.ok ? undefined : check.fileProblem);
const codesOf = (check: ImportCheck) => (check.ok ? check.codes.map(({ row, code }) => [row, code]) : check);

/**
 * A file of 20 codes at most refused for its rows (20 × 10 + 1,000 = 1,200 may be read). Though it
 * holds two codes, it says why the rows count: blank and formatted rows are rows too.
 */
const TOO_MANY_ROWS_FOR_20_CODES = {
  ok: false,
  fileProblem: {
    reason: "too_many_codes",
    params: { counted: "rows", maxRows: 1_200, maxCodes: 20 },
    message:
      "the file holds more than 1,200 rows, counting blank ones and, in a sheet, formatted ones (at most 1,200 rows are read, and a file may hold at most 20 codes): delete the rows below the codes, or copy the codes into a new file",
  },
  rows: [],
  codes: [],
};

describe("detectImportFileKind", () => {
  it("takes .xlsx by its zip signature and .csv as UTF-8 text, in any letter case", async () => {
    expect(detectImportFileKind(await xlsxOf([["ABCDEF"]]), "Codes.XLSX")).toEqual({
      ok: true,
      kind: "xlsx",
    });
    expect(detectImportFileKind(text("ABCDEF\n"), "codes.csv")).toEqual({ ok: true, kind: "csv" });
    expect(detectImportFileKind(text("\ufeffcode\r\n優惠碼ABC\r\n"), "CODES.Csv")).toEqual({
      ok: true,
      kind: "csv",
    });
  });

  it("refuses an empty file", () => {
    for (const name of ["codes.xlsx", "codes.csv", "codes.txt"]) {
      expect(detectImportFileKind(new Uint8Array(0), name)).toEqual({
        ok: false,
        problem: { reason: "empty_file", message: "the file is empty (0 bytes)" },
      });
    }
  });

  it("refuses a .txt renamed .xlsx, and a password-protected or old .xls workbook named .xlsx", () => {
    const renamed = detectImportFileKind(text("just some notes\n"), "notes.xlsx");
    expect(renamed.ok ? null : renamed.problem.reason).toBe("unsupported_type");
    expect(renamed.ok ? null : renamed.problem.message).toContain("not an .xlsx (zip) workbook");
    const ole = detectImportFileKind(
      new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0]),
      "a.xlsx",
    );
    expect(ole.ok ? null : ole.problem.reason).toBe("unsupported_type");
    expect(ole.ok ? null : ole.problem.message).toContain("password");
  });

  it("refuses a .csv that is no text it reads (NUL bytes, UTF-16 without or with a broken byte order mark)", () => {
    for (const bytes of [
      new Uint8Array([0x41, 0x42, 0x00, 0x43]),
      new Uint8Array([0x41, 0x00, 0x42, 0x00]),
      new Uint8Array([0xff, 0xfe, 0x41, 0x00, 0x42]),
      new Uint8Array([0xfe, 0xff, 0xd8, 0x00, 0x00, 0x41]),
    ]) {
      const detected = detectImportFileKind(bytes, "codes.csv");
      expect(detected.ok ? null : detected.problem.reason).toBe("unsupported_type");
      expect(detected.ok ? null : detected.problem.message).toContain("save it as CSV UTF-8");
    }
  });

  it("reads a .csv in UTF-8, in UTF-16 with its byte order mark, and otherwise in Big5", () => {
    expect(csvEncodingOf(new TextEncoder().encode("\ufeff優惠碼\nABCDEF"))).toBe("utf-8");
    expect(csvEncodingOf(Buffer.from("\ufeff優惠碼\r\nABCDEF", "utf16le"))).toBe("utf-16le");
    const bigEndian = Buffer.from("\ufeff優惠碼\r\nABCDEF", "utf16le").swap16();
    expect(csvEncodingOf(bigEndian)).toBe("utf-16be");
    const big5Header = [0xc0, 0x75, 0xb4, 0x66, 0xbd, 0x58, 0x0d, 0x0a]; // 優惠碼
    expect(csvEncodingOf(new Uint8Array([...big5Header, ...text("ABCDEF\r\n")]))).toBe("big5");
    // Not UTF-8, and not what a Big5 file of codes reads as: refused, not misread.
    const latin1 = (value: string) => new Uint8Array([...value].map((char) => char.charCodeAt(0)));
    for (const bytes of [
      new Uint8Array([0x41, 0xc3, 0x28, 0x42]),
      latin1("c\u00f3digo\r\nABCDEF\r\n"),
      latin1("code\r\n\u00e9H5LATC00002\r\n"),
      new Uint8Array([0xd3, 0xc5, 0xbb, 0xdd, 0xc2, 0xeb, 0x0d, 0x0a, ...text("ABCDEF\r\n")]), // 优惠码 in GBK
      new Uint8Array(Array.from({ length: 255 }, (_, index) => index + 1)),
    ]) {
      expect(csvEncodingOf(bytes)).toBeNull();
    }
    expect(decodeCsv(bigEndian)).toBe("優惠碼\r\nABCDEF");
    // U+0000 in UTF-16 is refused as the byte 0 in UTF-8 is: PostgreSQL could not store the bad row.
    expect(csvEncodingOf(text("code\nINP\u000009"))).toBeNull();
    expect(csvEncodingOf(Buffer.from("\ufeffcode\r\nINP\u000009", "utf16le"))).toBeNull();
    expect(csvEncodingOf(Buffer.from("\ufeffcode\r\nINP\u000009", "utf16le").swap16())).toBeNull();
  });

  it("refuses a workbook named .csv, saying it is a workbook", async () => {
    for (const bytes of [
      await xlsxOf([["ABCDEF"]]),
      new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0]),
    ]) {
      const detected = detectImportFileKind(bytes, "codes.csv");
      expect(detected.ok ? null : detected.problem).toEqual({
        reason: "unsupported_type",
        message: expect.stringContaining("named .csv but is an Excel workbook"),
      });
    }
  });

  it("refuses any other extension, naming the accepted ones", async () => {
    for (const name of ["codes.txt", "codes.xls", "codes.xlsx.pdf", "codes"]) {
      const detected = detectImportFileKind(await xlsxOf([["ABCDEF"]]), name);
      expect(detected.ok ? null : detected.problem.reason).toBe("unsupported_type");
      expect(detected.ok ? null : detected.problem.message).toMatch(/\.xlsx and \.csv/);
    }
  });
});

describe("readImportFile (.xlsx)", () => {
  it("reads the first column of the first sheet: header skipped, values trimmed, empty rows counted", async () => {
    const check = await read(
      await xlsxOf(
        [
          [],
          ["  優惠碼 ", "ignored column"],
          ["  CODE0001 "],
          [],
          [null, "only column B"],
          ["   "],
          [111111],
          ["code0003"],
        ],
        [["OTHERSHEET1"], ["bad code"]],
      ),
    );
    expect(check).toEqual({
      ok: true,
      codes: [
        { row: 3, code: "CODE0001", codeKey: "CODE0001" },
        { row: 7, code: "111111", codeKey: "111111" },
        { row: 8, code: "code0003", codeKey: "CODE0003" },
      ],
      header: { row: 2, value: "優惠碼" },
    });
  });

  it("takes the first row as data when it is not a header", async () => {
    expect(codesOf(await read(await xlsxOf([["ABCDEF12"], ["GHIJKL34"]])))).toEqual([
      [1, "ABCDEF12"],
      [2, "GHIJKL34"],
    ]);
    // A header name is only a header in the first non-empty row.
    const check = await read(await xlsxOf([["ABCDEF12"], ["code"]]));
    expect(problemsOf(check)).toEqual([{ row: 2, value: "code", reason: "too_short" }]);
  });

  it("lists every bad row with its reason and its row number", async () => {
    const check = await read(
      await xlsxOf([
        ["code"],
        ["GOODCODE1"],
        ["ABCDE"],
        [],
        ["AB CD1234"],
        ["優惠碼ABC123"],
        ["ABC-123!"],
        [1234],
        [12.5],
        [-123456],
        [1234567890123456],
        ["goodcode1"],
        [{ formula: "A1&A2" }],
        [new Date(Date.UTC(2026, 0, 1))],
        [true],
        [{ error: "#N/A" }],
        ["LASTGOOD1"],
      ]),
    );
    expect(problemsOf(check)).toEqual([
      { row: 3, value: "ABCDE", reason: "too_short" },
      { row: 5, value: "AB CD1234", reason: "whitespace" },
      { row: 6, value: "優惠碼ABC123", reason: "cjk" },
      { row: 7, value: "ABC-123!", reason: "symbol" },
      { row: 8, value: "1234", reason: "number_lost_zeros" },
      { row: 9, value: "12.5", reason: "not_an_integer" },
      { row: 10, value: "-123456", reason: "not_an_integer" },
      { row: 11, value: "1234567890123456", reason: "unsupported_value" },
      { row: 12, value: "goodcode1", reason: "duplicate" },
      { row: 13, value: "=A1&A2", reason: "formula_without_value" },
      { row: 14, value: "2026-01-01T00:00:00.000Z", reason: "unsupported_value" },
      { row: 15, value: "TRUE", reason: "unsupported_value" },
      { row: 16, value: "#N/A", reason: "unsupported_value" },
    ]);
    const messages = check.ok ? [] : check.rows.map((problem) => problem.message);
    expect(messages[0]).toBe("code must be at least 6 characters");
    expect(messages[1]).toBe("code must not contain spaces");
    expect(messages[4]).toContain("stored as a number, so Excel dropped any leading zeros");
    expect(messages[4]).toContain("format the column as Text");
    expect(messages[7]).toContain("15 digits");
    expect(messages[8]).toBe("duplicate of row 2 (codes are case-insensitive)");
    // The parameters each message is made from, to word it again in another language.
    expect(check.ok ? [] : check.rows.map((problem) => problem.params)).toEqual([
      {},
      {},
      {},
      {},
      {},
      {},
      {},
      { cell: "long_number" },
      { firstRow: 2 },
      {},
      { cell: "date" },
      { cell: "boolean" },
      { cell: "error_value" },
    ]);
    // The rows that passed, still to be checked against the stored codes (not to be imported).
    expect(check.codes.map(({ row, code }) => [row, code])).toEqual([
      [2, "GOODCODE1"],
      [17, "LASTGOOD1"],
    ]);
  });

  it("reads text of any length in any script whole, wherever the parts' bytes are cut for reading", async () => {
    // exceljs decodes each chunk of a part on its own, so a character whose UTF-8 bytes straddled a
    // chunk's end (about every 64 KiB) came back as U+FFFD.
    const long = "優惠".repeat(8_000);
    const mixed = `T5${"é😀ß".repeat(20_000)}`;
    const check = await read(await xlsxOf([["code"], ["GOODCODE1"], [long], [mixed], ["LASTGOOD1"]]));
    expect(problemsOf(check)).toEqual([
      { row: 3, value: long, reason: "cjk" },
      { row: 4, value: mixed, reason: "symbol" },
    ]);
  });

  it("reads a number shown with leading zeros (format 000000) as the code Excel shows", async () => {
    const shownAs = (rows: [unknown, string][]) =>
      workbookBytes((workbook) => {
        const sheet = workbook.addWorksheet("Codes");
        for (const [value, numFmt] of rows) sheet.addRow([value]).getCell(1).numFmt = numFmt;
      });
    const good = await read(
      await shownAs([
        [1234, "000000"],
        [1234567, "00000000"],
        [{ formula: "1000+235", result: 1235 }, "000000"],
        [123456, "000000"],
      ]),
    );
    expect(codesOf(good)).toEqual([
      [1, "001234"],
      [2, "01234567"],
      [3, "001235"],
      [4, "123456"],
    ]);
    const bad = await read(
      await shownAs([
        [1236, "0"],
        [12, "0000"],
      ]),
    );
    expect(problemsOf(bad)).toEqual([
      { row: 1, value: "1236", reason: "number_lost_zeros" },
      { row: 2, value: "0012", reason: "too_short" },
    ]);
  });

  it("uses a formula's saved result, by the same rules as a typed value", async () => {
    const check = await read(
      await xlsxOf([
        [{ formula: '"AB"&"CDEF12"', result: "ABCDEF12" }],
        [{ formula: "100000+23456", result: 123456 }],
        [{ formula: "1000+234", result: 1234 }],
        [{ formula: '"abc"&"def12"', result: "abcdef12" }],
      ]),
    );
    expect(problemsOf(check)).toEqual([
      { row: 3, value: "1234", reason: "number_lost_zeros" },
      { row: 4, value: "abcdef12", reason: "duplicate" },
    ]);
    expect(codesOf(await read(await xlsxOf([[{ formula: '"AB"&"CDEF12"', result: "ABCDEF12" }]])))).toEqual([
      [1, "ABCDEF12"],
    ]);
  });

  it("reads a workbook as other tools write it: inline strings, no styles, error and boolean values", async () => {
    const check = await read(
      handMadeXlsx(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Promo Code</t></is></c></row>' +
          '<row r="2"><c r="A2" t="inlineStr"><is><t> INLINE01 </t></is></c></row>' +
          '<row r="4"><c r="A4" t="e"><f>1/0</f><v>#DIV/0!</v></c></row>' +
          '<row r="5"><c r="A5" t="b"><v>1</v></c></row>' +
          '<row r="6"><c r="A6" t="str"><f>B6</f><v>FROMFORMULA1</v></c></row>' +
          '<row r="7"><c r="A7"><v>4567890</v></c></row>',
      ),
    );
    expect(problemsOf(check)).toEqual([
      { row: 4, value: "=1/0", reason: "formula_without_value" },
      { row: 5, value: "TRUE", reason: "unsupported_value" },
    ]);
    const valid = await read(handMadeXlsx('<row r="3"><c r="A3"><v>4567890</v></c></row>'));
    expect(codesOf(valid)).toEqual([[3, "4567890"]]);
  });

  it("reads a cell whose stored value is empty or spaces as blank, as one without a value, never as NaN", async () => {
    const code = (row: number, text: string) =>
      `<row r="${row}"><c r="A${row}" t="inlineStr"><is><t>${text}</t></is></c></row>`;
    const blanks =
      '<row r="2"><c r="A2"><v></v></c></row>' +
      '<row r="3"><c r="A3"><v> </v></c></row>' +
      '<row r="4"><c r="A4" t="n"><v/></c></row>' +
      '<row r="5"><c r="A5"><v>&#160;</v></c></row>' +
      // Other types parse an empty value too: a boolean's as TRUE, an error's as an empty error.
      '<row r="6"><c r="A6" t="b"><v></v></c></row>' +
      '<row r="7"><c r="A7" t="e"><v> </v></c></row>' +
      '<row r="8"><c r="A8" t="d"><v></v></c></row>' +
      '<row r="9"><c r="A9" t="d"/></row>' +
      '<row r="10"><c r="A10"/></row>';
    const check = await read(handMadeXlsx(code(1, "ABCDEF12") + blanks + code(11, "ABCDEF13")));
    expect(problemsOf(check)).toEqual([]);
    expect(codesOf(check)).toEqual([
      [1, "ABCDEF12"],
      [11, "ABCDEF13"],
    ]);
    // In a date format too: an empty value is no date (it was listed as "(date)").
    const dated = handMadeXlsxParts(`${code(1, "ABCDEF12")}<row r="2"><c r="A2" s="1"><v></v></c></row>`);
    dated["xl/_rels/workbook.xml.rels"] = (dated["xl/_rels/workbook.xml.rels"] ?? "").replace(
      "</Relationships>",
      '<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>',
    );
    dated["xl/styles.xml"] =
      '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>';
    expect(codesOf(await read(zipOf(dated)))).toEqual([[1, "ABCDEF12"]]);
    // A number cell holding text (no spreadsheet writes one) is listed with that text, not as NaN.
    const textInNumbers = await read(
      handMadeXlsx(
        '<row r="1"><c r="A1"><v>ABCDEF12</v></c></row><row r="2"><c r="A2" t="n"><v> a&amp;b </v></c></row>',
      ),
    );
    expect(
      textInNumbers.ok
        ? []
        : textInNumbers.rows.map(({ row, value, reason, params }) => ({ row, value, reason, params })),
    ).toEqual([
      { row: 1, value: "ABCDEF12", reason: "unsupported_value", params: { cell: "other" } },
      { row: 2, value: "a&b", reason: "unsupported_value", params: { cell: "other" } },
    ]);
  });

  it("refuses a cell typed over two lines (Alt+Enter) as holding a line break, not spaces", async () => {
    const check = await read(await xlsxOf([["code"], ["ABCDEF\nGHIJ12"], ["GOODCODE1"]]));
    expect(problemsOf(check)).toEqual([{ row: 2, value: "ABCDEF\nGHIJ12", reason: "line_break" }]);
  });

  it("reads each string as the text Excel shows: runs joined, phonetic readings left out", async () => {
    const check = await read(
      handMadeXlsx(
        '<row r="1"><c r="A1" t="s"><v>0</v></c></row>' +
          '<row r="2"><c r="A2" t="s"><v>1</v></c></row>' +
          '<row r="3"><c r="A3" t="inlineStr"><is><r><t>INLINE</t></r><r><rPr><b/></rPr><t>RUNS2</t></r></is></c></row>' +
          '<row r="4"><c r="A4" t="inlineStr"><is><t>INLINEREAL4</t><rPh sb="0" eb="2"><t>PHON4</t></rPh></is></c></row>' +
          '<row r="5"><c r="A5" t="inlineStr"><is><t xml:space="preserve"> PLAIN5CODE </t></is></c></row>',
        '<si><t>SHAREDREAL1</t><rPh sb="0" eb="6"><t>PHONETIC1</t></rPh><phoneticPr fontId="1"/></si>' +
          '<si><r><t>SHARED</t></r><r><t>RUNS2</t></r><rPh sb="0" eb="1"><t>X</t></rPh></si>',
      ),
    );
    expect(problemsOf(check)).toEqual([]);
    expect(codesOf(check)).toEqual([
      [1, "SHAREDREAL1"],
      [2, "SHAREDRUNS2"],
      [3, "INLINERUNS2"],
      [4, "INLINEREAL4"],
      [5, "PLAIN5CODE"],
    ]);
  });

  it("reads text in a CDATA section as text, in a part that is all ASCII or not", async () => {
    const sheetData =
      '<row r="1"><c r="A1" t="inlineStr"><is><t>CDMIX0001</t></is></c></row>' +
      '<row r="2"><c r="A2" t="inlineStr"><is><t><![CDATA[CDMIX0002]]></t></is></c></row>' +
      '<row r="3"><c r="A3" t="s"><v>0</v></c></row>' +
      '<row r="4"><c r="A4" t="s"><v><![CDATA[1]]></v></c></row>' +
      '<row r="5"><c r="A5"><v><![CDATA[4567890]]></v></c></row>' +
      '<row r="6"><c r="A6" t="inlineStr"><is><r><t><![CDATA[CDATA]]></t></r><r><t>RUNS6</t></r></is></c></row>';
    const sharedStrings = "<si><t><![CDATA[CDSHARED03]]></t></si><si><t>CDSHARED04</t></si>";
    const expected = [
      [1, "CDMIX0001"],
      [2, "CDMIX0002"],
      [3, "CDSHARED03"],
      [4, "CDSHARED04"],
      [5, "4567890"],
      [6, "CDATARUNS6"],
    ];
    expect(codesOf(await read(handMadeXlsx(sheetData, sharedStrings)))).toEqual(expected);
    // The same with a character outside ASCII elsewhere in each part (another path before the fix).
    const parts = handMadeXlsxParts(sheetData, sharedStrings);
    const withNonAscii = {
      ...parts,
      "xl/worksheets/sheet1.xml": (parts["xl/worksheets/sheet1.xml"] ?? "").replace(
        "</sheetData>",
        "</sheetData><headerFooter><oddHeader>優惠</oddHeader></headerFooter>",
      ),
      "xl/sharedStrings.xml": (parts["xl/sharedStrings.xml"] ?? "").replace(
        "</sst>",
        "<si><t>優惠</t></si></sst>",
      ),
    };
    expect(codesOf(await read(zipOf(withNonAscii)))).toEqual(expected);
  });

  it("reads rows and cells that leave out their place (no r), as OOXML allows, counting from the one before", async () => {
    const check = await read(
      handMadeXlsx(
        '<row><c t="inlineStr"><is><t>code</t></is></c></row>' +
          '<row><c t="inlineStr"><is><t>NOREF0001</t></is></c><c t="inlineStr"><is><t>note</t></is></c></row>' +
          '<row r="5"><c r="B5" t="inlineStr"><is><t>NOTCOLUMNA</t></is></c></row>' +
          '<row><c t="inlineStr"><is><t>NOREF0006</t></is></c></row>',
      ),
    );
    expect(codesOf(check)).toEqual([
      [2, "NOREF0001"],
      [6, "NOREF0006"],
    ]);
    // A bad row is reported at the number it has in Excel.
    const bad = await read(
      handMadeXlsx(
        '<row r="3"><c><v>123456</v></c></row><row><c t="inlineStr"><is><t>bad</t></is></c></row>',
      ),
    );
    expect(problemsOf(bad)).toEqual([{ row: 4, value: "bad", reason: "too_short" }]);
  });

  it("refuses a row or cell given twice, or a row past 1,048,576, rather than drop a code; reads rows out of order", async () => {
    const cell = (reference: string, code: string) =>
      `<c r="${reference}" t="inlineStr"><is><t>${code}</t></is></c>`;
    const refused: Record<string, [sheetData: string, why: string]> = {
      "row 2 twice": [
        `<row r="2">${cell("A2", "ROWTWO001")}</row><row r="2">${cell("A2", "ROWTWO002")}</row>`,
        "its row 2 comes twice",
      ],
      "row 2 twice, out of order": [
        `<row r="2">${cell("A2", "ROWTWO001")}</row><row r="5">${cell("A5", "ROWFIVE01")}</row><row r="2">${cell("A2", "ROWTWO002")}</row>`,
        "its row 2 comes twice",
      ],
      "row counted on past row 1,048,576": [
        `<row r="1048576">${cell("A1048576", "LASTROW01")}</row><row>${cell("A1048577", "PASTLAST1")}</row>`,
        "its row 1048577 is past the last row of a sheet (1,048,576)",
      ],
      "row 1,048,577": [`<row r="1048577">${cell("A1048577", "PASTLAST1")}</row>`, "its row 1048577 is past"],
      "row without a number": [
        `<row r="x2">${cell("A2", "ROWTWO001")}</row>`,
        'its row "x2" has no valid number',
      ],
      "row 0": [`<row r="0">${cell("A0", "ROWZERO01")}</row>`, 'its row "0" has no valid number'],
      "cell A2 twice": [
        `<row r="2">${cell("A2", "CELLTWO01")}${cell("B2", "NOTE00001")}${cell("A2", "CELLTWO02")}</row>`,
        "its cell A2 comes twice",
      ],
      "cell A3 in row 2": [
        `<row r="2">${cell("A3", "CELLTWO01")}</row><row r="3">${cell("A3", "CELLTHREE")}</row>`,
        "its cell A3 is in row 2",
      ],
    };
    for (const [what, [sheetData, why]] of Object.entries(refused)) {
      const problem = fileProblemOf(await read(handMadeXlsx(sheetData)));
      expect({ what, reason: problem?.reason }).toEqual({ what, reason: "corrupt_file" });
      expect({ what, message: problem?.message }).toEqual({ what, message: expect.stringContaining(why) });
    }
    const outOfOrder = await read(
      handMadeXlsx(
        `<row r="5">${cell("A5", "ROWFIVE01")}</row><row r="2">${cell("B2", "NOTE00001")}${cell("A2", "ROWTWO001")}</row>` +
          `<!-- <row r="2">${cell("A2", "COMMENTED")}</row> -->` +
          `<row r="1048576">${cell("A1048576", "LASTROW01")}</row>`,
      ),
    );
    expect(codesOf(outOfOrder)).toEqual([
      [5, "ROWFIVE01"],
      [2, "ROWTWO001"],
      [1_048_576, "LASTROW01"],
    ]);
  });

  it("refuses a part cut short or malformed as corrupt_file, rather than import the rows before the damage", async () => {
    const rows = Array.from(
      { length: 100 },
      (_, index) =>
        `<row r="${index + 1}"><c r="A${index + 1}" t="inlineStr"><is><t>CUT${1_000 + index}</t></is></c></row>`,
    ).join("");
    const parts = handMadeXlsxParts(rows, "<si><t>SHARED01</t></si>");
    const sheet = parts["xl/worksheets/sheet1.xml"] ?? "";
    const afterRow60 = sheet.indexOf('<row r="61"');
    const damaged = {
      "cut inside row 61": { "xl/worksheets/sheet1.xml": sheet.slice(0, afterRow60 + 30) },
      "cut right after row 60": { "xl/worksheets/sheet1.xml": sheet.slice(0, afterRow60) },
      "tags that do not match": { "xl/worksheets/sheet1.xml": sheet.replace("</sheetData>", "</sheetDat>") },
      "shared strings cut short": {
        "xl/sharedStrings.xml": (parts["xl/sharedStrings.xml"] ?? "").slice(0, -8),
      },
      "workbook cut short": { "xl/workbook.xml": (parts["xl/workbook.xml"] ?? "").slice(0, -10) },
      "workbook's relationships cut short": {
        "xl/_rels/workbook.xml.rels": (parts["xl/_rels/workbook.xml.rels"] ?? "").slice(0, -30),
      },
      "package relationships cut short": { "_rels/.rels": (parts["_rels/.rels"] ?? "").slice(0, -20) },
    };
    expect(codesOf(await read(zipOf(parts)))).toHaveLength(100);
    for (const [what, change] of Object.entries(damaged)) {
      const problem = fileProblemOf(await read(zipOf({ ...parts, ...change })));
      expect({ what, reason: problem?.reason }).toEqual({ what, reason: "corrupt_file" });
      expect(problem?.message).toMatch(/its part [\w./]+ is damaged \(its XML is cut short or malformed\)/);
    }
  });

  it("reads the first sheet's part as its relationships name it, prefixed or not, and refuses a first sheet without one", async () => {
    const main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    const relationshipsNamespace = "http://schemas.openxmlformats.org/package/2006/relationships";
    const worksheetType = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet";
    const sheetWith = (code: string) =>
      `<worksheet xmlns="${main}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>${code}</t></is></c></row></sheetData></worksheet>`;
    const relationships = (ids: string[], prefix = "") =>
      `<${prefix}Relationships ${prefix ? `xmlns:${prefix.slice(0, -1)}` : "xmlns"}="${relationshipsNamespace}">${ids
        .map(
          (id) =>
            `<${prefix}Relationship Id="${id}" Type="${worksheetType}" Target="worksheets/sheet${id === "rId1" ? 1 : 2}.xml"/>`,
        )
        .join("")}</${prefix}Relationships>`;
    const twoSheets = {
      ...handMadeXlsxParts(""),
      "xl/workbook.xml": `<workbook xmlns="${main}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="First" sheetId="1" r:id="rId1"/><sheet name="Second" sheetId="2" r:id="rId9"/></sheets></workbook>`,
      "xl/_rels/workbook.xml.rels": relationships(["rId1", "rId9"]),
      "xl/worksheets/sheet1.xml": sheetWith("FIRSTSHEET1"),
      "xl/worksheets/sheet2.xml": sheetWith("SECONDSHEET2"),
    };
    expect(codesOf(await read(zipOf(twoSheets)))).toEqual([[1, "FIRSTSHEET1"]]);
    const prefixed = { ...twoSheets, "xl/_rels/workbook.xml.rels": relationships(["rId1", "rId9"], "p:") };
    expect(codesOf(await read(zipOf(prefixed)))).toEqual([[1, "FIRSTSHEET1"]]);
    const firstWithoutPart = { ...twoSheets, "xl/_rels/workbook.xml.rels": relationships(["rId9"]) };
    expect(fileProblemOf(await read(zipOf(firstWithoutPart)))).toEqual({
      reason: "corrupt_file",
      params: { detail: { kind: "sheet_without_part", sheet: "First" } },
      message: expect.stringContaining('its sheet "First" has no part'),
    });
  });

  it("refuses a cell that points at a shared string the file does not hold, rather than skip its row", async () => {
    const outOfRange = await read(
      handMadeXlsx(
        '<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>7</v></c></row>' +
          '<row r="3"><c r="A3" t="s"><v>1</v></c></row>',
        "<si><t>SHARED01</t></si><si><t>SHARED02</t></si>",
      ),
    );
    expect(fileProblemOf(outOfRange)).toEqual({
      reason: "corrupt_file",
      params: { detail: { kind: "missing_shared_string", cell: "A2" } },
      message: expect.stringContaining("its cell A2 refers to a shared string the file does not hold"),
    });
    const noSharedStrings = await read(
      handMadeXlsx(
        '<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2"><v>123456</v></c></row>',
      ),
    );
    expect(fileProblemOf(noSharedStrings)?.message).toContain("its cell A1 refers to a shared string");
  });

  it("reads a workbook whose SpreadsheetML elements carry a namespace prefix (as the Open XML SDK writes)", async () => {
    const main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    const parts = handMadeXlsxParts("", "<si><t>SHARED01</t></si>");
    const prefixed = {
      ...parts,
      "xl/workbook.xml": `<x:workbook xmlns:x="${main}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><x:sheets><x:sheet name="Codes" sheetId="1" r:id="rId1"/></x:sheets></x:workbook>`,
      "xl/worksheets/sheet1.xml": `<x:worksheet xmlns:x="${main}"><x:sheetData><x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c></x:row><x:row r="2"><x:c r="A2" t="inlineStr"><x:is><x:t>INLINE02</x:t></x:is></x:c></x:row><x:row r="3"><x:c r="A3"><x:v>1234567</x:v></x:c></x:row></x:sheetData></x:worksheet>`,
      "xl/sharedStrings.xml": `<ss:sst xmlns:ss="${main}"><ss:si><ss:t>SHARED01</ss:t></ss:si></ss:sst>`,
    };
    expect(codesOf(await read(zipOf(prefixed)))).toEqual([
      [1, "SHARED01"],
      [2, "INLINE02"],
      [3, "1234567"],
    ]);
  });

  it('refuses a cell stored as a date (t="d") as a date, not as a number that lost its zeros', async () => {
    const check = await read(
      handMadeXlsx(
        '<row r="1"><c r="A1" t="d"><v>2026-11-24T00:00:00Z</v></c></row>' +
          '<row r="2"><c r="A2" t="inlineStr"><is><t>AFTERDATE2</t></is></c><c r="B2" t="d"><v>2026-01-01</v></c></row>',
      ),
    );
    expect(problemsOf(check)).toEqual([
      { row: 1, value: "2026-11-24T00:00:00Z", reason: "unsupported_value" },
    ]);
    expect(check.ok ? "" : check.rows[0]?.message).toContain("the cell holds a date");
  });

  it("reads the first sheet in tab order, skipping a hidden one", async () => {
    const reordered = await workbookBytes((workbook) => {
      const created = workbook.addWorksheet("Created first");
      created.addRow(["NOTTHISONE1"]);
      const leftmost = workbook.addWorksheet("Leftmost tab");
      leftmost.addRow(["LEFTMOST01"]);
      // exceljs orders the tabs by orderNo (not in its types); the parts keep their creation order.
      (created as unknown as { orderNo: number }).orderNo = 2;
      (leftmost as unknown as { orderNo: number }).orderNo = 1;
    });
    expect(codesOf(await read(reordered))).toEqual([[1, "LEFTMOST01"]]);
    const hiddenFirst = await workbookBytes((workbook) => {
      workbook.addWorksheet("Hidden", { state: "hidden" }).addRow(["HIDDEN001"]);
      workbook.addWorksheet("Visible").addRow(["VISIBLE01"]);
    });
    expect(codesOf(await read(hiddenFirst))).toEqual([[1, "VISIBLE01"]]);
  });

  it("reads 10,000 codes, and refuses 10,001 as too many", async () => {
    const full = await read(await xlsxOf([["code"], ...codeRows(10_000)]));
    expect(full.ok && full.codes.length).toBe(10_000);
    expect(full.ok && full.codes.at(-1)).toEqual({ row: 10_001, code: "CODE109999", codeKey: "CODE109999" });

    const tooMany = await read(await xlsxOf([["code"], ...codeRows(10_001)]));
    expect(tooMany).toEqual({
      ok: false,
      fileProblem: {
        reason: "too_many_codes",
        params: { counted: "codes", maxCodes: 10_000 },
        message: "the file holds at least 10,001 codes; at most 10,000 per file",
      },
      rows: [],
      codes: [],
    });
  });

  it("refuses a sheet of more rows than it reads before reading them, blank rows too", async () => {
    // 20 codes may hold 20 × 10 + 1,000 = 1,200 rows: blank and formatted rows around the codes pass.
    expect(sheetRowsRead(20)).toBe(1_200);
    const rows = (blank: number) =>
      `<row><c t="inlineStr"><is><t>ABCDEF12</t></is></c></row>${"<row/>".repeat(blank)}<row spans="1:1"><c t="inlineStr"><is><t>ABCDEF13</t></is></c></row>`;
    const within = await read(handMadeXlsx(rows(1_198)), 20);
    expect(within.ok && within.codes.map((code) => code.code)).toEqual(["ABCDEF12", "ABCDEF13"]);
    expect(await read(handMadeXlsx(rows(1_199)), 20)).toEqual(TOO_MANY_ROWS_FOR_20_CODES);
    // Rows in a comment are no rows; an element named like one is not either.
    const commented = `<!--${"<row/>".repeat(2_000)}--><rows/>${rows(0)}`;
    expect((await read(handMadeXlsx(commented), 20)).ok).toBe(true);
  });

  it("counts the rows of a worksheet part up to just past its limit", () => {
    expect(
      countRows('<sheetData><row r="1"/><row>x</row><row\tr="3"/><rows/><rowBreaks/></sheetData>', 10),
    ).toBe(3);
    expect(countRows("<row/>".repeat(100), 5)).toBe(6);
  });

  it("refuses a file without codes", async () => {
    for (const bytes of [await xlsxOf([["code"], [], ["  "]]), await xlsxOf([])]) {
      expect(fileProblemOf(await read(bytes))?.reason).toBe("no_codes");
    }
  });

  it("refuses a damaged or cut-short workbook as corrupt_file, and never hangs on one", async () => {
    const real = await xlsxOf([["ABCDEF12"], ["GHIJKL34"]], [["MNOPQR56"]]);
    const damaged: Uint8Array[] = [];
    const garbage = new Uint8Array(2_000).fill(7);
    garbage.set([0x50, 0x4b, 0x03, 0x04]);
    damaged.push(garbage);
    for (const fraction of [0.1, 0.5, 0.9, 0.99])
      damaged.push(real.slice(0, Math.floor(real.length * fraction)));
    // Inverting a byte of compressed data once left exceljs waiting forever for the part's data.
    for (const part of ["xl/workbook.xml", "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"]) {
      for (const fraction of [0.2, 0.5, 0.8]) damaged.push(damagePart(real, part, fraction));
    }
    for (const bytes of damaged) {
      const problem = fileProblemOf(await read(bytes));
      expect(problem?.reason).toBe("corrupt_file");
      expect(problem?.message).toMatch(
        /^the \.xlsx file cannot be read: .+; open it in Excel and save it again/,
      );
    }
  });

  it("refuses a zip that is not a workbook", async () => {
    const corrupt = (kind: string, why: string) => ({
      reason: "corrupt_file",
      params: { detail: { kind } },
      message: `the .xlsx file cannot be read: ${why}; open it in Excel and save it again as an Excel Workbook (.xlsx)`,
    });
    expect(fileProblemOf(await read(zipOf({ "notes.txt": "hello" })))).toEqual(
      corrupt("no_workbook", "it holds no workbook"),
    );
    const document = zipOf({
      "_rels/.rels":
        '<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
      "word/document.xml": "<document/>",
      "word/_rels/document.xml.rels": "<Relationships/>",
    });
    expect(fileProblemOf(await read(document))).toEqual(corrupt("no_worksheet", "it holds no worksheet"));
  });

  it("refuses a workbook that unpacks to more than the limit as too large, naming the limit, not as damaged", async () => {
    const bytes = await xlsxOf(codeRows(2_000));
    const check = await readImportFile(bytes, "xlsx", { maxCodes: 10_000, maxUnpackedBytes: 64 * 1024 });
    expect(fileProblemOf(check)?.reason).toBe("file_too_large");
    const message = fileProblemOf(check)?.message ?? "";
    expect(message).toMatch(/^the workbook is too large to import: .* more than 64 KB once unpacked/);
    expect(message).not.toMatch(/cannot be read|save it again/);
    expect((await readImportFile(bytes, "xlsx", { maxCodes: 10_000 })).ok).toBe(true);
  });

  it("names the default limit, 100 MB, for a small file whose sheet unpacks to more", async () => {
    // A sheet padded with 100 MB of spaces in an XML comment: about 100 KB compressed.
    const parts = handMadeXlsxParts('<row r="1"><c r="A1" t="inlineStr"><is><t>ABCDEF12</t></is></c></row>');
    const sheet = (parts["xl/worksheets/sheet1.xml"] ?? "").replace("</worksheet>", "");
    const content = Buffer.concat([
      Buffer.from(`${sheet}<!--`),
      Buffer.alloc(MAX_UNPACKED_BYTES, 0x20),
      Buffer.from("--></worksheet>"),
    ]);
    const bytes = writeZip([
      ...Object.entries(parts)
        .filter(([name]) => name !== "xl/worksheets/sheet1.xml")
        .map(([name, text]) => {
          const data = Buffer.from(text);
          return { name, method: 0, crc: crc32(data), size: data.length, data };
        }),
      {
        name: "xl/worksheets/sheet1.xml",
        method: 8,
        crc: crc32(content),
        size: content.length,
        data: deflateRawSync(content),
      },
    ]);
    expect(bytes.length).toBeLessThan(1024 * 1024);
    const problem = fileProblemOf(await read(bytes));
    expect(problem?.reason).toBe("file_too_large");
    expect(problem?.message).toContain("more than 100 MB once unpacked");
  });

  it("reads a workbook as exceljs writes it (workbook part last) the same way every time", async () => {
    // exceljs#3064: its streaming reader could end before taking the last parts of such a zip.
    const bytes = await xlsxOf([["ABCDEF12"]], [["OTHER0001"]]);
    const checks = await Promise.all(Array.from({ length: 100 }, () => read(bytes)));
    expect(checks.filter((check) => !check.ok)).toEqual([]);
  });

  it("leaves no temporary files behind, even when it stops early", async () => {
    const before = ownTempFiles();
    await read(await xlsxOf([["ABCDEF12"]], [["OTHER0001"]]));
    await read(await xlsxOf(codeRows(50)), 10);
    await read(damagePart(await xlsxOf([["ABCDEF12"]]), "xl/worksheets/sheet1.xml", 0.5));
    expect(ownTempFiles()).toEqual(before);
  });
});

describe("readImportFile (.csv)", () => {
  const readCsv = (value: string, maxCodes = 10_000) => readImportFile(text(value), "csv", { maxCodes });

  it("keeps leading zeros and reads quoted fields, CRLF and a BOM", async () => {
    const check = await readCsv(
      '\ufeffPromo Code,Note\r\n001234,first\r\n"000789012","a, b"\r\n\r\n"QU""OTE1"\r\n',
    );
    expect(problemsOf(check)).toEqual([{ row: 5, value: 'QU"OTE1', reason: "symbol" }]);
    expect(codesOf(await readCsv("\ufeff001234\r\n000789012\r\n"))).toEqual([
      [1, "001234"],
      [2, "000789012"],
    ]);
  });

  it("checks rows like spreadsheet rows: rules, duplicates, header, limits", async () => {
    const check = await readCsv("coupon\n ABCDEF1 \nbad code\n\nabcdef1\n優惠碼ABC123\n");
    expect(problemsOf(check)).toEqual([
      { row: 3, value: "bad code", reason: "whitespace" },
      { row: 5, value: "abcdef1", reason: "duplicate" },
      { row: 6, value: "優惠碼ABC123", reason: "cjk" },
    ]);
    expect(fileProblemOf(await readCsv("code\n"))?.reason).toBe("no_codes");
    expect(fileProblemOf(await readCsv(""))?.reason).toBe("no_codes");
    expect(fileProblemOf(await readCsv("ABCDEF1\nABCDEF2\nABCDEF3\n", 2))).toEqual({
      reason: "too_many_codes",
      params: { counted: "codes", maxCodes: 2 },
      message: "the file holds at least 3 codes; at most 2 per file",
    });
  });

  it("refuses a file of more rows than it reads before reading them, blank rows too, as a sheet is refused", async () => {
    // 20 codes may hold 20 × 10 + 1,000 = 1,200 rows, as in a sheet.
    const rows = (blank: number) => `ABCDEF12\r\n${"\r\n".repeat(blank)}ABCDEF13\r\n`;
    const within = await readCsv(rows(1_198), 20);
    expect(within.ok && within.codes.map((code) => code.code)).toEqual(["ABCDEF12", "ABCDEF13"]);
    expect(await readCsv(rows(1_199), 20)).toEqual(TOO_MANY_ROWS_FOR_20_CODES);
    // Rows are records, as a spreadsheet numbers them: a note across lines is one, a sep= line none.
    const note = await readCsv(`sep=,\r\nABCDEF12,"${"\n".repeat(2_000)}"\r\nABCDEF13\r\n`, 20);
    expect(codesOf(note)).toEqual([
      [1, "ABCDEF12"],
      [2, "ABCDEF13"],
    ]);
    // At the default 10,000 codes, 101,000 rows: a code at row 101,001 was imported.
    expect(codesOf(await readCsv(`${"\n".repeat(100_999)}ABCDEF12\n`))).toEqual([[101_000, "ABCDEF12"]]);
    expect(fileProblemOf(await readCsv(`${"\n".repeat(101_000)}ABCDEF12\n`))).toMatchObject({
      reason: "too_many_codes",
      params: { counted: "rows", maxRows: 101_000, maxCodes: 10_000 },
    });
  });

  it("reads what Excel in Traditional Chinese saves as CSV (Big5), and UTF-16 with its byte order mark", async () => {
    // 優惠碼 (the header) and 測試 (a note in the second column) in Big5: C0 75 B4 66 BD 58, B4 FA B8 D5.
    const header = [0xc0, 0x75, 0xb4, 0x66, 0xbd, 0x58, 0x0d, 0x0a];
    const note = [0xb4, 0xfa, 0xb8, 0xd5];
    const withNotes = new Uint8Array([
      ...header,
      ...new TextEncoder().encode("ABCDEF12,"),
      ...note,
      ...new TextEncoder().encode("\r\nZYXWVU98,x\r\n"),
    ]);
    expect(detectImportFileKind(withNotes, "codes.csv")).toEqual({ ok: true, kind: "csv" });
    expect(codesOf(await readImportFile(withNotes, "csv", { maxCodes: 10_000 }))).toEqual([
      [2, "ABCDEF12"],
      [3, "ZYXWVU98"],
    ]);
    // A code that is not ASCII is no code in any encoding; in Big5 the file cannot be told from
    // another encoding's, so it is refused whole: saved as CSV UTF-8, it lists the row.
    const badCode = new Uint8Array([...header, ...note, ...new TextEncoder().encode("1234\r\n")]);
    const refused = detectImportFileKind(badCode, "codes.csv");
    expect(refused.ok ? null : refused.problem.reason).toBe("unsupported_type");
    const withoutBadRow = new Uint8Array([
      ...[0xc0, 0x75, 0xb4, 0x66, 0xbd, 0x58, 0x0d, 0x0a],
      ...new TextEncoder().encode("ABCDEF12\r\n001234\r\n"),
    ]);
    expect(codesOf(await readImportFile(withoutBadRow, "csv", { maxCodes: 10_000 }))).toEqual([
      [2, "ABCDEF12"],
      [3, "001234"],
    ]);
    const utf16 = Buffer.from("\ufeff優惠碼\r\nABCDEF12\r\n", "utf16le");
    expect(codesOf(await readImportFile(utf16, "csv", { maxCodes: 10_000 }))).toEqual([[2, "ABCDEF12"]]);
  });

  it("tells a quoted field holding a line break from one holding a space", async () => {
    const check = await readCsv('code\r\n"ABCDEF\nGHIJ12"\r\n"AB CD1234"\r\nGOODCODE1\r\n');
    expect(problemsOf(check)).toEqual([
      { row: 2, value: "ABCDEF\nGHIJ12", reason: "line_break" },
      { row: 3, value: "AB CD1234", reason: "whitespace" },
    ]);
    expect(check.ok ? [] : check.rows.map((problem) => problem.message)).toEqual([
      "code must not contain line breaks (the value holds more than one line)",
      "code must not contain spaces",
    ]);
    expect(codesOf(await readCsv('code\r\n"ABCDEF\nGHIJ12"\r\nGOODCODE1\r\n'))).toMatchObject({
      codes: [{ row: 3, code: "GOODCODE1" }],
    });
  });

  it("refuses a row whose quote is never closed, rather than import the rows before it or blame a line break", async () => {
    // In a note: every row after it was in the note, and the file imported one code of three.
    const inNote = await readCsv('code,note\r\nABCDEF12,"opened note\r\nGHIJKL34,x\r\nMNOPQR56,y\r\n');
    expect(problemsOf(inNote)).toEqual([{ row: 2, value: "ABCDEF12", reason: "unclosed_quote" }]);
    expect(inNote.ok ? "" : inNote.rows[0]?.message).toBe(
      'a quote (") in this row opens a value that is never closed, so every row after it reads as part of that value: close the quote, or remove it',
    );
    const inCode = await readCsv('code\r\n"ABCDEF12\r\nGHIJKL34\r\n');
    expect(problemsOf(inCode)).toEqual([{ row: 2, value: "ABCDEF12\r\nGHIJKL34", reason: "unclosed_quote" }]);
    // On the last line it takes in no other row: read as a spreadsheet reads it.
    expect(codesOf(await readCsv('code\r\nABCDEF12\r\n"GHIJKL34'))).toEqual([
      [2, "ABCDEF12"],
      [3, "GHIJKL34"],
    ]);
  });

  it("reads a semicolon delimited file (Excel's CSV UTF-8 where the comma is the decimal mark)", async () => {
    expect(codesOf(await readCsv("\ufeffCode;Wert\r\n001234;1,5\r\nABCDEF12;2,5\r\n"))).toEqual([
      [2, "001234"],
      [3, "ABCDEF12"],
    ]);
    expect(problemsOf(await readCsv("sep=;\r\ncode;x\r\nAB CD12;y\r\n"))).toEqual([
      { row: 2, value: "AB CD12", reason: "whitespace" },
    ]);
  });

  it.each(HEADER_NAMES)("skips the header %s, in any case and with spaces around it", async (header) => {
    expect(codesOf(await readCsv(` ${header.toUpperCase()} \nABCDEF12\n`))).toEqual([[2, "ABCDEF12"]]);
  });

  it.each([
    "Codes",
    "Coupons",
    "PromoCodes",
    "promo_code",
    "Promo-Code",
    "promo.code",
    "DiscountCode",
    "Voucher Codes",
    "VOUCHERS",
  ])(
    "takes %s, a header word written another way or in the plural, for a header and names it",
    async (header) => {
      const check = await readCsv(`${header},Note\nABCDEF12,x\n`);
      expect(codesOf(check)).toEqual([[2, "ABCDEF12"]]);
      expect(check.header).toEqual({ row: 1, value: header });
    },
  );

  it("imports a first row that only starts like a header word, and names no header then", async () => {
    const check = await readCsv("CouponA1\nABCDEF12\n");
    expect(codesOf(check)).toEqual([
      [1, "CouponA1"],
      [2, "ABCDEF12"],
    ]);
    expect(check.header).toBeUndefined();
  });
});
