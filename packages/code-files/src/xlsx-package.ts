// An .xlsx is a zip of XML parts. exceljs's streaming reader (4.4.0, unzipper 0.10) reads that zip
// front to back and, given a workbook as Excel or exceljs writes it, goes wrong in three ways:
// - it ends its entry loop as soon as the unzip has seen the last byte, dropping entries it has not
//   taken yet (exceljs#3064): a valid file now and then fails with "Cannot read properties of
//   undefined (reading 'sheets')" (about 1 read in 500 here), and any part can be lost that way;
// - a worksheet that comes before the shared strings (Excel and exceljs both write them in that
//   order) is copied to a temporary file, which is never removed when the reader is left early;
// - a damaged compressed part makes the unzip fail while exceljs waits for that part's data: the
//   read never settles.
// So before exceljs sees a workbook we check the zip ourselves and re-pack only the parts the first
// worksheet needs, in the order the reader wants them: relationships, workbook, shared strings,
// styles, the worksheet, then a padding part that keeps the unzip from finishing before the
// worksheet has been read. Compressed parts are copied as they are, after a full check (inflate,
// size, CRC-32) against a budget of unpacked bytes, which also bounds a "zip bomb"; the shared
// strings and the worksheet are packed again only where the reader would misread them (a string's
// text runs, CDATA sections, a row or cell without its place, prefixed element names:
// xlsx-rewrites.ts). The workbook, shared strings and worksheet must be well-formed XML: the reader
// would stop quietly at a cut and keep the rows before it. No I/O.
import { crc32, createInflateRaw, deflateRawSync } from "node:zlib";
import type { CorruptDetail } from "@promo/domain";
import { SaxesParser } from "saxes";
import {
  asciiText,
  cdataAsText,
  countSharedStrings,
  dropComments,
  dropPhoneticRuns,
  findDateCells,
  findMisplacedRowOrCell,
  findMisreadValues,
  findMissingSharedString,
  joinInlineRuns,
  numberRowsAndCells,
  readAttributes,
  unprefixMainNamespace,
  unprefixRelationships,
} from "./xlsx-rewrites.ts";

export type PackedWorksheet =
  | {
      ok: true;
      zip: Buffer;
      /** The worksheet's cells stored as dates (`t="d"`), by reference, with their ISO text. */
      dateCells: ReadonlyMap<string, string>;
      /**
       * The worksheet's cells whose value the reader misreads (findMisreadValues), by reference,
       * with their text: "" for an empty one, a blank cell.
       */
      misreadValues: ReadonlyMap<string, string>;
    }
  /** What is damaged (worded by @promo/domain's job problems, reason corrupt_file). */
  | { ok: false; problem: CorruptDetail }
  /** The sheet has more rows than `maxRows`: refused before its rows are read, whatever they hold. */
  | { ok: false; rows: number }
  /** The parts read would unpack to more than this many bytes (`maxUnpackedBytes`): not damage. */
  | { ok: false; unpackedOver: number };

/** Parts unpacked to read the codes (worksheet, shared strings, styles, workbook) may total this much. */
export const MAX_UNPACKED_BYTES = 100 * 1024 * 1024;

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_DIRECTORY = 0x06054b50;
const STORED = 0;
const DEFLATED = 8;
const MAX_COMMENT = 0xffff;

type ZipEntry = {
  name: string;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
};

/** A part of a zip to write: its compressed bytes and what the zip headers say about them. */
export type ZipPart = { name: string; method: number; crc: number; size: number; data: Buffer };

/** Why the workbook cannot be read. */
class PackageProblem extends Error {
  constructor(readonly detail: CorruptDetail) {
    super(detail.kind);
  }
}

/** The parts read unpack to more than the budget: a workbook too large, not a damaged one. */
class UnpacksTooLarge extends Error {
  constructor(readonly limitBytes: number) {
    super(`it unpacks to more than ${limitBytes} bytes`);
  }
}

