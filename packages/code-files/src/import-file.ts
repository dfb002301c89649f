// Reading an uploaded code file (SPEC §4): an .xlsx through exceljs's streaming reader, a .csv through
// a small RFC 4180 reader of our own. Only the FIRST worksheet (the first visible tab) and its FIRST
// column are read; other sheets and columns are ignored. Every row is checked against the code rules
// of @promo/domain and for duplicates; every bad row is listed. No I/O beyond the bytes given.
import { Readable } from "node:stream";
import {
  type CodeFormatProblem,
  type CorruptDetail,
  checkCodeFormat,
  type DescribedJobProblem,
  jobProblem,
} from "@promo/domain";
import ExcelJS from "exceljs";
import { countCsvRows, readCsvFirstFields } from "./csv.ts";
import { MAX_UNPACKED_BYTES, packFirstWorksheet } from "./xlsx-package.ts";

export type ImportFileKind = "xlsx" | "csv";

/** Why an upload is refused before it becomes a job (an HTTP error's field message, in English). */
export type UploadProblem = { reason: "empty_file" | "unsupported_type"; message: string };

/** Why a whole file is refused (nothing in it is looked at row by row). */
export type FileProblemReason = "corrupt_file" | "file_too_large" | "too_many_codes" | "no_codes";

/** Reason, parameters and English message: @promo/domain's job problems word it in each locale. */
export type FileProblem = DescribedJobProblem<FileProblemReason>;

/** Why one row of a file is refused. */
export type RowProblemReason =
  | CodeFormatProblem
  | "duplicate"
  | "number_lost_zeros"
  | "not_an_integer"
  | "formula_without_value"
  | "unsupported_value"
  | "unclosed_quote";

export type ImportRowProblem = { row: number; value: string } & DescribedJobProblem<RowProblemReason>;

export type ImportedCode = { row: number; code: string; codeKey: string };

/** The first row, read as a header and not imported: the job's result names it. */
export type SkippedHeader = { row: number; value: string };

/**
 * The file's codes, or why it is refused: one problem for the whole file (then `rows` and `codes`
 * are empty), or its bad rows. With bad rows, `codes` still holds the rows that passed, not to be
 * imported but to be checked against the stored codes too, so that one upload lists every bad row.
 */
export type ImportCheck =
  | { ok: true; codes: ImportedCode[]; header?: SkippedHeader }
  | {
      ok: false;
      fileProblem?: FileProblem;
      rows: ImportRowProblem[];
      codes: ImportedCode[];
      header?: SkippedHeader;
    };

export type ImportFileDetection = { ok: true; kind: ImportFileKind } | { ok: false; problem: UploadProblem };

export type ImportReadOptions = {
  /** More non-empty data rows than this refuse the file (too_many_codes); reading stops there. */
  maxCodes: number;
  /** The workbook parts read may unpack to at most this many bytes (default MAX_UNPACKED_BYTES). */
  maxUnpackedBytes?: number;
};

/**
 * The words a header of a column of codes is written with: a first non-empty row whose first cell
 * is one of them is a header, in any letter case, with or without blanks, underscores, hyphens or
 * dots between its words and in the plural (`Coupons`, `PromoCodes`, `discount_code`, `Voucher
 * Codes`). Any other first cell is a code: a header such as `Coupons`, taken for a code, was a
 * working code any guesser tries first.
 */
export const HEADER_NAMES: readonly string[] = [
  "code",
  "promo code",
  "coupon",
  "coupon code",
  "discount code",
  "voucher",
  "voucher code",
  "優惠碼",
  "優惠代碼",
  "優惠券",
  "折價券",
  "兌換碼",
  "折扣碼",
  "代碼",
];
const HEADER_KEYS = new Set(HEADER_NAMES.map((name) => name.replace(/ /g, "")));

/** Whether a first row's (trimmed) first cell is a header: HEADER_NAMES, written as they say. */
export function isHeaderCell(text: string): boolean {
  const key = text.toLowerCase().replace(/[\s_.-]+/g, "");
  return HEADER_KEYS.has(key) || (key.endsWith("s") && HEADER_KEYS.has(key.slice(0, -1)));
}

