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
    decompress: async (buffer: Buffer) => Buffer.from(lz4.decompress(buffer)),
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
