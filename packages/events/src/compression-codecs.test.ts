import { readFileSync } from "node:fs";
import { CompressionCodecs, CompressionTypes } from "kafkajs";
import { describe, expect, it } from "vitest";
import { registerCompressionCodecs, unlz4, unsnappy, xerialSnappy } from "./compression-codecs.ts";

/** The text the fixtures hold compressed (MakeFixtures.java): order events, one per line, 70 KB. */
function fixtureText(): Buffer {
  let text = "";
  for (let index = 0; text.length < 70_000; index += 1)
    text += `${JSON.stringify({
      type: "order.placed",
      eventId: `e${index}`,
      orderNumber: `ORD-${(index * 7_919) % 100_000}`,
      orderTotal: index * 13,
    })}\n`;
  return Buffer.from(text);
}

const fixture = (name: string) =>
  readFileSync(new URL(`./compression-fixtures/${name}.bin`, import.meta.url));

registerCompressionCodecs();
const codec = (type: CompressionTypes) =>
  (
    CompressionCodecs as Record<
      number,
      () => {
        compress(encoder: { buffer: Buffer }): Promise<Buffer>;
        decompress(buffer: Buffer): Promise<Buffer>;
      }
    >
  )[type]?.();

describe("compression codecs", () => {
  it("read what the Java client's snappy, lz4 and zstd streams wrote", async () => {
    const plain = fixtureText();
    for (const [type, name] of [
      [CompressionTypes.Snappy, "snappy"],
      [CompressionTypes.LZ4, "lz4"],
      [CompressionTypes.ZSTD, "zstd"],
    ] as const) {
      const compressed = fixture(name);
      expect(compressed.length, name).toBeLessThan(plain.length / 2);
      expect((await codec(type)?.decompress(compressed))?.equals(plain), name).toBe(true);
    }
  });

  it("lz4: a frame with a checksum after each block, as other producers may write it", async () => {
    const plain = fixtureText();
    const withChecksums = fixture("lz4-block-checksums");
    // The descriptor says so (block checksums: bit 4), and the blocks are the plain frame's, each
    // followed by 4 bytes.
    expect((withChecksums[4] ?? 0) & 0x10).toBe(0x10);
    expect(withChecksums.length - fixture("lz4").length).toBe(4 * 2);
    expect((await codec(CompressionTypes.LZ4)?.decompress(withChecksums))?.equals(plain)).toBe(true);
  });

  it("lz4: stored blocks, two frames back to back, and a frame cut off", () => {
    const text = Buffer.from("stored as it is");
    const stored = Buffer.alloc(4);
    stored.writeUInt32LE((0x80000000 | text.length) >>> 0);
    // Magic, flags (version 01, independent blocks), block size 64 KiB, header checksum (not read).
    const header = Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82]);
    const frame = Buffer.concat([header, stored, text, Buffer.alloc(4)]);
    expect(unlz4(frame).toString()).toBe("stored as it is");
    expect(unlz4(Buffer.concat([frame, frame])).toString()).toBe("stored as it isstored as it is");
    expect(() => unlz4(frame.subarray(0, frame.length - 6))).toThrow(/cut off/);
    expect(() => unlz4(Buffer.from("not lz4 at all"))).toThrow(/not an LZ4 frame/);
  });

  it("snappy: the xerial stream in blocks of 32 KiB, and one raw block as other clients write it", async () => {
    const plain = fixtureText();
    const written = xerialSnappy(plain);
    // The same framing the Java client wrote: header, then three blocks for 70 KB.
    expect(written.subarray(0, 16)).toEqual(fixture("snappy").subarray(0, 16));
    expect(unsnappy(written).equals(plain)).toBe(true);
    const snappy = (await import("snappyjs")).default;
    expect(unsnappy(Buffer.from(snappy.compress(plain))).equals(plain)).toBe(true);
    expect(() => unsnappy(written.subarray(0, written.length - 10))).toThrow(/cut off/);
  });

  it("lz4 and zstd refuse to write", async () => {
    for (const type of [CompressionTypes.LZ4, CompressionTypes.ZSTD])
      await expect(codec(type)?.compress({ buffer: fixtureText() })).rejects.toThrow(
        /read here, not written/,
      );
  });
});
