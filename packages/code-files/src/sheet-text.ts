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

/**
 * A string as a sheet can carry it: each character XML cannot hold becomes U+FFFD (�), and a text
 * longer than a cell holds ends at the limit with a note of how much was left out.
 */
export function sheetText(text: string): string {
  const carried = text.replace(NOT_XML_TEXT, "\ufffd");
  if (carried.length <= SHEET_CELL_MAX_LENGTH) return carried;
  const note = (left: number) => `… (${left} more characters)`;
  // The note's length for the whole text is the longest it can be.
  let kept = SHEET_CELL_MAX_LENGTH - note(carried.length).length;
  if (isHighSurrogate(carried.charCodeAt(kept - 1))) kept -= 1;
  return carried.slice(0, kept) + note(carried.length - kept);
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

/** A cell's value as a sheet can carry it: strings through sheetText, anything else as it is. */
export function sheetCell<T>(value: T): T | string {
  return typeof value === "string" ? sheetText(value) : value;
}