const ZIP_SIGNATURE = [0x50, 0x4b, 0x03, 0x04];
/** Old .xls workbooks and password-protected .xlsx files are OLE compound files. */
const OLE_SIGNATURE = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

const startsWith = (bytes: Uint8Array, signature: readonly number[]) =>
  signature.every((byte, index) => bytes[index] === byte);

/** Which reader a file needs, judged by its name (.xlsx or .csv, any letter case) and first bytes. */
export function detectImportFileKind(bytes: Uint8Array, fileName: string): ImportFileDetection {
  const refuse = (reason: UploadProblem["reason"], message: string): ImportFileDetection => ({
    ok: false,
    problem: { reason, message },
  });
  if (bytes.byteLength === 0) return refuse("empty_file", "the file is empty (0 bytes)");
  const name = fileName.toLowerCase();
  if (name.endsWith(".xlsx")) {
    if (startsWith(bytes, ZIP_SIGNATURE)) return { ok: true, kind: "xlsx" };
    if (startsWith(bytes, OLE_SIGNATURE)) {
      return refuse(
        "unsupported_type",
        "the file is named .xlsx but is a password-protected workbook or an old .xls one: remove the password, or save it as an Excel Workbook (.xlsx)",
      );
    }
    return refuse(
      "unsupported_type",
      "the file is named .xlsx but is not a spreadsheet: it is not an .xlsx (zip) workbook (e.g. a text file renamed .xlsx); save it from Excel as an Excel Workbook (.xlsx)",
    );
  }
  if (name.endsWith(".csv")) {
    if (startsWith(bytes, ZIP_SIGNATURE) || startsWith(bytes, OLE_SIGNATURE)) {
      return refuse(
        "unsupported_type",
        "the file is named .csv but is an Excel workbook: upload it with its own name (.xlsx), or save it from Excel as CSV UTF-8 (comma delimited) (.csv)",
      );
    }
    if (csvEncodingOf(bytes) === null) {
      return refuse(
        "unsupported_type",
        "the .csv file is not text in UTF-8, UTF-16 (with its byte order mark) or Big5, or is Big5 with a code that is not ASCII (a full-width letter, say): save it as CSV UTF-8 (comma delimited) (.csv)",
      );
    }
    return { ok: true, kind: "csv" };
  }
  const dot = name.lastIndexOf(".");
  const extension = dot >= 0 ? `a ${name.slice(dot)} file` : "a file without an extension";
  return refuse("unsupported_type", `${extension} cannot be imported: only .xlsx and .csv files can`);
}

/** How a .csv's bytes are read as text. */
export type CsvEncoding = "utf-8" | "utf-16le" | "utf-16be" | "big5";

const UTF16LE_BOM = [0xff, 0xfe];
const UTF16BE_BOM = [0xfe, 0xff];

/**
 * The encoding a .csv is read in, or null when it is no text this reads: UTF-8 (Excel's "CSV UTF-8",
 * with or without its byte order mark); UTF-16 with its byte order mark; or Big5, the code page
 * Excel in Traditional Chinese saves "CSV (comma delimited)" in, for a file that reads as such a
 * file (looksLikeBig5Codes). Any other text is refused, so that no other encoding is misread.
 */
export function csvEncodingOf(bytes: Uint8Array): CsvEncoding | null {
  for (const [encoding, bom] of [
    ["utf-16le", UTF16LE_BOM],
    ["utf-16be", UTF16BE_BOM],
  ] as const) {
    // U+0000 is no text of a .csv, as the byte 0 is not in UTF-8 (below); PostgreSQL stores neither.
    if (startsWith(bytes, bom))
      return bytes.byteLength % 2 === 0 && decodedText(bytes, encoding)?.includes("\u0000") === false
        ? encoding
        : null;
  }
  if (bytes.includes(0)) return null;
  if (decodes(bytes, "utf-8")) return "utf-8";
  return looksLikeBig5Codes(new TextDecoder("big5").decode(bytes)) ? "big5" : null;
}

