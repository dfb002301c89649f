import ExcelJS from "exceljs";
import type { FileProblem, RowProblemReason } from "./import-file.ts";
import { cutText, sheetText } from "./sheet-text.ts";

/** The reasons a row of an import is refused: the file's own, and a clash with existing codes. */
export type ReportRowReason = RowProblemReason | "code_conflict";

/**
 * A line of the error report: a bad row (a ReportRowReason), or a problem of the whole file or job,
 * which has no row. The reason stays a string because the import job also reports job-level reasons
 * (e.g. file_missing) through the same rows.
 */
export type ReportRow = {
  row: number | null;
  value: string;
  reason: ReportRowReason | (string & {});
  message: string;
};

export type ErrorReportInput = {
  fileProblem?: Pick<FileProblem, "reason" | "message">;
  rows: readonly ReportRow[];
};

export const ERROR_REPORT_SHEET = "Errors";

/**
 * The most characters of a bad row's value a job lists (its JSON errors and its error report). A
 * code has at most 64, so this shows all of any cell that could have been one; a longer value ends
 * there with `… (N more characters)`. Unbounded, 10,000 rows pointing at one 30,000-character shared
 * string made a job's errors about 300 MB, more than PostgreSQL stores in one jsonb value.
 */
export const REPORTED_VALUE_MAX_LENGTH = 100;

/** A bad row's value as a job lists it: at most REPORTED_VALUE_MAX_LENGTH characters and a note. */
export function reportedValue(value: string): string {
  return cutText(value, REPORTED_VALUE_MAX_LENGTH);
}

/**
 * The problems of an import as an .xlsx: one sheet "Errors", columns Row | Value | Reason | Message,
 * the file-level problem first (with an empty Row), then one line per bad row.
 */
export async function writeErrorReport(input: ErrorReportInput): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet(ERROR_REPORT_SHEET);
  sheet.columns = [
    { header: "Row", key: "row", width: 8 },
    { header: "Value", key: "value", width: 30 },
    { header: "Reason", key: "reason", width: 24 },
    { header: "Message", key: "message", width: 100 },
  ];
  if (input.fileProblem) {
    sheet.addRow({
      row: null,
      value: "",
      reason: input.fileProblem.reason,
      message: sheetText(input.fileProblem.message),
    });
  }
  for (const problem of input.rows) {
    sheet.addRow({
      row: problem.row,
      value: sheetText(problem.value),
      reason: problem.reason,
      message: sheetText(problem.message),
    });
  }
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
