/// <reference path="./vendor-codecs.d.ts" />
import { decompress as zstdDecompress } from "fzstd";
import kafkajs from "kafkajs";
import lz4 from "lz4js";
import snappy from "snappyjs";

/**
 * kafkajs reads only gzip by itself: a batch a Java, Go or librdkafka producer compressed with
 * snappy, lz4 or zstd (common settings there) made it throw KafkaJSNotImplemented, which crashes a
 * consumer for good (kafkajs restarts only on retriable errors) and stalls every partition behind
 * that one batch. These codecs, pure JavaScript, read all three. This system produces uncompressed
 * batches; snappy can also be written (the Java client's format), lz4 and zstd cannot (lz4js writes
 * dependent blocks, which Kafka refuses; fzstd only decompresses).
 */
export function registerCompressionCodecs(): void {
  // Not named imports: Node.js cannot see these two among kafkajs's CommonJS exports.
  const { CompressionCodecs, CompressionTypes } = kafkajs;
  CompressionCodecs[CompressionTypes.Snappy] = () => ({
    compress: async (encoder: { buffer: Buffer }) => xerialSnappy(encoder.buffer),
    decompress: async (buffer: Buffer) => unsnappy(buffer),
  });
  CompressionCodecs[CompressionTypes.LZ4] = () => ({
    compress: readOnly("lz4"),
    decompress: async (buffer: Buffer) => unlz4(buffer),
  });
  CompressionCodecs[CompressionTypes.ZSTD] = () => ({
    compress: readOnly("zstd"),
    decompress: async (buffer: Buffer) => Buffer.from(zstdDecompress(buffer)),
  });
}

function readOnly(name: string): () => Promise<Buffer> {
  return async () => {
    throw new Error(`${name} compression is read here, not written: produce uncompressed, gzip or snappy`);
  };
}

/**
 * The Java client's snappy: the xerial stream format (snappy-java's SnappyOutputStream), a 16-byte
 * header (magic, version, compatible version), then blocks, each a 4-byte big-endian length and a
 * raw snappy block. Other clients write one raw snappy block, without the header.
 */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = 16;
/** snappy-java's default block size. */
const XERIAL_BLOCK_BYTES = 32 * 1024;

export function unsnappy(buffer: Buffer): Buffer {
  if (buffer.length < XERIAL_HEADER_BYTES || !buffer.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC))
    return Buffer.from(snappy.uncompress(buffer));
  const blocks: Buffer[] = [];
  let offset = XERIAL_HEADER_BYTES;
  while (offset < buffer.length) {
    if (offset + 4 > buffer.length) throw new Error("snappy: a block's length is cut off");
    const length = buffer.readInt32BE(offset);
    offset += 4;
    if (length < 0 || offset + length > buffer.length) throw new Error("snappy: a block is cut off");
    blocks.push(Buffer.from(snappy.uncompress(buffer.subarray(offset, offset + length))));
    offset += length;
  }
  return Buffer.concat(blocks);
}

export function xerialSnappy(plain: Buffer): Buffer {
  const header = Buffer.alloc(XERIAL_HEADER_BYTES);
  XERIAL_MAGIC.copy(header);
  header.writeInt32BE(1, 8);
  header.writeInt32BE(1, 12);
  const parts = [header];
  for (let offset = 0; offset < plain.length; offset += XERIAL_BLOCK_BYTES) {
    const block = Buffer.from(snappy.compress(plain.subarray(offset, offset + XERIAL_BLOCK_BYTES)));
    const length = Buffer.alloc(4);
    length.writeInt32BE(block.length);
    parts.push(length, block);
  }
  return Buffer.concat(parts);
}

const LZ4_MAGIC = 0x184d2204;
/**
 * The most a batch may unpack to. The broker takes batches of at most about 1 MB, and LZ4 packs at
 * most about 255 to 1, so a batch any producer wrote fits; a larger claim is refused rather than
 * allocated.
 */
export const LZ4_MAX_UNPACKED_BYTES = 256 * 1024 * 1024;
/** Block maximum sizes by the frame's block size code (BD byte, bits 4-6). */
const LZ4_BLOCK_MAX: Record<number, number> = { 4: 65_536, 5: 262_144, 6: 1_048_576, 7: 4_194_304 };

/**
 * The LZ4 frame format (Kafka since 0.10): magic, a descriptor (flags, block size, an optional
 * content size, a header checksum), then blocks, each a 4-byte little-endian size (its high bit:
 * stored uncompressed), the data and, when the flags say so, a 4-byte checksum after it; a zero
 * size ends the frame, then an optional content checksum. Frames may follow one another. Parsed
 * here because lz4js's own frame reader looks for a block's checksum before its data (a frame with
 * block checksums decoded to garbage and stopped the order consumer); only its block decoder is
 * used. Checksums are not verified: the broker checked the batch's CRC when it took it. Blocks
 * are decoded one after another into one buffer, so blocks that refer to earlier ones read too.
 */
export function unlz4(src: Buffer, maxUnpackedBytes = LZ4_MAX_UNPACKED_BYTES): Buffer {
  const blocks: { start: number; size: number; compressed: boolean; max: number }[] = [];
  let offset = 0;
  const need = (bytes: number) => {
    if (offset + bytes > src.length) throw new Error("lz4: the frame is cut off");
  };
  while (offset < src.length) {
    need(7);
    if (src.readUInt32LE(offset) !== LZ4_MAGIC) throw new Error("lz4: not an LZ4 frame");
    const flags = src[offset + 4] ?? 0;
    if ((flags & 0xc0) !== 0x40) throw new Error("lz4: unknown frame version");
    if ((flags & 0x01) !== 0) throw new Error("lz4: frames that need a dictionary are not read");
    const max = LZ4_BLOCK_MAX[((src[offset + 5] ?? 0) >> 4) & 0x07];
    if (max === undefined) throw new Error("lz4: unknown block size");
    const blockChecksums = (flags & 0x10) !== 0;
    offset += 6 + ((flags & 0x08) !== 0 ? 8 : 0) + 1;
    for (;;) {
      need(4);
      const word = src.readUInt32LE(offset);
      offset += 4;
      if (word === 0) break;
      const size = word & 0x7fffffff;
      if (size > max) throw new Error("lz4: a block is larger than the frame allows");
      need(size + (blockChecksums ? 4 : 0));
      blocks.push({ start: offset, size, compressed: (word & 0x80000000) === 0, max });
      offset += size + (blockChecksums ? 4 : 0);
    }
    if ((flags & 0x04) !== 0) {
      need(4);
      offset += 4;
    }
  }
  // The buffer grows with what the blocks unpack to, not with the most each may (a 7 KB frame of
  // 1,000 two-byte blocks that each claim up to 4 MB made this allocate 4 GB and fail the batch).
  let out = Buffer.alloc(0);
  let written = 0;
  const room = (bytes: number) => {
    const wanted = Math.min(written + bytes, maxUnpackedBytes);
    if (wanted <= out.length) return;
    const grown = Buffer.alloc(Math.min(Math.max(wanted, out.length * 2), maxUnpackedBytes));
    out.copy(grown, 0, 0, written);
    out = grown;
  };
  for (const block of blocks) {
    room(block.compressed ? block.max : block.size);
    if (block.compressed) written = lz4.decompressBlock(src, out, block.start, block.size, written);
    else written += src.copy(out, written, block.start, block.start + block.size);
    // lz4js drops what falls past the buffer and says how far it would have gone.
    if (written > out.length)
      throw new Error(`lz4: the batch unpacks to more than ${maxUnpackedBytes} bytes`);
  }
  return out.subarray(0, written);
}
