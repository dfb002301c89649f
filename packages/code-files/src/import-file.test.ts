import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import { createCodesExport } from "./codes-export.ts";
import { writeErrorReport } from "./error-report.ts";
import { csvFirstFields, detectImportFileKind, type ImportCheck, readImportFile } from "./import-file.ts";

async function xlsx(...sheets: unknown[][][]): Promise<Uint8Array> {
  const workbook = new ExcelJS.Workbook();
  sheets.forEach((rows, index) => {
    const sheet = workbook.addWorksheet(`S${index + 1}`);
    for (const row of rows) sheet.addRow(row);
  });
  return new Uint8Array(await workbook.xlsx.writeBuffer());
}

const read = async (bytes: Uint8Array, maxCodes = 10_000) => readImportFile(bytes, "xlsx", { maxCodes });
const problems = (check: ImportCheck) =>
  check.ok ? [] : check.rows.map(({ row, value, reason }) => ({ row, value, reason }));

describe("detectImportFileKind", () => {
  it("tells .xlsx by its zip signature and .csv by UTF-8 text; refuses the rest", async () => {
    expect(detectImportFileKind(await xlsx([["ABCDEF"]]), "Codes.XLSX")).toEqual({ ok: true, kind: "xlsx" });
    expect(detectImportFileKind(new TextEncoder().encode("ABCDEF\n"), "codes.csv")).toEqual({
      ok: true,
      kind: "csv",
    });
    const renamed = detectImportFileKind(new TextEncoder().encode("notes"), "notes.xlsx");
    expect(renamed.ok ? null : renamed.problem.reason).toBe("unsupported_type");
    const binary = detectImportFileKind(new Uint8Array([0xff, 0xfe, 0x00, 0x41]), "codes.csv");
    expect(binary.ok ? null : binary.problem.reason).toBe("unsupported_type");
    const other = detectImportFileKind(new TextEncoder().encode("ABCDEF"), "codes.txt");
    expect(other.ok ? null : other.problem.reason).toBe("unsupported_type");
    const empty = detectImportFileKind(new Uint8Array(0), "codes.xlsx");
    expect(empty.ok ? null : empty.problem.reason).toBe("empty_file");
  });
});

describe("readImportFile (.xlsx)", () => {
  it("reads the first column of the first sheet, skips a header and empty rows, trims, keeps row numbers", async () => {
    const check = await read(
      await xlsx([["優惠碼"], ["  CODE0001 "], [], [222222], ["code0003"]], [["OTHERSHEET"]]),
    );
    expect(check).toEqual({
      ok: true,
      codes: [
        { row: 2, code: "CODE0001", codeKey: "CODE0001" },
        { row: 4, code: "222222", codeKey: "222222" },
        { row: 5, code: "code0003", codeKey: "CODE0003" },
      ],
    });
  });

  it("lists every bad row with its rule", async () => {
    const check = await read(
      await xlsx([
        ["GOODCODE1"],
        ["ABCDE"],
        ["AB CD1234"],
        ["優惠碼ABC123"],
        ["ABC-123!"],
        [1234],
        [12.5],
        ["goodcode1"],
        [{ formula: "A1&A2" }],
        [new Date(Date.UTC(2026, 0, 1))],
      ]),
    );
    expect(problems(check)).toEqual([
      { row: 2, value: "ABCDE", reason: "too_short" },
      { row: 3, value: "AB CD1234", reason: "whitespace" },
      { row: 4, value: "優惠碼ABC123", reason: "cjk" },
      { row: 5, value: "ABC-123!", reason: "symbol" },
      { row: 6, value: "1234", reason: "number_lost_zeros" },
      { row: 7, value: "12.5", reason: "not_an_integer" },
      { row: 8, value: "goodcode1", reason: "duplicate" },
      { row: 9, value: "=A1&A2", reason: "formula_without_value" },
      { row: 10, value: "2026-01-01T00:00:00.000Z", reason: "unsupported_value" },
    ]);
  });

  it("uses a formula's cached result", async () => {
    const check = await read(await xlsx([[{ formula: '"AB"&"CDEF12"', result: "ABCDEF12" }]]));
    expect(check.ok && check.codes.map((code) => code.code)).toEqual(["ABCDEF12"]);
  });

  it("refuses more codes than allowed, no codes, and a corrupt workbook, as file-level problems", async () => {
    const tooMany = await read(
      await xlsx(Array.from({ length: 11 }, (_, index) => [`CODE${1000 + index}`])),
      10,
    );
    expect(tooMany.ok ? null : tooMany.fileProblem?.reason).toBe("too_many_codes");
    const none = await read(await xlsx([["code"], []]));
    expect(none.ok ? null : none.fileProblem?.reason).toBe("no_codes");
    const real = await xlsx([["ABCDEF12"]]);
    const truncated = await read(real.slice(0, Math.floor(real.length / 2)));
    expect(truncated.ok ? null : truncated.fileProblem?.reason).toBe("corrupt_file");
    const garbage = new Uint8Array(2_000).fill(7);
    garbage.set([0x50, 0x4b, 0x03, 0x04]);
    const broken = await read(garbage);
    expect(broken.ok ? null : broken.fileProblem?.reason).toBe("corrupt_file");
  });
});

