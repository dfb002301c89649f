/**
 * Characters an .xlsx cannot carry: its sheets are XML 1.0, which has no C0 control but tab, line
 * feed and carriage return, no U+FFFE or U+FFFF, and no lone surrogate. PostgreSQL stores U+FFFE and
 * U+FFFF (and the C0 controls but NUL) without complaint, so a campaign name, account id or order
 * number can hold one; written as it is, Excel would call the whole file corrupt.
 */
const NOT_XML_TEXT =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what it finds.
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** A string as a sheet can carry it: each character XML cannot hold becomes U+FFFD (�). */
export function sheetText(text: string): string {
  return text.replace(NOT_XML_TEXT, "\ufffd");
}

/** A cell's value as a sheet can carry it: strings through sheetText, anything else as it is. */
export function sheetCell<T>(value: T): T | string {
  return typeof value === "string" ? sheetText(value) : value;
}
