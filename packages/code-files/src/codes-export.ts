import type { Stream } from "node:stream";
import ExcelJS from "exceljs";
import { continuedSheetName, SHEET_CELL_MAX_LENGTH, SHEET_MAX_ROWS, sheetText } from "./sheet-text.ts";

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
/** Codes a sheet of the export holds: as many as fit under its header row in Excel. */
export const CODES_PER_EXPORT_SHEET = SHEET_MAX_ROWS - 1;

/** The name of the export's `number`th sheet (from 1): "Codes", "Codes (2)", "Codes (3)", ... */
export function codesExportSheetName(number: number): string {
  return continuedSheetName(CODES_EXPORT_SHEET, number);
}

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
 * A streaming .xlsx of codes written to `output`: sheet "Codes", and when a campaign has more codes
 * than a sheet holds in Excel (1,048,575 under the header), "Codes (2)", "Codes (3)", ... each with
 * the header row. Order numbers are joined with ", ", the creation time is an ISO 8601 UTC string.
 * Inline strings and no styles keep the writer's memory flat; the caller handles the output's
 * backpressure (wait for "drain" between pages). `codesPerSheet` is for tests.
 */
export function createCodesExport(
  output: NodeJS.WritableStream,
  options: { codesPerSheet?: number } = {},
): CodesExport {
  const codesPerSheet = options.codesPerSheet ?? CODES_PER_EXPORT_SHEET;
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    // exceljs's types want the Stream class; any writable stream works.
    stream: output as unknown as Stream,
    useStyles: false,
    useSharedStrings: false,
  });
  let sheets = 0;
  const addSheet = () => {
    sheets += 1;
    const added = workbook.addWorksheet(codesExportSheetName(sheets));
    added.addRow(CODES_EXPORT_HEADER).commit();
    return added;
  };
  let sheet = addSheet();
  let rowsInSheet = 0;
  return {
    addRow(row) {
      if (rowsInSheet === codesPerSheet) {
        sheet.commit();
        sheet = addSheet();
        rowsInSheet = 0;
      }
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
      rowsInSheet += 1;
    },
    async finish() {
      sheet.commit();
      await workbook.commit();
    },
  };
}
