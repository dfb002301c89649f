// A small RFC 4180 reader for uploaded .csv files: only the first field of each line is wanted.
// exceljs's own CSV reader is not used because it turns "001234" into the number 1234.

/**
 * [row number, first field] of every line of a CSV text: fields may be quoted ("" is a quote inside
 * quotes, and quotes may span lines), lines end in CRLF or LF, a leading BOM is dropped. Row numbers
 * count records, as a spreadsheet opening the file numbers its rows; empty lines are yielded too.
 */
export function* readCsvFirstFields(text: string): Generator<[row: number, field: string]> {
  let index = text.startsWith("\ufeff") ? 1 : 0;
  let row = 1;
  while (index < text.length) {
    let first = "";
    for (let fieldIndex = 0; ; fieldIndex += 1) {
      let field = "";
      if (text[index] === '"') {
        index += 1;
        while (index < text.length) {
          if (text[index] === '"') {
            if (text[index + 1] !== '"') {
              index += 1;
              break;
            }
            index += 1;
          }
          field += text[index];
          index += 1;
        }
      }
      // Text after a closing quote (or an unquoted field) runs to the next comma or line end.
      while (index < text.length && text[index] !== "," && text[index] !== "\n" && text[index] !== "\r") {
        field += text[index];
        index += 1;
      }
      if (fieldIndex === 0) first = field;
      if (text[index] !== ",") break;
      index += 1;
    }
    if (text[index] === "\r") index += 1;
    if (text[index] === "\n") index += 1;
    yield [row, first];
    row += 1;
  }
}
