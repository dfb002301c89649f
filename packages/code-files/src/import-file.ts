// Reading an uploaded code file (SPEC §4): .xlsx through exceljs's streaming reader, .csv by a small
// RFC 4180 reader of our own (exceljs's CSV reader turns "001234" into the number 1234). Only the
// first worksheet and its first column are read. No I/O beyond the bytes given.
import { Readable } from "node:stream";
import { CODE_FORMAT_MESSAGES, type CodeFormatProblem, checkCodeFormat } from "@promo/domain";
import ExcelJS from "exceljs";

export type ImportFileKind = "xlsx" | "csv";

export type FileProblem = {
  reason: "empty_file" | "unsupported_type" | "corrupt_file" | "too_many_codes" | "no_codes";
  message: string;
};

export type RowProblemReason =
  | CodeFormatProblem
  | "duplicate"
  | "number_lost_zeros"
  | "not_an_integer"
  | "formula_without_value"
  | "unsupported_value";

export type ImportRowProblem = { row: number; value: string; reason: RowProblemReason; message: string };

export type ImportedCode = { row: number; code: string; codeKey: string };

export type ImportCheck =
  | { ok: true; codes: ImportedCode[] }
  | { ok: false; fileProblem?: FileProblem; rows: ImportRowProblem[] };

/** A first non-empty row whose first cell is one of these (trimmed, lower-cased) is a header. */
export const HEADER_NAMES: readonly string[] = [
  "code",
  "codes",
  "promo code",
  "promo_code",
  "promocode",
  "coupon",
  "coupon code",
  "discount code",
  "優惠碼",
  "優惠代碼",
  "折扣碼",
  "代碼",
];

const ZIP_SIGNATURE = [0x50, 0x4b, 0x03, 0x04];

/** Which reader a file needs, judged by its name and its first bytes. */
export function detectImportFileKind(
  bytes: Uint8Array,
  fileName: string,
): { ok: true; kind: ImportFileKind } | { ok: false; problem: FileProblem } {
  if (bytes.byteLength === 0)
    return { ok: false, problem: { reason: "empty_file", message: "the file is empty" } };
  const name = fileName.toLowerCase();
  if (name.endsWith(".xlsx")) {
    if (ZIP_SIGNATURE.every((byte, index) => bytes[index] === byte)) return { ok: true, kind: "xlsx" };
    return {
      ok: false,
      problem: {
        reason: "unsupported_type",
        message: "the file is named .xlsx but is not an .xlsx (zip) workbook, e.g. a renamed text file",
      },
    };
  }
  if (name.endsWith(".csv")) {
    if (bytes.includes(0) || !isUtf8(bytes)) {
      return {
        ok: false,
        problem: { reason: "unsupported_type", message: "the .csv file is not UTF-8 text" },
      };
    }
    return { ok: true, kind: "csv" };
  }
  return {
    ok: false,
    problem: { reason: "unsupported_type", message: "only .xlsx and .csv files can be imported" },
  };
}

function isUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** A cell as read: its text, or why it cannot be a code. */
type CellReading =
  | { kind: "empty" }
  | { kind: "text"; text: string }
  | { kind: "bad"; value: string; reason: RowProblemReason; message: string };

const NUMBER_MESSAGE =
  "the cell holds a number, so Excel dropped any leading zeros (001234 became 1234); format the column as Text and type the codes again";

function readNumber(value: number): CellReading {
  if (!Number.isSafeInteger(value) || value < 0) {
    return {
      kind: "bad",
      value: String(value),
      reason: "not_an_integer",
      message: "a number that is not a whole, positive number cannot be a code",
    };
  }
  const digits = String(value);
  if (digits.length < 6)
    return { kind: "bad", value: digits, reason: "number_lost_zeros", message: NUMBER_MESSAGE };
  return { kind: "text", text: digits };
}

function readCell(value: unknown): CellReading {
  if (value === null || value === undefined) return { kind: "empty" };
  if (typeof value === "string")
    return value.trim() === "" ? { kind: "empty" } : { kind: "text", text: value.trim() };
  if (typeof value === "number") return readNumber(value);
  if (typeof value === "object") {
    const cell = value as Record<string, unknown>;
    if (Array.isArray(cell.richText)) {
      const text = (cell.richText as { text?: unknown }[]).map((part) => String(part.text ?? "")).join("");
      return readCell(text);
    }
    if ("formula" in cell || "sharedFormula" in cell) {
      const result = cell.result;
      if (
        result === undefined ||
        result === null ||
        (typeof result === "object" && "error" in (result as object))
      ) {
        return {
          kind: "bad",
          value: `=${String(cell.formula ?? cell.sharedFormula ?? "")}`,
          reason: "formula_without_value",
          message: "a formula without a computed value: save the file in Excel first, or paste the values",
        };
      }
      return readCell(result);
    }
    if (typeof cell.text === "string") return readCell(cell.text);
  }
  return {
    kind: "bad",
    value: value instanceof Date ? value.toISOString() : String(value),
    reason: "unsupported_value",
    message: "the cell is not text (a date, a true/false or an error value)",
  };
}

