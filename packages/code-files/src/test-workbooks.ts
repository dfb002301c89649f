// Files for the tests: real workbooks written by exceljs, a hand-made one, and zip surgery.
import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { crc32 } from "node:zlib";
import ExcelJS from "exceljs";
import { writeZip } from "./xlsx-package.ts";

/** An .xlsx with one worksheet per argument (named S1, S2, ...), each row's cells as given. */
export async function xlsxOf(...sheets: unknown[][][]): Promise<Uint8Array> {
  return workbookBytes((workbook) => {
    sheets.forEach((rows, index) => {
      const sheet = workbook.addWorksheet(`S${index + 1}`);
      for (const row of rows) sheet.addRow(row);
    });
  });
}

export async function workbookBytes(build: (workbook: ExcelJS.Workbook) => void): Promise<Uint8Array> {
  const workbook = new ExcelJS.Workbook();
  build(workbook);
  return new Uint8Array(await workbook.xlsx.writeBuffer());
}

/** Codes CODE100000, CODE100001, ... one per row. */
export function codeRows(count: number): string[][] {
  return Array.from({ length: count }, (_, index) => [`CODE${100_000 + index}`]);
}

/** A zip of the given parts (name -> text), stored uncompressed, in that order. */
export function zipOf(parts: Record<string, string>): Uint8Array {
  return writeZip(
    Object.entries(parts).map(([name, content]) => {
      const data = Buffer.from(content, "utf8");
      return { name, method: 0, crc: crc32(data), size: data.length, data };
    }),
  );
}

/**
 * A minimal .xlsx as other tools write it: no styles, cells given as the XML of <sheetData>, and
 * shared strings only when their <si> items are given.
 */
export function handMadeXlsx(sheetData: string, sharedStringItems?: string): Uint8Array {
  return zipOf(handMadeXlsxParts(sheetData, sharedStringItems));
}

/** The parts of handMadeXlsx (name -> XML), to change before zipOf. */
export function handMadeXlsxParts(sheetData: string, sharedStringItems?: string): Record<string, string> {
  const relationships = (...relations: [type: string, target: string][]) =>
    `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${relations
      .map(
        ([type, target], index) =>
          `<Relationship Id="rId${index + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/${type}" Target="${target}"/>`,
      )
      .join("")}</Relationships>`;
  const main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
  return {
    "_rels/.rels": relationships(["officeDocument", "xl/workbook.xml"]),
    "xl/workbook.xml": `<workbook xmlns="${main}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Codes" sheetId="1" r:id="rId1"/></sheets></workbook>`,
    "xl/_rels/workbook.xml.rels":
      sharedStringItems === undefined
        ? relationships(["worksheet", "worksheets/sheet1.xml"])
        : relationships(["worksheet", "worksheets/sheet1.xml"], ["sharedStrings", "sharedStrings.xml"]),
    "xl/worksheets/sheet1.xml": `<worksheet xmlns="${main}"><sheetData>${sheetData}</sheetData></worksheet>`,
    ...(sharedStringItems === undefined
      ? {}
      : { "xl/sharedStrings.xml": `<sst xmlns="${main}">${sharedStringItems}</sst>` }),
  };
}

/** The parts of a zip as its central directory lists them, with where their compressed bytes are. */
export function listZipParts(
  bytes: Uint8Array,
): { name: string; size: number; start: number; compressedSize: number }[] {
  const zip = Buffer.from(bytes);
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const parts = [];
  let at = zip.readUInt32LE(end + 16);
  for (let index = 0; index < zip.readUInt16LE(end + 10); index += 1) {
    const nameLength = zip.readUInt16LE(at + 28);
    const local = zip.readUInt32LE(at + 42);
    parts.push({
      name: zip.toString("utf8", at + 46, at + 46 + nameLength),
      size: zip.readUInt32LE(at + 24),
      start: local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28),
      compressedSize: zip.readUInt32LE(at + 20),
    });
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return parts;
}

/** A copy of the file with one byte of a part's compressed data inverted. */
export function damagePart(bytes: Uint8Array, name: string, fraction: number): Uint8Array {
  const part = listZipParts(bytes).find((candidate) => candidate.name === name);
  if (!part) throw new Error(`no part ${name}`);
  const damaged = bytes.slice();
  const at = part.start + Math.floor(part.compressedSize * fraction);
  damaged[at] = (damaged[at] ?? 0) ^ 0xff;
  return damaged;
}

/** Temporary files this process holds (exceljs names them tmp-<pid>-...). */
export function ownTempFiles(): string[] {
  return readdirSync(tmpdir()).filter((name) => name.startsWith(`tmp-${process.pid}-`));
}
