// What exceljs's streaming reader gets wrong in a valid worksheet, put right before it reads the part
// (xlsx-package.ts packs the rewritten part; a part that needs none is copied as it is):
// - it keeps only the last <t> it meets inside a string: a phonetic reading (<rPh>, which Japanese
//   Excel writes above kanji) replaces the text of its shared string, and an inline string (<is>)
//   made of several rich-text runs keeps its last run only, so a code would be imported as
//   something else, silently;
// - it needs every row's number and every cell's reference, which OOXML lets a writer leave out;
// - it matches element names without a namespace prefix only;
// - it reads a cell pointing at a missing shared string as empty, and a cell stored as a date as a
//   number: those are found here for xlsx-package.ts to refuse or report;
// - it takes rows and cells as they come, whatever their numbers: a row number given twice, a cell
//   given twice (the second replaces the first) or a row past a sheet's last is found here for
//   xlsx-package.ts to refuse;
// - it decodes each chunk of a part as UTF-8 on its own, so a character whose bytes straddle two
//   chunks reads as U+FFFD: text and attribute values are handed to it as ASCII, with character
//   references for everything else;
// - it takes no text from a CDATA section (`<t><![CDATA[CODE1]]></t>` reads as an empty cell, and
//   the row would be left out without a word): each section becomes the same text escaped, before
//   anything else here reads the part.
// Pure string functions, no I/O.
import type { CorruptDetail } from "@promo/domain";
import { SHEET_MAX_ROWS } from "./sheet-text.ts";

/** A phonetic run (`<rPh …>…</rPh>` or an empty `<rPh/>`), any namespace prefix. */
const PHONETIC_RUN = /<(?:[\w.-]+:)?rPh\b[^>]*?(?:\/>|>[\s\S]*?<\/(?:[\w.-]+:)?rPh\s*>)/g;

/** An inline string's content (`<is>…</is>`), any namespace prefix. */
const INLINE_STRING = /<((?:[\w.-]+:)?)is\b[^>]*?(?:\/>|>([\s\S]*?)<\/\1is\s*>)/g;

/** A text element's content (`<t …>…</t>`; an empty `<t/>` holds none). */
const TEXT_ELEMENT = /<((?:[\w.-]+:)?)t\b[^>]*?(?:\/>|>([\s\S]*?)<\/\1t\s*>)/g;

/** The shared strings part without phonetic runs: each string reads as the text Excel shows. */
export function dropPhoneticRuns(sharedStringsXml: string): string {
  return sharedStringsXml.includes("rPh") ? sharedStringsXml.replace(PHONETIC_RUN, "") : sharedStringsXml;
}

/**
 * A worksheet part whose inline strings each hold one <t> with the string's visible text: its runs
 * joined, phonetic runs left out. The text stays escaped as it was (a <t> holds only text).
 */
export function joinInlineRuns(worksheetXml: string): string {
  if (!/<(?:[\w.-]+:)?is\b/.test(worksheetXml)) return worksheetXml;
  return worksheetXml.replace(INLINE_STRING, (whole, prefix: string, content: string | undefined) => {
    if (content === undefined) return whole;
    const visible = content.replace(PHONETIC_RUN, "");
    const texts = [...visible.matchAll(TEXT_ELEMENT)].map((match) => match[2] ?? "");
    if (texts.length === 1 && visible === content) return whole;
    return `<${prefix}is><${prefix}t xml:space="preserve">${texts.join("")}</${prefix}t></${prefix}is>`;
  });
}

/** A row or cell start tag (`<row …>`, `<c …/>`), any namespace prefix. */
const ROW_OR_CELL = /<((?:[\w.-]+:)?)(row|c)\b([^>]*?)(\/?)>/g;
const REFERENCE = /\sr\s*=\s*(?:"([^"]*)"|'([^']*)')/;

/** Column number (1 = A) of a cell reference such as "AB12"; 0 when it has no letters. */
function columnOf(reference: string): number {
  let column = 0;
  for (const letter of /^[A-Za-z]*/.exec(reference)?.[0] ?? "")
    column = column * 26 + (letter.toUpperCase().charCodeAt(0) - 64);
  return column;
}

