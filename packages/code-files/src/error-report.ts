import type { Stream } from "node:stream";
import type { Locale } from "@promo/domain";
import ExcelJS from "exceljs";
import type { RowProblemReason } from "./import-file.ts";
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

const HEADERS: Readonly<Record<Locale, readonly string[]>> = {
  en: ["Row", "Value", "Reason", "Message"],
  "zh-TW": ["列", "內容", "原因", "說明"],
};

/** The report's one sheet, named in the reader's language. */
export const ERROR_REPORT_SHEET: Readonly<Record<Locale, string>> = { en: "Errors", "zh-TW": "錯誤" };

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

export type ErrorReport = {
  /** Writes the line out at once (committed), so memory stays flat however many lines come. */
  addRow(row: ReportRow): void;
  /** Ends the sheet and the workbook; call once, after the last line. */
  finish(): Promise<void>;
};

/**
 * The problems of an import as a streaming .xlsx written to `output`: one sheet "Errors", columns
 * Row | Value | Reason | Message (headers in `locale`; the reason stays the machine-readable one),
 * one line per problem as given (a problem of the whole file or job has an empty Row). Inline
 * strings keep a value that looks like a number as the text it is. The caller handles the output's
 * backpressure.
 */
export function createErrorReport(output: NodeJS.WritableStream, options: { locale: Locale }): ErrorReport {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    // exceljs's types want the Stream class; any writable stream works.
    stream: output as unknown as Stream,
    useStyles: false,
    useSharedStrings: false,
  });
  const sheet = workbook.addWorksheet(ERROR_REPORT_SHEET[options.locale]);
  sheet.columns = [{ width: 8 }, { width: 30 }, { width: 24 }, { width: 100 }];
  sheet.addRow([...HEADERS[options.locale]]).commit();
  return {
    addRow(problem) {
      sheet
        .addRow([problem.row, sheetText(problem.value), problem.reason, sheetText(problem.message)])
        .commit();
    },
    async finish() {
      sheet.commit();
      await workbook.commit();
    },
  };
}
