import { PassThrough } from "node:stream";
import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import {
  CODES_EXPORT_HEADER,
  CODES_PER_EXPORT_SHEET,
  createCodesExport,
  type ExportRow,
} from "./codes-export.ts";
import { readImportFile } from "./import-file.ts";

const ROWS = 20_000;
const createdAt = new Date(Date.UTC(2026, 10, 11, 8, 30, 15, 250));

function exportRow(index: number): ExportRow {
  return {
    code: `CODE${100_000 + index}`,
    state: index % 2 === 0 ? "active" : "exhausted",
    uses: index % 3,
    orderNumbers:
      index % 3 === 0 ? [] : Array.from({ length: index % 3 }, (_, order) => `ORD-${index}-${order}`),
    campaign: "Summer 優惠",
    createdAt: new Date(createdAt.getTime() + index * 1_000),
  };
}

async function exportBytes(count: number, codesPerSheet?: number): Promise<Buffer> {
  const output = new PassThrough();
  const chunks: Buffer[] = [];
  output.on("data", (chunk: Buffer) => chunks.push(chunk));
  const finished = new Promise((resolve) => output.on("end", resolve));
  const codes = createCodesExport(output, codesPerSheet === undefined ? {} : { codesPerSheet });
  for (let index = 0; index < count; index += 1) codes.addRow(exportRow(index));
  await codes.finish();
  await finished;
  return Buffer.concat(chunks);
}

describe("createCodesExport", () => {
  it("streams a sheet Codes that re-reads exactly as written", async () => {
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load((await exportBytes(ROWS)) as unknown as ArrayBuffer);
    expect(workbook.worksheets.map((sheet) => sheet.name)).toEqual(["Codes"]);
    const sheet = workbook.getWorksheet("Codes");
    expect(sheet?.rowCount).toBe(ROWS + 1);
    expect(sheet?.getRow(1).values).toEqual([undefined, ...CODES_EXPORT_HEADER]);
    expect(CODES_EXPORT_HEADER).toEqual(["Code", "State", "Uses", "Order numbers", "Campaign", "Created at"]);
    const mismatches: number[] = [];
    for (let index = 0; index < ROWS; index += 1) {
      const row = exportRow(index);
      const expected = [
        undefined,
        row.code,
        row.state,
        row.uses,
        row.orderNumbers.length > 0 ? row.orderNumbers.join(", ") : undefined,
        row.campaign,
        row.createdAt.toISOString(),
      ];
      const values = sheet?.getRow(index + 2).values;
      if (JSON.stringify(values) !== JSON.stringify(expected)) mismatches.push(index);
    }
    expect(mismatches).toEqual([]);
    expect(sheet?.getRow(3).values).toEqual([
      undefined,
      "CODE100001",
      "exhausted",
      1,
      "ORD-1-0",
      "Summer 優惠",
      "2026-11-11T08:30:16.250Z",
    ]);
    expect(sheet?.getRow(4).getCell(4).value).toBe("ORD-2-0, ORD-2-1");
  });

  it("goes on to sheets Codes (2), Codes (3), ... each with the header, once a sheet holds as many codes as Excel does", async () => {
    // Excel holds 1,048,576 rows in a sheet: the header and 1,048,575 codes.
    expect(CODES_PER_EXPORT_SHEET).toBe(1_048_575);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load((await exportBytes(25, 10)) as unknown as ArrayBuffer);
    expect(workbook.worksheets.map((sheet) => [sheet.name, sheet.rowCount])).toEqual([
      ["Codes", 11],
      ["Codes (2)", 11],
      ["Codes (3)", 6],
    ]);
    const codes = workbook.worksheets.flatMap((sheet) => {
      expect(sheet.getRow(1).values).toEqual([undefined, ...CODES_EXPORT_HEADER]);
      return sheet.getColumn(1).values.slice(2);
    });
    expect(codes).toEqual(Array.from({ length: 25 }, (_, index) => `CODE${100_000 + index}`));
    // Exactly a sheet's worth of codes makes no empty sheet after it.
    const full = new ExcelJS.Workbook();
    await full.xlsx.load((await exportBytes(20, 10)) as unknown as ArrayBuffer);
    expect(full.worksheets.map((sheet) => sheet.name)).toEqual(["Codes", "Codes (2)"]);
  });

  it("can be imported again (its codes in the first column under a Code header)", async () => {
    const check = await readImportFile(new Uint8Array(await exportBytes(50)), "xlsx", { maxCodes: 10_000 });
    expect(check.ok && check.codes.map((code) => code.code)).toEqual(
      Array.from({ length: 50 }, (_, index) => `CODE${100_000 + index}`),
    );
  });
});