function columnLetters(column: number): string {
  let letters = "";
  for (let rest = column; rest > 0; rest = Math.floor((rest - 1) / 26))
    letters = String.fromCharCode(65 + ((rest - 1) % 26)) + letters;
  return letters;
}

/**
 * A worksheet part whose rows and cells all say where they are. OOXML lets a row leave out its
 * number (`r`: the row after the one before) and a cell its reference (the column after the one
 * before); exceljs's reader needs both, and without them calls a valid file damaged.
 */
export function numberRowsAndCells(worksheetXml: string): string {
  if (!/<(?:[\w.-]+:)?(?:row|c)\b(?![^>]*\sr\s*=)[^>]*>/.test(worksheetXml)) return worksheetXml;
  let row = 0;
  let column = 0;
  return worksheetXml.replace(
    ROW_OR_CELL,
    (whole, prefix: string, name: string, attributes: string, selfClosing: string) => {
      const given = REFERENCE.exec(attributes);
      const reference = given ? (given[1] ?? given[2] ?? "") : null;
      if (name === "row") {
        row = reference === null ? row + 1 : Number.parseInt(reference, 10);
        column = 0;
        return reference === null ? `<${prefix}row r="${row}"${attributes}${selfClosing}>` : whole;
      }
      column = reference === null ? column + 1 : columnOf(reference);
      return reference === null
        ? `<${prefix}c r="${columnLetters(column)}${row}"${attributes}${selfClosing}>`
        : whole;
    },
  );
}

/**
 * Why the rows and cells of a worksheet part (numbered: see numberRowsAndCells) are not where a
 * sheet can hold them, or null: each row number comes once and is 1 to 1,048,576, and each cell
 * comes once, in a row of its own number. exceljs's reader takes a row number given twice as two
 * rows of one number and keeps the last of a cell given twice, so a code could be dropped or listed
 * under a row that is not its own. Rows or cells out of order are read as they come.
 */
export function findMisplacedRowOrCell(worksheetXml: string): CorruptDetail | null {
  const rows = new Set<number>();
  const columns = new Set<number>();
  let row = 0;
  for (const [, , name, attributes = ""] of worksheetXml.matchAll(ROW_OR_CELL)) {
    const given = REFERENCE.exec(attributes);
    const reference = given ? (given[1] ?? given[2] ?? "") : "";
    if (name === "row") {
      row = Number(reference);
      if (!/^\s*\d+\s*$/.test(reference) || row === 0) return { kind: "row_without_number", row: reference };
      if (row > SHEET_MAX_ROWS) return { kind: "row_past_last", row, lastRow: SHEET_MAX_ROWS };
      if (rows.has(row)) return { kind: "row_twice", row };
      rows.add(row);
      columns.clear();
      continue;
    }
    const place = /^\s*[A-Za-z]+(\d+)\s*$/.exec(reference);
    if (!place) return { kind: "cell_without_reference", cell: reference, row };
    if (Number(place[1]) !== row) return { kind: "cell_in_other_row", cell: reference, row };
    const column = columnOf(reference.trim());
    if (columns.has(column)) return { kind: "cell_twice", cell: reference };
    columns.add(column);
  }
  return null;
}