/**
 * Private use (what Node's Big5 decoder makes of bytes that are no Big5), U+FFFD, and control
 * characters other than tab, CR and LF.
 */
const NOT_BIG5_TEXT = /[\p{Co}\ufffd]|(?![\t\r\n])\p{Cc}/u;
/** Printable ASCII: a code, or any other field of a first column a Big5 file of codes may hold. */
const PRINTABLE_ASCII = /^[ -~]*$/;

/**
 * Whether text decoded as Big5 is what a Big5 file of codes reads as: Big5 text throughout, and
 * codes (the first field of each row) in ASCII, which Big5 keeps as it is, but for a header such as
 * 優惠碼; other columns (notes) may hold Chinese. Node's Big5 decoder never fails, and a Latin-1
 * `é` before a letter reads as one Chinese character: a file in another encoding almost always has
 * something else in its first column (código, クーポン, 优惠码, a code with an accent) and is refused.
 */
function looksLikeBig5Codes(text: string): boolean {
  if (NOT_BIG5_TEXT.test(text)) return false;
  let first = true;
  for (const [, field] of readCsvFirstFields(text)) {
    const value = field.trim();
    if (value === "") continue;
    const header = first && isHeaderCell(value);
    first = false;
    if (!header && !PRINTABLE_ASCII.test(value)) return false;
  }
  return true;
}

function decodes(bytes: Uint8Array, encoding: "utf-8" | "utf-16le" | "utf-16be"): boolean {
  return decodedText(bytes, encoding) !== null;
}

