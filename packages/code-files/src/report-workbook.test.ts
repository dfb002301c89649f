import { PassThrough } from "node:stream";
import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import { writeListingWorkbook } from "./report-workbook.ts";

type Row = { id: number };
const COLUMNS = [
  { header: "Id", value: (row: Row) => row.id },
  { header: "Label", value: (row: Row) => `row ${row.id}` },
];

async function* pagesOf(count: number, pageSize: number) {
  for (let first = 0; first < count; first += pageSize)
    yield Array.from({ length: Math.min(pageSize, count - first) }, (_, index) => ({ id: first + index }));
}

async function listingSheets(count: number, rowsPerSheet?: number) {
  const output = new PassThrough();
  const chunks: Buffer[] = [];
  output.on("data", (chunk: Buffer) => chunks.push(chunk));
  const finished = new Promise((resolve) => output.on("end", resolve));
  await writeListingWorkbook(
    output,
    { sheet: "Actions", columns: COLUMNS, pages: pagesOf(count, 7) },
    rowsPerSheet === undefined ? {} : { rowsPerSheet },
  );
  await finished;
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(Buffer.concat(chunks) as unknown as ArrayBuffer);
  return workbook.worksheets.map((sheet) => ({
    name: sheet.name,
    rows: sheet.getSheetValues().flatMap((values) => (Array.isArray(values) ? [values.slice(1)] : [])),
  }));
}

describe("writeListingWorkbook", () => {
  it("goes on to further sheets, each with the header, past the rows a sheet may hold", async () => {
    const sheets = await listingSheets(25, 10);
    expect(sheets.map((sheet) => [sheet.name, sheet.rows.length])).toEqual([
      ["Actions", 11],
      ["Actions (2)", 11],
      ["Actions (3)", 6],
    ]);
    for (const sheet of sheets) expect(sheet.rows[0]).toEqual(["Id", "Label"]);
    const ids = sheets.flatMap((sheet) => sheet.rows.slice(1).map((row) => row[0]));
    expect(ids).toEqual(Array.from({ length: 25 }, (_, index) => index));
  });

  it("adds no empty sheet when the rows fill the last one exactly, and keeps one sheet for none", async () => {
    expect((await listingSheets(20, 10)).map((sheet) => sheet.name)).toEqual(["Actions", "Actions (2)"]);
    expect(await listingSheets(0)).toEqual([{ name: "Actions", rows: [["Id", "Label"]] }]);
  });
});