/** A worksheet with more rows than the import reads. */
class TooManyRows extends Error {
  constructor(readonly rows: number) {
    super(`the sheet has ${rows} rows`);
  }
}

/**
 * The rows (`<row` elements) a worksheet part holds, counted up to `limit + 1`: a scan with no copy,
 * so a small file that unpacks to millions of rows is refused before the rewrites below, each of
 * which copies the part, and the reader take seconds and gigabytes over it.
 */
export function countRows(worksheetXml: string, limit: number): number {
  let rows = 0;
  for (let at = worksheetXml.indexOf("<row"); at >= 0; at = worksheetXml.indexOf("<row", at + 4)) {
    const next = worksheetXml.charCodeAt(at + 4);
    // "<row>", "<row/>" or "<row " and its attributes; not "<rows…" or another element.
    if (next === 0x3e || next === 0x2f || next === 0x20 || next === 0x09 || next === 0x0a || next === 0x0d) {
      rows += 1;
      if (rows > limit) break;
    }
  }
  return rows;
}

/**
 * The first visible worksheet of an .xlsx (by tab order, as the merchant sees it) re-packed for
 * exceljs's streaming reader, or why the file is not a readable workbook.
 */
export async function packFirstWorksheet(
  bytes: Uint8Array,
  options: { maxUnpackedBytes: number; maxRows?: number },
): Promise<PackedWorksheet> {
  try {
    return {
      ok: true,
      ...(await repack(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), options)),
    };
  } catch (error) {
    if (error instanceof TooManyRows) return { ok: false, rows: error.rows };
    if (error instanceof UnpacksTooLarge) return { ok: false, unpackedOver: error.limitBytes };
    // Anything else thrown while taking apart untrusted bytes (an offset past the end) is damage too.
    return {
      ok: false,
      problem: error instanceof PackageProblem ? error.detail : { kind: "zip_structure_damaged" },
    };
  }
}

