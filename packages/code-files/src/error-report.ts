import ExcelJS from "exceljs";
import type { FileProblem, ImportRowProblem, RowProblemReason } from "./import-file.ts";
import { sheetText } from "./sheet-text.ts";

/** The reasons a row of an import is refused: the file's own, and a clash with existing codes. */
export type ReportRowReason = RowProblemReason | "code_conflict";

/**
 * A line of the error report: a bad row (a ReportRowReason), or a problem of the whole file or job,
 * which has no row. The reason stays a string because the import job also reports job-level reasons
 * (e.g. file_missing) through the same rows.
 */
export type ReportRow = Omit<ImportRowProblem, "row" | "reason"> & {
  row: number | null;
  reason: ReportRowReason | (string & {});
};

export type ErrorReportInput = { fileProblem?: FileProblem; rows: readonly ReportRow[] };

export const ERROR_REPORT_SHEET = "Errors";

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
