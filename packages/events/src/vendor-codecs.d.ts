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
    /** An LZ4 frame's content. */
    decompress(input: Uint8Array): Uint8Array;
  };
  export default lz4;
}
