import { randomBytes } from "node:crypto";

/**
 * JSON.stringify, with every bigint written as a JSON number of all its digits (JSON numbers have no
 * size limit; JSON.stringify refuses bigints, and a number past 2^53 - 1 would be rounded). A client
 * that needs them exact parses such numbers as big integers. Each bigint is first written as a
 * string holding a mark made afresh for the call, then that whole string (right after ":", "," or
 * "[", where a value starts) is replaced by the digits: no text of the value's own carries the mark.
 */
export function jsonWithBigInts(value: unknown): string {
  const mark = `bigint-${randomBytes(12).toString("hex")}:`;
  const text = JSON.stringify(value, (_key, item: unknown) =>
    typeof item === "bigint" ? `${mark}${item}` : item,
  );
  return text.replace(new RegExp(`([:,[])"${mark}(-?\\d+)"`, "g"), "$1$2");
}
