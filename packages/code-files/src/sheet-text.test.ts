import { PassThrough } from "node:stream";
import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import { createCodesExport, orderNumbersCell } from "./codes-export.ts";
import { createErrorReport, type ReportRow } from "./error-report.ts";
import { writeListingWorkbook, writeReportWorkbook } from "./report-workbook.ts";
import { SHEET_CELL_MAX_LENGTH, sheetText } from "./sheet-text.ts";

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

  it("ends a text longer than a cell holds at the limit, saying how much was left out", () => {
    const fits = "Z".repeat(SHEET_CELL_MAX_LENGTH);
    expect(sheetText(fits)).toBe(fits);
    const long = sheetText(`T1${"Z".repeat(40_000)}`);
    // Kept: the limit less the longest note (five digits); the note then has four.
    const kept = SHEET_CELL_MAX_LENGTH - "… (40002 more characters)".length;
    expect(long).toBe(`T1${"Z".repeat(kept - 2)}… (${40_002 - kept} more characters)`);
    expect(long).toHaveLength(SHEET_CELL_MAX_LENGTH - 1);
    // Never half a surrogate pair at the cut.
    for (const shift of [0, 1]) {
      const emoji = sheetText("a".repeat(shift) + "😀".repeat(20_000));
      expect(emoji.length).toBeLessThanOrEqual(SHEET_CELL_MAX_LENGTH);
      expect(emoji).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
      const [kept = "", note = ""] = emoji.split("…");
      // The note counts characters as a reader does: an emoji is one.
      expect([...kept].length + Number(/\((\d+) more/.exec(note)?.[1])).toBe(shift + 20_000);
    }
  });
});

describe("orderNumbersCell", () => {
  it("joins a code's order numbers, or as many whole ones as a cell holds and how many more there are", () => {
    expect(orderNumbersCell([])).toBe("");
    expect(orderNumbersCell(["ORD-1", "ORD-2"])).toBe("ORD-1, ORD-2");
    const numbers = Array.from(
      { length: 3_000 },
      (_, index) => `ORDER-2026-${String(index).padStart(6, "0")}`,
    );
    const cell = orderNumbersCell(numbers);
    expect(cell.length).toBeLessThanOrEqual(SHEET_CELL_MAX_LENGTH);
    const [shown, more] = cell.split(", … and ");
    const kept = shown?.split(", ") ?? [];
    expect(kept).toEqual(numbers.slice(0, kept.length));
    expect(more).toBe(`${numbers.length - kept.length} more`);
    // As many as fit: one more would not.
    expect(
      `${shown}, ${numbers[kept.length]}, … and ${numbers.length - kept.length - 1} more`.length,
    ).toBeGreaterThan(SHEET_CELL_MAX_LENGTH);
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

  it("the codes export, with more order numbers than a cell holds", async () => {
    const orderNumbers = Array.from({ length: 260 }, (_, index) => `${index}`.padStart(128, "O"));
    const bytes = await streamed(async (output) => {
      const codes = createCodesExport(output);
      codes.addRow({
        code: "T1MANYORD",
        state: "active",
        uses: 260,
        orderNumbers,
        campaign: "c",
        createdAt: new Date(0),
      });
      await codes.finish();
    });
    const cell = String((await sheetRows(bytes, "Codes"))[1]?.[3]);
    expect(cell).toBe(orderNumbersCell(orderNumbers));
    expect(cell.length).toBeLessThanOrEqual(SHEET_CELL_MAX_LENGTH);
    expect(cell).toMatch(/, … and \d+ more$/);
  });

  const errorReportOf = (row: ReportRow) =>
    streamed(async (output) => {
      const report = createErrorReport(output, { locale: "en" });
      report.addRow(row);
      await report.finish();
    });

  it("the import error report", async () => {
    const report = await errorReportOf({
      row: 2,
      value: HOSTILE,
      reason: "symbol",
      message: `code ${HOSTILE} holds a symbol`,
    });
    expect((await sheetRows(report, "Errors"))[1]).toEqual([
      2,
      SHOWN,
      "symbol",
      `code ${SHOWN} holds a symbol`,
    ]);
    // A value longer than a cell holds (an over-long code is itself a `too_long` row) is cut.
    const long = await errorReportOf({
      row: 2,
      value: `T1${"Z".repeat(40_000)}`,
      reason: "too_long",
      message: "code is too long",
    });
    const value = String((await sheetRows(long, "Errors"))[1]?.[1]);
    expect(value.length).toBeLessThanOrEqual(SHEET_CELL_MAX_LENGTH);
    expect(value).toMatch(/^T1Z+… \(\d+ more characters\)$/);
  });
});