async function repack(
  bytes: Buffer,
  options: { maxUnpackedBytes: number; maxRows?: number },
): Promise<{ zip: Buffer; dateCells: Map<string, string>; misreadValues: Map<string, string> }> {
  const entries = new Map(readCentralDirectory(bytes).map((entry) => [entry.name.toLowerCase(), entry]));
  const budget: Budget = { left: options.maxUnpackedBytes, total: options.maxUnpackedBytes };
  const find = (name: string) => entries.get(name.toLowerCase());
  const readText = async (entry: ZipEntry) => (await unpack(bytes, entry, budget, true)).toString("utf8");
  /**
   * A part read whole and checked, its CDATA sections as text, without comments, and SpreadsheetML
   * elements unprefixed.
   */
  const readXml = async (entry: ZipEntry) => {
    const xml = await readText(entry);
    checkWellFormed(entry.name, xml);
    return { xml, readable: unprefixMainNamespace(dropComments(cdataAsText(xml))) };
  };

  const rootRelations = find("_rels/.rels");
  const workbookName = rootRelations
    ? readRelationships((await readXml(rootRelations)).xml, "").find((relation) =>
        relation.type.endsWith("/officeDocument"),
      )?.target
    : "xl/workbook.xml";
  const workbook = workbookName === undefined ? undefined : find(workbookName);
  if (!workbookName || !workbook) throw new PackageProblem({ kind: "no_workbook" });
  const folder = workbookName.slice(0, workbookName.lastIndexOf("/") + 1);
  const workbookRelations = find(`${folder}_rels/${workbookName.slice(folder.length)}.rels`);
  if (!workbookRelations) throw new PackageProblem({ kind: "no_workbook_parts" });
  const workbookRelationsXml = await readXml(workbookRelations);
  const workbookRelationsText = unprefixRelationships(workbookRelationsXml.xml);
  const relations = readRelationships(workbookRelationsText, folder);

  const workbookXml = await readXml(workbook);
  const worksheetName = findFirstWorksheet(workbookXml.readable, relations);
  const worksheet = worksheetName === undefined ? undefined : find(worksheetName);
  if (!worksheetName || !worksheet) throw new PackageProblem({ kind: "no_worksheet" });
  const sharedStringsName = relations.find((relation) => relation.type.endsWith("/sharedStrings"))?.target;
  const sharedStrings = sharedStringsName === undefined ? undefined : find(sharedStringsName);
  const stylesName = relations.find((relation) => relation.type.endsWith("/styles"))?.target;
  const styles = stylesName === undefined ? undefined : find(stylesName);
  // Read whole (not only checked) so that a styles part cut short is refused like the others.
  if (styles) await readXml(styles);

  const copy = (name: string, entry: ZipEntry): ZipPart => ({
    name,
    method: entry.method,
    crc: entry.crc,
    size: entry.size,
    data: compressedData(bytes, entry),
  });
  /** The part as it is, or packed again when it was rewritten (see xlsx-rewrites.ts). */
  const packed = (name: string, entry: ZipEntry, original: string, rewritten: string) =>
    rewritten === original ? copy(name, entry) : deflatePart(name, Buffer.from(rewritten, "utf8"));

  const sharedStringsXml = sharedStrings ? await readXml(sharedStrings) : undefined;
  const sharedStringsText = sharedStringsXml ? dropPhoneticRuns(sharedStringsXml.readable) : "";
  const worksheetXml = await readXml(worksheet);
  if (options.maxRows !== undefined) {
    const rows = countRows(worksheetXml.readable, options.maxRows);
    if (rows > options.maxRows) throw new TooManyRows(rows);
  }
  const worksheetText = numberRowsAndCells(joinInlineRuns(worksheetXml.readable));
  const misplaced = findMisplacedRowOrCell(worksheetText);
  if (misplaced !== null) throw new PackageProblem(misplaced);
  const missing = findMissingSharedString(worksheetText, countSharedStrings(sharedStringsText));
  if (missing !== null) throw new PackageProblem({ kind: "missing_shared_string", cell: missing });
  const zip = writeZip([
    // The names exceljs's reader looks for; a worksheet keeps its number when it has one.
    packed("xl/_rels/workbook.xml.rels", workbookRelations, workbookRelationsXml.xml, workbookRelationsText),
    packed("xl/workbook.xml", workbook, workbookXml.xml, workbookXml.readable),
    sharedStrings && sharedStringsXml
      ? packed("xl/sharedStrings.xml", sharedStrings, sharedStringsXml.xml, asciiText(sharedStringsText))
      : deflatePart("xl/sharedStrings.xml", EMPTY_SST),
    ...(styles ? [copy("xl/styles.xml", styles)] : []),
    packed(
      /^xl\/worksheets\/sheet\d+\.xml$/.test(worksheetName) ? worksheetName : "xl/worksheets/sheet1.xml",
      worksheet,
      worksheetXml.xml,
      asciiText(worksheetText),
    ),
    paddingPart(),
  ]);
  return { zip, dateCells: findDateCells(worksheetText), misreadValues: findMisreadValues(worksheetText) };
}

/**
 * Refuses a part that is not well-formed XML. exceljs's reader stops quietly where a part is cut
 * short, keeping the rows before the cut: an import would take part of the file as if it were all.
 */
function checkWellFormed(name: string, xml: string): void {
  try {
    new SaxesParser().write(xml.startsWith("\uFEFF") ? xml.slice(1) : xml).close();
  } catch {
    throw new PackageProblem({ kind: "part_malformed", part: name });
  }
}

const EMPTY_SST = Buffer.from(
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="0" uniqueCount="0"/>',
);

/**
 * A last part exceljs ignores, larger unpacked than the unzip's stream buffers: the unzip cannot
 * reach the end of the zip (and end its entry list early) until the reader has taken this part,
 * which it does only after the worksheet.
 */
