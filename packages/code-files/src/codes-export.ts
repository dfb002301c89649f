import ExcelJS from "exceljs";

export type ExportRow = {
  code: string;
  state: string;
  uses: number;
  orderNumbers: readonly string[];
  campaign: string;
  createdAt: Date;
};

/**
 * A streaming .xlsx of codes written to `output`: each row is committed as it is added, so memory
 * stays bounded however many codes there are. Call finish() once, after the last row.
 */
export function createCodesExport(output: NodeJS.WritableStream): {
  addRow(row: ExportRow): void;
  finish(): Promise<void>;
} {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: output as unknown as import("node:stream").Stream,
    useStyles: false,
    useSharedStrings: false,
  });
  const sheet = workbook.addWorksheet("Codes");
  sheet.addRow(["Code", "State", "Uses", "Order numbers", "Campaign", "Created at"]).commit();
  return {
    addRow(row) {
      sheet
        .addRow([
          row.code,
          row.state,
          row.uses,
          row.orderNumbers.join(", "),
          row.campaign,
          row.createdAt.toISOString(),
        ])
        .commit();
    },
    async finish() {
      sheet.commit();
      await workbook.commit();
    },
  };
}
