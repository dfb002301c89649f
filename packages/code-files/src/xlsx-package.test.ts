import { inflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { listZipParts, workbookBytes, xlsxOf } from "./test-workbooks.ts";
import { packFirstWorksheet } from "./xlsx-package.ts";

const pack = async (bytes: Uint8Array) => {
  const packed = await packFirstWorksheet(bytes, { maxUnpackedBytes: 10 * 1024 * 1024 });
  if (!packed.ok) throw new Error(JSON.stringify(packed));
  return packed.zip;
};

describe("packFirstWorksheet", () => {
  it("re-packs the parts in the order exceljs's reader needs, the worksheet before a large last part", async () => {
    const zip = await pack(await xlsxOf([["ABCDEF12"]], [["OTHER0001"]]));
    const parts = listZipParts(zip);
    expect(parts.map((part) => part.name)).toEqual([
      "xl/_rels/workbook.xml.rels",
      "xl/workbook.xml",
      "xl/sharedStrings.xml",
      "xl/styles.xml",
      "xl/worksheets/sheet1.xml",
      "zz-padding.bin",
    ]);
    // Larger than the unzip's stream buffers (16 KB each), so the unzip cannot finish before it is read.
    expect(parts.at(-1)?.size).toBeGreaterThanOrEqual(256 * 1024);
  });

  it("keeps the first tab's worksheet only, and adds empty shared strings when there are none", async () => {
    const bytes = await workbookBytes((workbook) => {
      const created = workbook.addWorksheet("Created first");
      created.addRow([123456]);
      const leftmost = workbook.addWorksheet("Leftmost tab");
      leftmost.addRow([654321]);
      (created as unknown as { orderNo: number }).orderNo = 2;
      (leftmost as unknown as { orderNo: number }).orderNo = 1;
    });
    const zip = await pack(bytes);
    const parts = listZipParts(zip);
    expect(parts.map((part) => part.name)).toContain("xl/worksheets/sheet2.xml");
    expect(parts.map((part) => part.name)).not.toContain("xl/worksheets/sheet1.xml");
    const sharedStrings = parts.find((part) => part.name === "xl/sharedStrings.xml");
    expect(sharedStrings).toBeDefined();
    const sharedStringsXml = inflateRawSync(
      zip.subarray(sharedStrings?.start, (sharedStrings?.start ?? 0) + (sharedStrings?.compressedSize ?? 0)),
    ).toString("utf8");
    expect(sharedStringsXml).toContain('uniqueCount="0"');
  });
});