const PADDING_BYTES = 256 * 1024;
let padding: ZipPart | undefined;
function paddingPart(): ZipPart {
  padding ??= deflatePart("zz-padding.bin", Buffer.alloc(PADDING_BYTES));
  return padding;
}

function deflatePart(name: string, content: Buffer): ZipPart {
  return { name, method: DEFLATED, crc: crc32(content), size: content.length, data: deflateRawSync(content) };
}

function readCentralDirectory(bytes: Buffer): ZipEntry[] {
  let end = -1;
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - MAX_COMMENT); at -= 1) {
    if (bytes.readUInt32LE(at) === END_OF_DIRECTORY) {
      end = at;
      break;
    }
  }
  if (end < 0) throw new PackageProblem({ kind: "zip_directory_missing" });
  const count = bytes.readUInt16LE(end + 10);
  const directorySize = bytes.readUInt32LE(end + 12);
  const directoryOffset = bytes.readUInt32LE(end + 16);
  if (count === 0xffff || directoryOffset === 0xffffffff) {
    throw new PackageProblem({ kind: "zip64" });
  }
  if (directoryOffset + directorySize > end) throw new PackageProblem({ kind: "zip_directory_damaged" });
  const entries: ZipEntry[] = [];
  let at = directoryOffset;
  for (let index = 0; index < count; index += 1) {
    if (at + 46 > end || bytes.readUInt32LE(at) !== CENTRAL_HEADER) {
      throw new PackageProblem({ kind: "zip_directory_damaged" });
    }
    const nameLength = bytes.readUInt16LE(at + 28);
    entries.push({
      flags: bytes.readUInt16LE(at + 8),
      method: bytes.readUInt16LE(at + 10),
      crc: bytes.readUInt32LE(at + 16),
      compressedSize: bytes.readUInt32LE(at + 20),
      size: bytes.readUInt32LE(at + 24),
      localOffset: bytes.readUInt32LE(at + 42),
      name: bytes.toString("utf8", at + 46, at + 46 + nameLength),
    });
    at += 46 + nameLength + bytes.readUInt16LE(at + 30) + bytes.readUInt16LE(at + 32);
  }
  return entries;
}

function compressedData(bytes: Buffer, entry: ZipEntry): Buffer {
  const at = entry.localOffset;
  if (at + 30 > bytes.length || bytes.readUInt32LE(at) !== LOCAL_HEADER) {
    throw new PackageProblem({ kind: "part_damaged", part: entry.name });
  }
  const start = at + 30 + bytes.readUInt16LE(at + 26) + bytes.readUInt16LE(at + 28);
  if (start + entry.compressedSize > bytes.length)
    throw new PackageProblem({ kind: "part_cut_short", part: entry.name });
  return bytes.subarray(start, start + entry.compressedSize);
}

/** Unpacked bytes still allowed, of `total`. */
type Budget = { left: number; total: number };

/** Unpacks a part, checking its size and CRC-32 and charging the budget; the bytes only when `keep`. */
async function unpack(bytes: Buffer, entry: ZipEntry, budget: Budget, keep: boolean): Promise<Buffer> {
  if (entry.flags & 1) throw new PackageProblem({ kind: "encrypted" });
  if (entry.method !== STORED && entry.method !== DEFLATED) {
    throw new PackageProblem({ kind: "part_compression", part: entry.name });
  }
  const data = compressedData(bytes, entry);
  const kept: Buffer[] = [];
  let size = 0;
  let crc = 0;
  const take = (chunk: Buffer) => {
    size += chunk.length;
    if (size > budget.left) throw new UnpacksTooLarge(budget.total);
    crc = crc32(chunk, crc);
    if (keep) kept.push(chunk);
  };
  if (entry.method === STORED) {
    take(data);
  } else {
    const inflater = createInflateRaw();
    inflater.end(data);
    try {
      for await (const chunk of inflater as AsyncIterable<Buffer>) take(chunk);
    } catch (error) {
      if (error instanceof UnpacksTooLarge) throw error;
      throw new PackageProblem({ kind: "part_damaged", part: entry.name });
    }
  }
  if (size !== entry.size || crc !== entry.crc) {
    throw new PackageProblem({ kind: "part_damaged", part: entry.name });
  }
  budget.left -= size;
  return Buffer.concat(kept);
}

