import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import { REPORTED_VALUE_MAX_LENGTH, reportedValue, writeErrorReport } from "./error-report.ts";

async function rowsOf(report: Buffer): Promise<unknown[][]> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(report as unknown as ArrayBuffer);
  const sheet = workbook.getWorksheet("Errors");
  const rows: unknown[][] = [];
  sheet?.eachRow({ includeEmpty: true }, (row) => {
    rows.push((row.values as unknown[]).slice(1));
  });
  return rows;
}

describe("writeErrorReport", () => {
  it("writes a sheet Errors: header, the file problem first with no row, then every bad row", async () => {
    const report = await writeErrorReport({
      fileProblem: { reason: "too_many_codes", message: "the file holds at least 10,001 codes" },
      rows: [
        { row: 3, value: "ABCDE", reason: "too_short", message: "code must be at least 6 characters" },
        { row: 7, value: "=A1&A2", reason: "formula_without_value", message: "a formula" },
        { row: 9, value: "LIVECODE1", reason: "code_conflict", message: 'clashes with campaign "Summer"' },
        { row: null, value: "codes.xlsx", reason: "file_missing", message: "the uploaded file is gone" },
      ],
    });
    expect(await rowsOf(report)).toEqual([
      ["Row", "Value", "Reason", "Message"],
      [undefined, "", "too_many_codes", "the file holds at least 10,001 codes"],
      [3, "ABCDE", "too_short", "code must be at least 6 characters"],
      [7, "=A1&A2", "formula_without_value", "a formula"],
      [9, "LIVECODE1", "code_conflict", 'clashes with campaign "Summer"'],
      [undefined, "codes.xlsx", "file_missing", "the uploaded file is gone"],
    ]);
  });

  it("writes the header alone when there is nothing to report, and keeps values that look like numbers as text", async () => {
    expect(await rowsOf(await writeErrorReport({ rows: [] }))).toEqual([
      ["Row", "Value", "Reason", "Message"],
    ]);
    const report = await writeErrorReport({
      rows: [{ row: 2, value: "1234", reason: "number_lost_zeros", message: "m" }],
    });
    expect((await rowsOf(report))[1]).toEqual([2, "1234", "number_lost_zeros", "m"]);
  });

  it("lists a bad row's value up to 100 characters, then how many more there were", () => {
    expect(REPORTED_VALUE_MAX_LENGTH).toBe(100);
    const fits = "Q".repeat(100);
    expect(reportedValue(fits)).toBe(fits);
    expect(reportedValue(`H1${"Q".repeat(29_998)}`)).toBe(`H1${"Q".repeat(98)}… (29900 more characters)`);
    // Never half a surrogate pair at the cut.
    expect(reportedValue(`${"a".repeat(99)}😀😀`)).toBe(`${"a".repeat(99)}… (4 more characters)`);
  });
});
