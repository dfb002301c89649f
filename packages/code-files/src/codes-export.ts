import type { Stream } from "node:stream";
import ExcelJS from "exceljs";
import { SHEET_CELL_MAX_LENGTH, sheetText } from "./sheet-text.ts";

export type ExportRow = {
  code: string;
  state: string;
  uses: number;
  orderNumbers: readonly string[];
  campaign: string;
  createdAt: Date;
};

export type CodesExport = {
  /** Writes the row out at once (committed), so memory stays bounded however many rows come. */
  addRow(row: ExportRow): void;
  /** Ends the sheet and the workbook; call once, after the last row. */
  finish(): Promise<void>;
};

export const CODES_EXPORT_SHEET = "Codes";
export const CODES_EXPORT_HEADER = ["Code", "State", "Uses", "Order numbers", "Campaign", "Created at"];

/**
 * A code's order numbers, oldest first, joined with ", ", as one cell holds them: when they would
 * not fit (about 1,700 orders of 17 characters), as many whole ones as fit and then how many more
 * there are; the code lookup (`GET /v1/codes/:code`) lists them all.
 */
export function orderNumbersCell(orderNumbers: readonly string[]): string {
  const shown = orderNumbers.map(sheetText);
  const all = shown.join(", ");
  if (all.length <= SHEET_CELL_MAX_LENGTH) return all;
  const more = (count: number) => `, … and ${count} more`;
  let length = 0;
  let kept = 0;
  for (const number of shown) {
    const next = length + (kept > 0 ? 2 : 0) + number.length;
    if (next + more(shown.length - kept - 1).length > SHEET_CELL_MAX_LENGTH) break;
    length = next;
    kept += 1;
  }
  const head = shown.slice(0, kept).join(", ");
  return kept > 0 ? head + more(shown.length - kept) : `… ${shown.length} order numbers`;
}

/**
 * A streaming .xlsx of codes written to `output` (one sheet "Codes"): order numbers joined with ", ",
 * the creation time as an ISO 8601 UTC string. Inline strings and no styles keep the writer's memory
 * flat; the caller handles the output's backpressure (wait for "drain" between pages).
 */
export function createCodesExport(output: NodeJS.WritableStream): CodesExport {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    // exceljs's types want the Stream class; any writable stream works.
    stream: output as unknown as Stream,
    useStyles: false,
    useSharedStrings: false,
  });
  const sheet = workbook.addWorksheet(CODES_EXPORT_SHEET);
  sheet.addRow(CODES_EXPORT_HEADER).commit();
  return {
    addRow(row) {
      sheet
        .addRow([
          row.code,
          row.state,
          row.uses,
          orderNumbersCell(row.orderNumbers),
          sheetText(row.campaign),
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
