import type { Stream } from "node:stream";
import ExcelJS from "exceljs";
import { continuedSheetName, SHEET_MAX_ROWS, sheetCell } from "./sheet-text.ts";

export type ReportColumn<Row> = { header: string; value: (row: Row) => string | number | null };

export const REPORT_ROWS_SHEET = "Report";
export const REPORT_TOTALS_SHEET = "Totals";
/** The last row of a "Report" sheet cut at the request's `limit`. */
export const TRUNCATED_NOTE =
  "(more rows exist: only the busiest are listed, up to the request's limit; the totals cover them all)";

/**
 * A report as .xlsx streamed to `output`: sheet "Report" (one row per group) and sheet "Totals" (one
 * row per currency), each with a header row; numbers stay numbers (money in minor units, as in JSON).
 * A report cut at its limit says so in a last row of "Report", as JSON says `truncated`.
 */
export async function writeReportWorkbook<Row, Total>(
  output: NodeJS.WritableStream,
  report: {
    columns: readonly ReportColumn<Row>[];
    rows: readonly Row[];
    totalColumns: readonly ReportColumn<Total>[];
    totals: readonly Total[];
    /** More rows exist than `rows` holds (the JSON's `truncated`): said in a last row of "Report". */
    truncated?: boolean;
  },
): Promise<void> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: output as unknown as Stream,
    useStyles: false,
    useSharedStrings: false,
  });
  const addSheet = <T>(
    name: string,
    columns: readonly ReportColumn<T>[],
    rows: readonly T[],
    notes: readonly string[] = [],
  ) => {
    const sheet = workbook.addWorksheet(name);
    sheet.addRow(columns.map((column) => column.header)).commit();
    for (const row of rows) sheet.addRow(columns.map((column) => sheetCell(column.value(row)))).commit();
    for (const note of notes) sheet.addRow([note]).commit();
    sheet.commit();
  };
  addSheet(REPORT_ROWS_SHEET, report.columns, report.rows, report.truncated ? [TRUNCATED_NOTE] : []);
  addSheet(REPORT_TOTALS_SHEET, report.totalColumns, report.totals);
  await workbook.commit();
}

export const ACTIONS_SHEET = "Actions";

/**
 * A listing as .xlsx streamed to `output`, sheets with a header row each; rows arrive page by page,
 * so a listing of any length is never held in memory whole. Past what a sheet holds in Excel
 * (1,048,575 rows under the header) it goes on to "<sheet> (2)", "<sheet> (3)", ...
 * `rowsPerSheet` is for tests.
 */
export async function writeListingWorkbook<Row>(
  output: NodeJS.WritableStream,
  listing: { sheet: string; columns: readonly ReportColumn<Row>[]; pages: AsyncIterable<readonly Row[]> },
  options: { rowsPerSheet?: number } = {},
): Promise<void> {
  const rowsPerSheet = options.rowsPerSheet ?? SHEET_MAX_ROWS - 1;
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: output as unknown as Stream,
    useStyles: false,
    useSharedStrings: false,
  });
  let sheets = 0;
  const addSheet = () => {
    sheets += 1;
    const added = workbook.addWorksheet(continuedSheetName(listing.sheet, sheets));
    added.addRow(listing.columns.map((column) => column.header)).commit();
    return added;
  };
  let sheet = addSheet();
  let rowsInSheet = 0;
  for await (const page of listing.pages)
    for (const row of page) {
      if (rowsInSheet === rowsPerSheet) {
        sheet.commit();
        sheet = addSheet();
        rowsInSheet = 0;
      }
      sheet.addRow(listing.columns.map((column) => sheetCell(column.value(row)))).commit();
      rowsInSheet += 1;
    }
  sheet.commit();
  await workbook.commit();
}