const SPREADSHEET_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const PREFIXED_NAMESPACE = /\sxmlns:([\w.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

/**
 * A part whose SpreadsheetML elements carry no namespace prefix. A writer may bind the main
 * namespace to a prefix (`<x:worksheet xmlns:x="…/main">`, as the .NET Open XML SDK does); exceljs's
 * reader matches bare element names only, so it saw no rows (or no workbook) in such a file. The
 * prefix's declaration becomes the default namespace; other prefixes (`r:id`) stay as they are.
 */
export function unprefixMainNamespace(xml: string): string {
  return unprefixNamespace(xml, SPREADSHEET_MAIN);
}

const PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships";

/** A relationships part (`.rels`) whose elements carry no namespace prefix, as exceljs's reader needs. */
export function unprefixRelationships(xml: string): string {
  return unprefixNamespace(xml, PACKAGE_RELATIONSHIPS);
}

function unprefixNamespace(xml: string, namespace: string): string {
  const prefix = [...xml.matchAll(PREFIXED_NAMESPACE)].find(
    (match) => (match[2] ?? match[3]) === namespace,
  )?.[1];
  if (prefix === undefined) return xml;
  const escaped = prefix.replace(/[.-]/g, "\\$&");
  return xml
    .replace(new RegExp(`<(/?)${escaped}:`, "g"), "<$1")
    .replace(new RegExp(`\\sxmlns:${escaped}\\s*=`, "g"), " xmlns=");
}

/** How many strings (`<si>`) a shared strings part holds. */
export function countSharedStrings(sharedStringsXml: string): number {
  return sharedStringsXml.match(/<si\b/g)?.length ?? 0;
}

/** A cell with its attributes and content (`<c …>…</c>` or `<c …/>`), unprefixed. */
const CELL = /<c\b([^>]*?)(?:\/>|>([\s\S]*?)<\/c\s*>)/g;
const VALUE = /<v\b[^>]*>([\s\S]*?)<\/v\s*>/;

function cellType(attributes: string): string {
  return readAttributes(attributes).get("t") ?? "n";
}

function cellReference(attributes: string): string {
  return readAttributes(attributes).get("r") ?? "";
}

/**
 * The first cell (its reference) that points at a shared string the part does not hold, or null.
 * exceljs's reader reads such a cell as empty, so the row would be left out without a word.
 */
export function findMissingSharedString(worksheetXml: string, sharedStrings: number): string | null {
  if (!/\st\s*=\s*["']s["']/.test(worksheetXml)) return null;
  for (const [, attributes = "", content = ""] of worksheetXml.matchAll(CELL)) {
    if (cellType(attributes) !== "s") continue;
    const index = VALUE.exec(content)?.[1]?.trim() ?? "";
    if (!/^\d+$/.test(index) || Number(index) >= sharedStrings)
      return cellReference(attributes) || "(a cell)";
  }
  return null;
}

/**
 * The cells stored as dates (`t="d"`, an ISO 8601 value), by reference. exceljs's reader reads
 * their value as a number (2026-11-24 as 2026), which is no code and must not pass for one. One
 * without a value (or with an empty one: findMisreadValues) is a blank cell.
 */
export function findDateCells(worksheetXml: string): Map<string, string> {
  const dates = new Map<string, string>();
  if (!/\st\s*=\s*["']d["']/.test(worksheetXml)) return dates;
  for (const [, attributes = "", content = ""] of worksheetXml.matchAll(CELL)) {
    if (cellType(attributes) !== "d") continue;
    const value = VALUE.exec(content)?.[1]?.trim() ?? "";
    if (value !== "") dates.set(cellReference(attributes), value);
  }
  return dates;
}

/** A cell's value, `<v>…</v>` or an empty `<v/>`. */
const CELL_VALUE = /<v\b[^>]*?(?:\/>|>([\s\S]*?)<\/v\s*>)/;

/** Cell types exceljs's reader does not parse as a number (a boolean's value it parses as 0 or not). */
const NOT_NUMBER_TYPES: ReadonlySet<string> = new Set(["s", "inlineStr", "str", "e", "b", "d"]);

/**
 * The cells whose stored value exceljs's reader misreads, by reference, with the value's text
 * (unescaped, trimmed), a formula's saved result aside:
 * - a value of nothing or spaces (`<v></v>`, `<v> </v>`, `<v/>`), whatever the cell's type, as "":
 *   a blank cell, as one without a value is; the reader parses it all the same, a number cell's as
 *   NaN (in a date format, as an invalid date), a boolean's as TRUE, an error's as an error;
 * - a number cell's value that is no number (`<v>ABC</v>`, which no spreadsheet writes), which it
 *   reads as NaN.
 * A shared string's index is findMissingSharedString's to check.
 */
export function findMisreadValues(worksheetXml: string): Map<string, string> {
  const misread = new Map<string, string>();
  // parseFloat reads a number from a value that starts so after its spaces: no other is misread.
  if (!/<v\b[^>]*>(?![ \t\r\n]*[+-]?\.?\d)/.test(worksheetXml)) return misread;
  for (const [, attributes = "", content = ""] of worksheetXml.matchAll(CELL)) {
    const value = CELL_VALUE.exec(content);
    if (value === null || /<f\b/.test(content)) continue;
    const text = unescapeXml(value[1] ?? "").trim();
    if (text === "") misread.set(cellReference(attributes), "");
    else if (!NOT_NUMBER_TYPES.has(cellType(attributes)) && Number.isNaN(Number.parseFloat(text)))
      misread.set(cellReference(attributes), text);
  }
  return misread;
}

/** Text with its entity and character references (`&amp;`, `&#160;`, `&#xA0;`) as the characters. */
function unescapeXml(text: string): string {
  if (!text.includes("&")) return text;
  return text.replace(
    /&(?:#x([\da-fA-F]+)|#(\d+)|(amp|lt|gt|quot|apos));/g,
    (reference, hex: string | undefined, decimal: string | undefined, name: string | undefined) => {
      if (name !== undefined) return XML_ENTITIES[name] ?? reference;
      const code = hex !== undefined ? Number.parseInt(hex, 16) : Number(decimal);
      return code <= 0x10ffff ? String.fromCodePoint(code) : reference;
    },
  );
}

const XML_ENTITIES: Readonly<Record<string, string>> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
};

/** An element's attributes by name, values unescaped (`r:id`, `t`, `Target`, ...). */
export function readAttributes(text: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const [, name = "", doubleQuoted, singleQuoted] of text.matchAll(
    /([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g,
  )) {
    const value = doubleQuoted ?? singleQuoted ?? "";
    attributes.set(
      name,
      value.replace(/&(amp|lt|gt|quot|apos);/g, (_, entity: string) => XML_ENTITIES[entity] ?? ""),
    );
  }
  return attributes;
}

/** A piece of markup whose text may not be written with character references, or a tag. */
const MARKUP =
  /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[([\s\S]*?)\]\]>|<!(?:[^>"']|"[^"]*"|'[^']*')*>|<(?:[^>"']|"[^"]*"|'[^']*')*>/g;
const NOT_ASCII = /[\u0080-\u{10ffff}]/gu;
/** An attribute's value, quoted either way. */
const ATTRIBUTE_VALUE = /(=\s*)(?:"([^"]*)"|'([^']*)')/g;

function characterReferences(text: string): string {
  return text.replace(NOT_ASCII, (character) => `&#x${character.codePointAt(0)?.toString(16)};`);
}

/**
 * The part with each CDATA section written as the same text escaped (`<![CDATA[a<b]]>` as
 * `a&lt;b`), which any XML reader reads back as that text. Comments and processing instructions stay
 * as they are (a CDATA-like piece inside one is no section).
 */
export function cdataAsText(xml: string): string {
  if (!xml.includes("<![CDATA[")) return xml;
  return xml.replace(MARKUP, (markup, cdata: string | undefined) =>
    cdata === undefined ? markup : escapeText(cdata),
  );
}

/**
 * The part without its comments, which hold nothing a reader takes; the checks here match elements
 * by pattern, and would take a cell commented out for one.
 */
export function dropComments(xml: string): string {
  if (!xml.includes("<!--")) return xml;
  return xml.replace(MARKUP, (markup) => (markup.startsWith("<!--") ? "" : markup));
}

function escapeText(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * The part with every character outside ASCII in its text and attribute values written as a
 * character reference (`優` as `&#x512a;`), which any XML reader reads back as the character; a
 * CDATA section becomes the same text escaped. Element and attribute names, comments and processing
 * instructions stay as they are (references are not allowed there; SpreadsheetML's names are ASCII).
 */
export function asciiText(xml: string): string {
  if (!/[\u0080-\u{10ffff}]/u.test(xml)) return xml;
  let ascii = "";
  let from = 0;
  for (const match of xml.matchAll(MARKUP)) {
    ascii += characterReferences(xml.slice(from, match.index));
    const [markup, cdata] = match;
    if (cdata !== undefined) ascii += characterReferences(escapeText(cdata));
    else if (markup.startsWith("<!") || markup.startsWith("<?")) ascii += markup;
    else
      ascii += markup.replace(
        ATTRIBUTE_VALUE,
        (_, equals: string, double: string | undefined, single: string | undefined) =>
          double !== undefined
            ? `${equals}"${characterReferences(double)}"`
            : `${equals}'${characterReferences(single ?? "")}'`,
      );
    from = match.index + markup.length;
  }
  return ascii + characterReferences(xml.slice(from));
}
