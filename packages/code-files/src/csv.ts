// A small RFC 4180 reader for uploaded .csv files: only the first field of each line is wanted.
// exceljs's own CSV reader is not used because it turns "001234" into the number 1234.

/**
 * The delimiters spreadsheets save CSV with: a comma, a semicolon (Excel where the comma is the
 * decimal mark, as in most of Europe) or a tab. A code never holds one, so the first of them in the
 * file's first record tells which one the file uses.
 */
const DELIMITERS = new Set([",", ";", "\t"]);

/** Excel's hint line naming the delimiter (`sep=;`): Excel reads it and does not show it as a row. */
const SEPARATOR_HINT = /^sep=([,;\t])(?:\r\n|\n|\r|$)/;

/**
 * [row number, first field] of every line of a CSV text: fields may be quoted ("" is a quote inside
 * quotes, and quotes may span lines), lines end in CRLF or LF, a leading BOM is dropped. The
 * delimiter is a comma, semicolon or tab: named by a `sep=` first line, else the first of them in the
 * first record. Row numbers count records, as a spreadsheet opening the file numbers its rows (the
 * `sep=` line is not one); empty lines are yielded too. A quote never closed runs to the end of the
 * text, as in a spreadsheet; when it takes in a line break (every line after it; the text's own last
 * line break aside), the record comes with `unclosedQuote` true, in whichever field the quote opened.
 */
export function* readCsvFirstFields(
  text: string,
): Generator<[row: number, field: string, unclosedQuote?: true]> {
  let index = text.startsWith("\ufeff") ? 1 : 0;
  const hint = SEPARATOR_HINT.exec(text.slice(index, index + 8));
  if (hint) index += hint[0].length;
  const delimiter = hint?.[1] ?? firstDelimiter(text, index);
  let row = 1;
  while (index < text.length) {
    let first = "";
    let unclosedQuote = false;
    for (let fieldIndex = 0; ; fieldIndex += 1) {
      let field = "";
      if (text[index] === '"') {
        index += 1;
        let closed = false;
        while (index < text.length) {
          if (text[index] === '"') {
            if (text[index + 1] !== '"') {
              index += 1;
              closed = true;
              break;
            }
            index += 1;
          }
          field += text[index];
          index += 1;
        }
        if (!closed) {
          // The file's own last line break ends the text, not the value: a file saved with or
          // without one reads alike.
          field = field.replace(/(?:\r\n|\n|\r)$/, "");
          if (/[\r\n]/.test(field)) unclosedQuote = true;
        }
      }
      // Text after a closing quote (or an unquoted field) runs to the next delimiter or line end.
      while (
        index < text.length &&
        text[index] !== delimiter &&
        text[index] !== "\n" &&
        text[index] !== "\r"
      ) {
        field += text[index];
        index += 1;
      }
      if (fieldIndex === 0) first = field;
      if (text[index] !== delimiter) break;
      index += 1;
    }
    if (text[index] === "\r") index += 1;
    if (text[index] === "\n") index += 1;
    yield unclosedQuote ? [row, first, true] : [row, first];
    row += 1;
  }
}

/**
 * The rows of a CSV text (records, as readCsvFirstFields numbers them, empty ones too), counted up
 * to `limit + 1`: a file of more is refused before its rows are checked.
 */
export function countCsvRows(text: string, limit: number): number {
  let rows = 0;
  for (const _ of readCsvFirstFields(text)) {
    rows += 1;
    if (rows > limit) break;
  }
  return rows;
}

/** The first comma, semicolon or tab outside quotes in the record starting at `index`; a comma if none. */
function firstDelimiter(text: string, index: number): string {
  let quoted = false;
  for (let at = index; at < text.length; at += 1) {
    const char = text[at] as string;
    if (char === '"') quoted = !quoted;
    else if (quoted) continue;
    else if (DELIMITERS.has(char)) return char;
    else if (char === "\n" || char === "\r") break;
  }
  return ",";
}
