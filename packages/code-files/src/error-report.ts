import ExcelJS from "exceljs";
import type { FileProblem, ImportRowProblem } from "./import-file.ts";

/** A bad row as the report shows it; the importer adds clashes with existing codes. */
export type ReportRow = Omit<ImportRowProblem, "reason" | "row"> & { row: number | null; reason: string };

/** The bad rows of an import as an .xlsx: Row | Value | Reason | Message, a file-level problem first. */
export async function writeErrorReport(input: {
  fileProblem?: FileProblem;
  rows: readonly ReportRow[];
}): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet("Errors");
  sheet.columns = [
    { header: "Row", key: "row", width: 8 },
    { header: "Value", key: "value", width: 30 },
    { header: "Reason", key: "reason", width: 24 },
    { header: "Message", key: "message", width: 80 },
  ];
  if (input.fileProblem) {
    sheet.addRow({
      row: null,
      value: "",
      reason: input.fileProblem.reason,
      message: input.fileProblem.message,
    });
  }
  for (const problem of input.rows) sheet.addRow(problem);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
