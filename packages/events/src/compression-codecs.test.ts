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

  it("lz4: a frame of many tiny blocks that each claim the 4 MiB maximum unpacks to what they hold", () => {
    // Block size code 7 (4 MiB); 2,000 blocks of two bytes, each one literal "A". Sized by what the
    // blocks may hold, this asked for 8 GB and threw, stopping the consumer on a 10 KB message.
    const header = Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x60, 0x70, 0x00]);
    const block = Buffer.from([0x02, 0x00, 0x00, 0x00, 0x10, 0x41]);
    const frame = Buffer.concat([header, ...Array.from({ length: 2_000 }, () => block), Buffer.alloc(4)]);
    expect(unlz4(frame).toString()).toBe("A".repeat(2_000));
  });

  it("lz4: a batch that unpacks to more than the limit is refused, not allocated", () => {
    // One block: the literal "A", then a match one byte back of 4 + 15 + 980 = 999 bytes.
    const header = Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x00]);
    const data = Buffer.from([0x1f, 0x41, 0x01, 0x00, 0xff, 0xff, 0xff, 0xd7]);
    const size = Buffer.alloc(4);
    size.writeUInt32LE(data.length);
    const frame = Buffer.concat([header, size, data, Buffer.alloc(4)]);
    expect(unlz4(frame).toString()).toBe("A".repeat(1_000));
    expect(() => unlz4(frame, 999)).toThrow(/more than 999 bytes/);
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
