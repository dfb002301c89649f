// The two codec libraries ship no types; these are the calls compression-codecs.ts makes.
declare module "snappyjs" {
  const snappy: {
    compress(input: Uint8Array): Uint8Array;
    uncompress(input: Uint8Array): Uint8Array;
  };
  export default snappy;
}

declare module "lz4js" {
  const lz4: {
    /** Decodes the block at src[start, start + length) into dst from dstStart; returns where it ended. */
    decompressBlock(
      src: Uint8Array,
      dst: Uint8Array,
      start: number,
      length: number,
      dstStart: number,
    ): number;
  };
  export default lz4;
}
