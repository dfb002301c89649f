/**
 * Characters an .xlsx cannot carry: its sheets are XML 1.0, which has no C0 control but tab, line
 * feed and carriage return, no U+FFFE or U+FFFF, and no lone surrogate. PostgreSQL stores U+FFFE and
 * U+FFFF (and the C0 controls but NUL) without complaint, so a campaign name, account id or order
 * number can hold one; written as it is, Excel would call the whole file corrupt.
 */
const NOT_XML_TEXT =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what it finds.
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * The most characters (UTF-16 code units) Excel holds in a cell: a longer one makes it call the file
 * damaged and cut the text in its repair.
 */
export const SHEET_CELL_MAX_LENGTH = 32_767;

/** The most rows a sheet holds in Excel (and in OOXML), its header row included. */
export const SHEET_MAX_ROWS = 1_048_576;

/** The name of a listing's `number`th sheet (from 1) once it runs past one: "Codes", "Codes (2)", ... */
export function continuedSheetName(base: string, number: number): string {
  return number === 1 ? base : `${base} (${number})`;
}

/**
 * A string as a sheet can carry it: each character XML cannot hold becomes U+FFFD (�), and a text
 * longer than a cell holds ends at the limit with a note of how much was left out.
 */
export function sheetText(text: string): string {
  const carried = text.replace(NOT_XML_TEXT, "\ufffd");
  if (carried.length <= SHEET_CELL_MAX_LENGTH) return carried;
  // The note's length for the whole text is the longest it can be.
  return cutText(carried, SHEET_CELL_MAX_LENGTH - moreCharacters(carried.length).length);
}

const moreCharacters = (left: number) => `… (${left} more characters)`;

/**
 * The text's first `kept` UTF-16 units (one fewer rather than half a surrogate pair) and a note of
 * how many more characters there were, as a reader counts them (an emoji is one): `… (N more
 * characters)`. A text no longer than `kept` stays as it is.
 */
export function cutText(text: string, kept: number): string {
  if (text.length <= kept) return text;
  const at = isHighSurrogate(text.charCodeAt(kept - 1)) ? kept - 1 : kept;
  let left = 0;
  for (const _ of text.slice(at)) left += 1;
  return text.slice(0, at) + moreCharacters(left);
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

/** A cell's value as a sheet can carry it: strings through sheetText, anything else as it is. */
export function sheetCell<T>(value: T): T | string {
  return typeof value === "string" ? sheetText(value) : value;
}
