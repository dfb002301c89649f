import { PassThrough } from "node:stream";
import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import { createCodesExport } from "./codes-export.ts";
import { writeErrorReport } from "./error-report.ts";
import { writeListingWorkbook, writeReportWorkbook } from "./report-workbook.ts";
import { sheetText } from "./sheet-text.ts";

/** Text PostgreSQL stores but XML 1.0 cannot carry, between ordinary characters. */
const HOSTILE = "a\uffffb\ufffec\u0001d\u001fe\ud800f";
const SHOWN = "a\ufffdb\ufffdc\ufffdd\ufffde\ufffdf";

async function streamed(write: (output: PassThrough) => Promise<void>): Promise<Buffer> {
  const output = new PassThrough();
  const chunks: Buffer[] = [];
  output.on("data", (chunk: Buffer) => chunks.push(chunk));
  const finished = new Promise((resolve) => output.on("end", resolve));
  await write(output);
  await finished;
  return Buffer.concat(chunks);
}

async function sheetRows(bytes: Buffer, name: string): Promise<unknown[][]> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  const rows: unknown[][] = [];
  workbook.getWorksheet(name)?.eachRow((row) => {
    rows.push((row.values as unknown[]).slice(1));
  });
  return rows;
}

describe("sheetText", () => {
  it("replaces what XML 1.0 cannot carry with U+FFFD and keeps the rest, tab, line breaks and pairs included", () => {
    expect(sheetText(HOSTILE)).toBe(SHOWN);
    const kept = "tab\there\nline\r\n優惠 😀 \ufffd";
    expect(sheetText(kept)).toBe(kept);
  });
});

describe("every .xlsx writer carries text an XML sheet cannot hold as U+FFFD", () => {
  it("the codes export", async () => {
    const bytes = await streamed(async (output) => {
      const codes = createCodesExport(output);
      codes.addRow({
        code: "ABC123",
        state: "active",
        uses: 1,
        orderNumbers: [HOSTILE],
        campaign: HOSTILE,
        createdAt: new Date(0),
      });
      await codes.finish();
    });
    expect((await sheetRows(bytes, "Codes"))[1]).toEqual([
      "ABC123",
      "active",
      1,
      SHOWN,
      SHOWN,
      "1970-01-01T00:00:00.000Z",
    ]);
  });

  it("the report and the listing workbooks", async () => {
    const columns = [
      { header: "Name", value: (row: { name: string }) => row.name },
      { header: "Count", value: () => 2 },
    ];
    const report = await streamed((output) =>
      writeReportWorkbook(output, {
        columns,
        rows: [{ name: HOSTILE }],
        totalColumns: columns,
        totals: [{ name: HOSTILE }],
      }),
    );
    expect(await sheetRows(report, "Report")).toEqual([
      ["Name", "Count"],
      [SHOWN, 2],
    ]);
    expect(await sheetRows(report, "Totals")).toEqual([
      ["Name", "Count"],
      [SHOWN, 2],
    ]);
    const listing = await streamed((output) =>
      writeListingWorkbook(output, {
        sheet: "Actions",
        columns,
        pages: (async function* () {
          yield [{ name: HOSTILE }];
        })(),
      }),
    );
    expect(await sheetRows(listing, "Actions")).toEqual([
      ["Name", "Count"],
      [SHOWN, 2],
    ]);
  });

  it("the import error report", async () => {
    const report = await writeErrorReport({
      rows: [{ row: 2, value: HOSTILE, reason: "symbol", message: `code ${HOSTILE} holds a symbol` }],
    });
    expect((await sheetRows(report, "Errors"))[1]).toEqual([
      2,
      SHOWN,
      "symbol",
      `code ${SHOWN} holds a symbol`,
    ]);
  });
});
