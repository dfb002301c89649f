import { PassThrough } from "node:stream";
import type { Locale } from "@promo/domain";
import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import {
  createErrorReport,
  REPORTED_VALUE_MAX_LENGTH,
  type ReportRow,
  reportedValue,
} from "./error-report.ts";

/** The report of `rows` as the bytes a download would carry. */
async function reportOf(rows: readonly ReportRow[], locale: Locale = "en"): Promise<Buffer> {
  const output = new PassThrough();
  const chunks: Buffer[] = [];
  output.on("data", (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise((resolve) => output.on("end", resolve));
  const report = createErrorReport(output, { locale });
  for (const row of rows) report.addRow(row);
  await report.finish();
  await ended;
  return Buffer.concat(chunks);
}

async function rowsOf(report: Buffer, sheetName = "Errors"): Promise<unknown[][]> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(report as unknown as ArrayBuffer);
  const sheet = workbook.getWorksheet(sheetName);
  const rows: unknown[][] = [];
  sheet?.eachRow({ includeEmpty: true }, (row) => {
    rows.push((row.values as unknown[]).slice(1));
  });
  return rows;
}

describe("createErrorReport", () => {
  it("writes a sheet Errors: header, then every problem as given, one of the whole file with no row", async () => {
    const report = await reportOf([
      {
        row: null,
        value: "codes.xlsx",
        reason: "too_many_codes",
        message: "the file holds at least 10,001 codes",
      },
      { row: 3, value: "ABCDE", reason: "too_short", message: "code must be at least 6 characters" },
      { row: 7, value: "=A1&A2", reason: "formula_without_value", message: "a formula" },
      { row: 9, value: "LIVECODE1", reason: "code_conflict", message: 'clashes with campaign "Summer"' },
      { row: null, value: "codes.xlsx", reason: "file_missing", message: "the uploaded file is gone" },
    ]);
    expect(await rowsOf(report)).toEqual([
      ["Row", "Value", "Reason", "Message"],
      [undefined, "codes.xlsx", "too_many_codes", "the file holds at least 10,001 codes"],
      [3, "ABCDE", "too_short", "code must be at least 6 characters"],
      [7, "=A1&A2", "formula_without_value", "a formula"],
      [9, "LIVECODE1", "code_conflict", 'clashes with campaign "Summer"'],
      [undefined, "codes.xlsx", "file_missing", "the uploaded file is gone"],
    ]);
  });

  it("writes the header alone when there is nothing to report, and keeps values that look like numbers as text", async () => {
    expect(await rowsOf(await reportOf([]))).toEqual([["Row", "Value", "Reason", "Message"]]);
    const report = await reportOf([{ row: 2, value: "1234", reason: "number_lost_zeros", message: "m" }]);
    expect((await rowsOf(report))[1]).toEqual([2, "1234", "number_lost_zeros", "m"]);
  });

  it("names the sheet and its column headers in the language asked for", async () => {
    const rows = [{ row: 2, value: "ABCDE", reason: "too_short", message: "優惠碼最少需6個字元" }];
    expect(await rowsOf(await reportOf(rows, "zh-TW"), "錯誤")).toEqual([
      ["列", "內容", "原因", "說明"],
      [2, "ABCDE", "too_short", "優惠碼最少需6個字元"],
    ]);
  });

  it("lists a bad row's value up to 100 characters, then how many more there were", () => {
    expect(REPORTED_VALUE_MAX_LENGTH).toBe(100);
    const fits = "Q".repeat(100);
    expect(reportedValue(fits)).toBe(fits);
    expect(reportedValue(`H1${"Q".repeat(29_998)}`)).toBe(`H1${"Q".repeat(98)}… (29900 more characters)`);
    // Never half a surrogate pair at the cut, and an emoji counts as the one character it is.
    expect(reportedValue(`${"a".repeat(99)}😀😀`)).toBe(`${"a".repeat(99)}… (2 more characters)`);
    expect(reportedValue(`${"a".repeat(99)}😀${"b".repeat(10)}`)).toBe(
      `${"a".repeat(99)}… (11 more characters)`,
    );
  });
});