/** The bytes' text, or null when they are not text in that encoding. */
function decodedText(bytes: Uint8Array, encoding: "utf-8" | "utf-16le" | "utf-16be"): string | null {
  try {
    return new TextDecoder(encoding, { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

/** The .csv's text in the encoding it is read in (a byte order mark dropped). */
export function decodeCsv(bytes: Uint8Array): string {
  return new TextDecoder(csvEncodingOf(bytes) ?? "utf-8").decode(bytes);
}

/**
 * Reads the file and checks every row: the codes, or every bad row (row number, value, reason), or
 * one problem for the whole file. Never throws for a bad file: a workbook that cannot be read is a
 * corrupt_file problem.
 */
export async function readImportFile(
  bytes: Uint8Array,
  kind: ImportFileKind,
  options: ImportReadOptions,
): Promise<ImportCheck> {
  const checker = createRowChecker(options.maxCodes);
  const maxRows = sheetRowsRead(options.maxCodes);
  if (kind === "csv") {
    const text = decodeCsv(bytes);
    if (countCsvRows(text, maxRows) > maxRows) return tooManyRows(maxRows, options.maxCodes);
    for (const [row, field, unclosedQuote] of readCsvFirstFields(text)) {
      // The rest of the file is in one field of this row: no row after it is read, so none is
      // imported either way; say why rather than let it pass or blame a line break.
      const reading: CellReading = unclosedQuote
        ? { kind: "bad", value: field.trim(), problem: jobProblem("unclosed_quote") }
        : readCell(field);
      if (!checker.add(row, reading)) break;
    }
    return checker.result();
  }
  const packed = await packFirstWorksheet(bytes, {
    maxUnpackedBytes: options.maxUnpackedBytes ?? MAX_UNPACKED_BYTES,
    maxRows,
  });
  if (!packed.ok) {
    if ("rows" in packed) return tooManyRows(maxRows, options.maxCodes);
    // Too large is not damage: saving it again does not help.
    if ("unpackedOver" in packed) {
      return fileProblem(jobProblem("file_too_large", { limitBytes: packed.unpackedOver }));
    }
    return corrupt(packed.problem);
  }
  // The package holds the first worksheet only (see xlsx-package.ts), so the reader stops after it.
  const input = Readable.from([packed.zip]);
  try {
    const workbook = new ExcelJS.stream.xlsx.WorkbookReader(input, {
      worksheets: "emit",
      sharedStrings: "cache",
      hyperlinks: "ignore",
      // Styles are read (the package keeps only styles.xml) so that a date cell is seen as a date,
      // not as the day number Excel stores (46023 would pass for a number that lost its zeros).
      styles: "cache",
      entries: "ignore",
    });
    let worksheets = 0;
    for await (const worksheet of workbook) {
      worksheets += 1;
      for await (const row of worksheet) {
        const cell = row.getCell(1);
        const misread = packed.misreadValues.get(`A${row.number}`);
        const storedDate = packed.dateCells.get(`A${row.number}`);
        const reading =
          misread !== undefined
            ? misreadValue(misread)
            : storedDate !== undefined
              ? dateCell(storedDate)
              : readCell(cell.value, zeroPaddedWidth(cell.numFmt));
        if (!checker.add(row.number, reading)) break;
      }
      break;
    }
    if (worksheets === 0) return corrupt({ kind: "no_worksheet" });
  } catch {
    return corrupt({ kind: "content_damaged" });
  } finally {
    input.destroy();
  }
  return checker.result();
}

/**
 * The most rows (a worksheet's `<row` elements, a .csv's records; empty ones too) a file may have to
 * be read at all: ten times the codes a file may hold, and 1,000 more, room for a header, blank and
 * formatted rows. A file of more is refused (too_many_codes) before anything checks its rows.
 */
export function sheetRowsRead(maxCodes: number): number {
  return maxCodes * 10 + 1_000;
}

/** A file of more rows than `maxRows` (sheetRowsRead), whatever they hold. */
function tooManyRows(maxRows: number, maxCodes: number): ImportCheck {
  return fileProblem(jobProblem("too_many_codes", { counted: "rows", maxRows, maxCodes }));
}

function fileProblem(problem: FileProblem): ImportCheck {
  return { ok: false, fileProblem: problem, rows: [], codes: [] };
}

function corrupt(detail: CorruptDetail): ImportCheck {
  return fileProblem(jobProblem("corrupt_file", { detail }));
}

/** A cell as read: its text, or why it cannot be a code. */
type CellReading =
  | { kind: "empty" }
  | { kind: "text"; text: string }
  | { kind: "bad"; value: string; problem: DescribedJobProblem<RowProblemReason> };

/** Excel keeps 15 significant digits of a number; the rest of a longer one is gone. */
const EXCEL_NUMBER_DIGITS = 15;

/**
 * A number format of zeros only ("000000", Excel's way to show codes with leading zeros): the width
 * the number is shown at. 0 for any other format.
 */
function zeroPaddedWidth(numFmt: unknown): number {
  return typeof numFmt === "string" && /^0+$/.test(numFmt) ? numFmt.length : 0;
}

/** `shownWidth`: a zero-padded format's width, so 1234 shown as 001234 is read as the code 001234. */
function readNumber(value: number, shownWidth: number): CellReading {
  if (!Number.isInteger(value) || value < 0) {
    return { kind: "bad", value: String(value), problem: jobProblem("not_an_integer") };
  }
  const digits = String(value);
  if (!Number.isSafeInteger(value) || digits.length > EXCEL_NUMBER_DIGITS) {
    return unsupported(digits, "long_number");
  }
  if (shownWidth > digits.length) return { kind: "text", text: digits.padStart(shownWidth, "0") };
  if (digits.length < 6) return { kind: "bad", value: digits, problem: jobProblem("number_lost_zeros") };
  return { kind: "text", text: digits };
}

/**
 * A value the reader misreads (see xlsx-package.ts): an empty one is a blank cell, as one without
 * a value is; a number cell's text that is no number is no code, shown as the file holds it.
 */
function misreadValue(text: string): CellReading {
  return text === "" ? { kind: "empty" } : unsupported(text, "other");
}

/** A date (a number with a date format, or a cell stored as a date): never a code. */
function dateCell(shown: string): CellReading {
  return unsupported(shown === "" ? "(date)" : shown, "date");
}

function unsupported(
  value: string,
  cell: "long_number" | "date" | "boolean" | "error_value" | "other",
): CellReading {
  return { kind: "bad", value, problem: jobProblem("unsupported_value", { cell }) };
}

/** A cell value as exceljs's streaming reader gives it (a CSV field is a string). */
function readCell(value: unknown, shownWidth = 0): CellReading {
  if (value === null || value === undefined) return { kind: "empty" };
  if (typeof value === "string") {
    const text = value.trim();
    return text === "" ? { kind: "empty" } : { kind: "text", text };
  }
  if (typeof value === "number") {
    // Every value the reader parses as NaN is read before (misreadValue); should one come all the
    // same, it is listed, without JavaScript's name for it.
    if (Number.isNaN(value)) return unsupported("(not a number)", "other");
    return readNumber(value, shownWidth);
  }
  if (typeof value === "boolean") {
    return unsupported(String(value).toUpperCase(), "boolean");
  }
  if (value instanceof Date) return dateCell(Number.isNaN(value.getTime()) ? "(date)" : value.toISOString());
  if (typeof value === "object") {
    if ("richText" in value && Array.isArray(value.richText)) {
      return readCell(
        value.richText
          .map((run: unknown) =>
            typeof run === "object" && run !== null && "text" in run && typeof run.text === "string"
              ? run.text
              : "",
          )
          .join(""),
      );
    }
    if ("formula" in value || "sharedFormula" in value) return readFormula(value, shownWidth);
    if ("error" in value) return unsupported(String(value.error), "error_value");
    if ("text" in value && typeof value.text === "string") return readCell(value.text);
  }
  return unsupported(String(value), "other");
}

/** A formula counts as the result Excel saved with it; without one there is nothing to read. */
function readFormula(
  cell: { formula?: unknown; sharedFormula?: unknown; result?: unknown },
  shownWidth: number,
): CellReading {
  const formula = typeof cell.formula === "string" && cell.formula !== "" ? `=${cell.formula}` : "(formula)";
  const result = cell.result;
  // exceljs's streaming reader drops an error result (#N/A, #DIV/0!) as well: it arrives as none.
  if (result === undefined || result === null) {
    return { kind: "bad", value: formula, problem: jobProblem("formula_without_value") };
  }
  return readCell(result, shownWidth);
}

/** Checks rows as they come: the header, code rules, duplicates (any letter case), the size cap. */
function createRowChecker(maxCodes: number) {
  const codes: ImportedCode[] = [];
  const problems: ImportRowProblem[] = [];
  const firstRowOf = new Map<string, number>();
  let seenNonEmpty = false;
  let header: SkippedHeader | undefined;
  let dataRows = 0;
  return {
    /** false once the file holds more than maxCodes data rows: stop reading. */
    add(row: number, reading: CellReading): boolean {
      if (reading.kind === "empty") return true;
      if (!seenNonEmpty) {
        seenNonEmpty = true;
        if (reading.kind === "text" && isHeaderCell(reading.text)) {
          header = { row, value: reading.text };
          return true;
        }
      }
      dataRows += 1;
      if (dataRows > maxCodes) return false;
      if (reading.kind === "bad") {
        problems.push({ row, value: reading.value, ...reading.problem });
        return true;
      }
      const checked = checkCodeFormat(reading.text);
      if (!checked.ok) {
        problems.push({ row, value: reading.text, ...jobProblem(checked.reason) });
        return true;
      }
      const first = firstRowOf.get(checked.codeKey);
      if (first !== undefined) {
        problems.push({ row, value: reading.text, ...jobProblem("duplicate", { firstRow: first }) });
        return true;
      }
      firstRowOf.set(checked.codeKey, row);
      codes.push({ row, code: checked.code, codeKey: checked.codeKey });
      return true;
    },
    result(): ImportCheck {
      if (dataRows > maxCodes)
        return fileProblem(jobProblem("too_many_codes", { counted: "codes", maxCodes }));
      if (dataRows === 0) return fileProblem(jobProblem("no_codes"));
      const skipped = header ? { header } : {};
      return problems.length > 0
        ? { ok: false, rows: problems, codes, ...skipped }
        : { ok: true, codes, ...skipped };
    },
  };
}