/** Checks rows as they come: code rules, duplicates (any letter case), the header, the size cap. */
function createRowChecker(maxCodes: number) {
  const codes: ImportedCode[] = [];
  const problems: ImportRowProblem[] = [];
  const firstRowOf = new Map<string, number>();
  let seenData = false;
  let dataRows = 0;
  return {
    /** false once the file holds more than maxCodes codes (stop reading). */
    add(row: number, reading: CellReading): boolean {
      if (reading.kind === "empty") return true;
      if (!seenData) {
        seenData = true;
        if (reading.kind === "text" && HEADER_NAMES.includes(reading.text.toLowerCase())) return true;
      }
      dataRows += 1;
      if (dataRows > maxCodes) return false;
      if (reading.kind === "bad") {
        problems.push({ row, value: reading.value, reason: reading.reason, message: reading.message });
        return true;
      }
      const checked = checkCodeFormat(reading.text);
      if (!checked.ok) {
        problems.push({
          row,
          value: reading.text,
          reason: checked.reason,
          message: `code ${CODE_FORMAT_MESSAGES[checked.reason].en}`,
        });
        return true;
      }
      const first = firstRowOf.get(checked.codeKey);
      if (first !== undefined) {
        problems.push({
          row,
          value: reading.text,
          reason: "duplicate",
          message: `duplicate of row ${first} (codes are case-insensitive)`,
        });
        return true;
      }
      firstRowOf.set(checked.codeKey, row);
      codes.push({ row, code: checked.code, codeKey: checked.codeKey });
      return true;
    },
    result(): ImportCheck {
      if (dataRows > maxCodes) {
        return {
          ok: false,
          fileProblem: {
            reason: "too_many_codes",
            message: `the file holds more than ${maxCodes.toLocaleString("en")} codes; at most ${maxCodes.toLocaleString("en")} per file`,
          },
          rows: [],
        };
      }
      if (dataRows === 0) {
        return {
          ok: false,
          fileProblem: { reason: "no_codes", message: "the file holds no codes" },
          rows: [],
        };
      }
      return problems.length > 0 ? { ok: false, rows: problems } : { ok: true, codes };
    },
  };
}

/** Reads the file and checks every row; lists every bad row, or one problem for the whole file. */
export async function readImportFile(
  bytes: Uint8Array,
  kind: ImportFileKind,
  options: { maxCodes: number },
): Promise<ImportCheck> {
  const checker = createRowChecker(options.maxCodes);
  if (kind === "csv") {
    for (const [row, field] of csvFirstFields(new TextDecoder("utf-8").decode(bytes))) {
      if (!checker.add(row, readCell(field))) break;
    }
    return checker.result();
  }
  const input = Readable.from([Buffer.from(bytes)]);
  try {
    const workbook = new ExcelJS.stream.xlsx.WorkbookReader(input, {
      sharedStrings: "cache",
      hyperlinks: "ignore",
      styles: "cache",
      worksheets: "emit",
      entries: "ignore",
    });
    let sheets = 0;
    // The first worksheet only: later sheets are ignored (documented for merchants).
    sheetLoop: for await (const worksheet of workbook) {
      sheets += 1;
      for await (const row of worksheet) {
        if (!checker.add(row.number, readCell(row.getCell(1).value))) break sheetLoop;
      }
      break;
    }
    if (sheets === 0) return corrupt("the workbook holds no worksheet");
  } catch (error) {
    return corrupt((error as Error).message);
  } finally {
    input.destroy();
  }
  return checker.result();
}

function corrupt(detail: string): ImportCheck {
  return {
    ok: false,
    fileProblem: {
      reason: "corrupt_file",
      message: `the .xlsx file cannot be read (corrupt or not a workbook): ${detail}`,
    },
    rows: [],
  };
}

/** [row number, first field] of every line of a CSV text (RFC 4180 quoting, CRLF or LF, BOM dropped). */
export function* csvFirstFields(text: string): Generator<[number, string]> {
  let index = text.startsWith("\ufeff") ? 1 : 0;
  let row = 1;
  while (index < text.length) {
    let field = "";
    let fieldIndex = 0;
    let first = "";
    for (;;) {
      if (text[index] === '"') {
        index += 1;
        for (;;) {
          if (index >= text.length) break;
          if (text[index] === '"') {
            if (text[index + 1] === '"') {
              field += '"';
              index += 2;
              continue;
            }
            index += 1;
            break;
          }
          field += text[index];
          index += 1;
        }
      }
      while (index < text.length && text[index] !== "," && text[index] !== "\n" && text[index] !== "\r") {
        field += text[index];
        index += 1;
      }
      if (fieldIndex === 0) first = field;
      field = "";
      fieldIndex += 1;
      if (text[index] === ",") {
        index += 1;
        continue;
      }
      break;
    }
    if (text[index] === "\r") index += 1;
    if (text[index] === "\n") index += 1;
    yield [row, first];
    row += 1;
  }
}