type Relationship = { id: string; type: string; target: string };

/** The relationships of a .rels part, targets resolved against `folder` (e.g. "xl/"). */
function readRelationships(xml: string, folder: string): Relationship[] {
  const relationships: Relationship[] = [];
  for (const [, attributeText = ""] of xml.matchAll(/<(?:[\w.-]+:)?Relationship\b([^>]*)>/g)) {
    const attributes = readAttributes(attributeText);
    const target = attributes.get("Target");
    if (target === undefined || attributes.get("TargetMode") === "External") continue;
    relationships.push({
      id: attributes.get("Id") ?? "",
      type: attributes.get("Type") ?? "",
      target: resolvePartName(folder, target),
    });
  }
  return relationships;
}

/**
 * The part name of the first worksheet in tab order that is not hidden (a chart sheet before it holds
 * no cells and is passed over); a visible sheet without a part is damage.
 */
function findFirstWorksheet(workbookXml: string, relations: readonly Relationship[]): string | undefined {
  const sheets = /<(?:[\w.-]+:)?sheets\b[^>]*>([\s\S]*?)<\/(?:[\w.-]+:)?sheets>/.exec(workbookXml)?.[1] ?? "";
  for (const [, attributeText = ""] of sheets.matchAll(/<(?:[\w.-]+:)?sheet\b([^>]*)>/g)) {
    const attributes = readAttributes(attributeText);
    const state = attributes.get("state");
    if (state === "hidden" || state === "veryHidden") continue;
    const id = [...attributes].find(([name]) => name.endsWith(":id"))?.[1];
    const relation = relations.find((candidate) => candidate.id === id);
    // Read on past it, a sheet the workbook lists without its part would import another sheet.
    if (!relation)
      throw new PackageProblem({ kind: "sheet_without_part", sheet: attributes.get("name") ?? "" });
    if (relation.type.endsWith("/worksheet")) return relation.target;
  }
  return undefined;
}

/** "worksheets/sheet1.xml" from "xl/" is "xl/worksheets/sheet1.xml"; "/xl/x.xml" is absolute. */
function resolvePartName(folder: string, target: string): string {
  const segments = target.startsWith("/") ? [] : folder.split("/").filter(Boolean);
  for (const segment of target.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  return segments.join("/");
}

/** A zip of the parts in the order given, sizes in the local headers (no data descriptors). */
export function writeZip(parts: readonly ZipPart[]): Buffer {
  const chunks: Buffer[] = [];
  const directory: Buffer[] = [];
  let offset = 0;
  for (const part of parts) {
    const name = Buffer.from(part.name, "utf8");
    const local = Buffer.alloc(30);
    local.writeUInt32LE(LOCAL_HEADER, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(part.method, 8);
    local.writeUInt32LE(part.crc, 14);
    local.writeUInt32LE(part.data.length, 18);
    local.writeUInt32LE(part.size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(CENTRAL_HEADER, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(part.method, 10);
    central.writeUInt32LE(part.crc, 16);
    central.writeUInt32LE(part.data.length, 20);
    central.writeUInt32LE(part.size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    chunks.push(local, name, part.data);
    directory.push(central, name);
    offset += local.length + name.length + part.data.length;
  }
  const directorySize = directory.reduce((total, chunk) => total + chunk.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(END_OF_DIRECTORY, 0);
  end.writeUInt16LE(parts.length, 8);
  end.writeUInt16LE(parts.length, 10);
  end.writeUInt32LE(directorySize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...chunks, ...directory, end]);
}