describe("CSV", () => {
  it("takes the first field of each line: quotes, escaped quotes, CRLF, BOM, leading zeros kept", () => {
    const text = '\ufeffcode,name\r\n"001234567","a, b"\r\n"QU""OTE12"\nPLAIN123,x\n\n';
    expect([...csvFirstFields(text)]).toEqual([
      [1, "code"],
      [2, "001234567"],
      [3, 'QU"OTE12'],
      [4, "PLAIN123"],
      [5, ""],
    ]);
  });

  it("checks CSV rows like spreadsheet rows", async () => {
    const check = await readImportFile(new TextEncoder().encode("code\n000123456\nbad code\n"), "csv", {
      maxCodes: 10,
    });
    expect(problems(check)).toEqual([{ row: 3, value: "bad code", reason: "whitespace" }]);
  });
});

describe("spreadsheets written", () => {
  it("the error report re-reads as written", async () => {
    const report = await writeErrorReport({
      fileProblem: { reason: "too_many_codes", message: "too many" },
      rows: [{ row: 3, value: "dup", reason: "duplicate", message: "duplicate of row 2" }],
    });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(report as unknown as ArrayBuffer);
    const sheet = workbook.getWorksheet("Errors");
    expect(sheet?.getRow(1).values).toEqual([undefined, "Row", "Value", "Reason", "Message"]);
    expect(sheet?.getRow(2).values).toEqual([undefined, undefined, "", "too_many_codes", "too many"]);
    expect(sheet?.getRow(3).values).toEqual([undefined, 3, "dup", "duplicate", "duplicate of row 2"]);
  });

  it("the streaming export re-reads as written", async () => {
    const { PassThrough } = await import("node:stream");
    const output = new PassThrough();
    const chunks: Buffer[] = [];
    output.on("data", (chunk: Buffer) => chunks.push(chunk));
    const exported = createCodesExport(output);
    const createdAt = new Date(Date.UTC(2026, 10, 11));
    for (let index = 0; index < 20_000; index += 1) {
      exported.addRow({
        code: `CODE${index}`,
        state: "active",
        uses: index % 3,
        orderNumbers: index === 0 ? ["A-1", "A-2"] : [],
        campaign: "C",
        createdAt,
      });
    }
    await exported.finish();
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.concat(chunks) as unknown as ArrayBuffer);
    const sheet = workbook.worksheets[0];
    expect(sheet?.rowCount).toBe(20_001);
    expect(sheet?.getRow(2).values).toEqual([
      undefined,
      "CODE0",
      "active",
      0,
      "A-1, A-2",
      "C",
      createdAt.toISOString(),
    ]);
  });
});
