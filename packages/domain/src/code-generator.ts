import { CODE_MAX_LENGTH, CODE_MIN_LENGTH } from "./code-rules.ts";
import { DomainError } from "./errors.ts";

/** Upper-case letters and digits without look-alikes: no 0/O, 1/I/L. 31 symbols. */
export const CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
export const DEFAULT_CODE_LENGTH = 10;
/** The random part of a generated code is never shorter than this. */
export const MIN_RANDOM_LENGTH = 4;
/** SPEC §4: the code space must be at least this many times the number of codes. */
export const CODE_SPACE_FACTOR = 1_000n;

const SYMBOLS = CODE_ALPHABET.length;
/** Largest multiple of the alphabet size that fits a byte: bytes at or above it are rejected. */
const UNBIASED_LIMIT = 256 - (256 % SYMBOLS);

export type RandomBytes = (length: number) => Uint8Array;

export type GenerationSpec = { count: number; length: number; prefix: string };

export function codeSpaceSize(randomLength: number): bigint {
  return BigInt(SYMBOLS) ** BigInt(randomLength);
}

/**
 * Checks a generation request: total length within the code rules, a random part of at least
 * MIN_RANDOM_LENGTH, a prefix of letters and digits, and a code space of at least 1,000 × count so
 * codes stay unguessable (otherwise CODE_SPACE_TOO_SMALL).
 */
export function checkGenerationSpec(spec: GenerationSpec): void {
  if (!/^[A-Za-z0-9]*$/.test(spec.prefix)) {
    throw new DomainError("VALIDATION_ERROR", {
      fields: [{ path: "prefix", message: "letters and digits only" }],
    });
  }
  if (spec.length < CODE_MIN_LENGTH || spec.length > CODE_MAX_LENGTH) {
    throw new DomainError("VALIDATION_ERROR", {
      fields: [{ path: "length", message: `must be ${CODE_MIN_LENGTH}..${CODE_MAX_LENGTH}` }],
    });
  }
  const randomLength = spec.length - spec.prefix.length;
  if (randomLength < MIN_RANDOM_LENGTH) {
    throw new DomainError("VALIDATION_ERROR", {
      fields: [{ path: "prefix", message: `leaves fewer than ${MIN_RANDOM_LENGTH} random characters` }],
    });
  }
  if (codeSpaceSize(randomLength) < CODE_SPACE_FACTOR * BigInt(spec.count)) {
    throw new DomainError("CODE_SPACE_TOO_SMALL", {
      count: spec.count,
      length: spec.length,
      randomLength,
      codeSpace: codeSpaceSize(randomLength).toString(),
    });
  }
}

/**
 * `count` distinct codes of `length` characters (prefix included), each random symbol drawn
 * uniformly from CODE_ALPHABET by rejection sampling (no modulo bias). Randomness comes only from
 * `randomBytes`.
 */
export function generateCodes(spec: GenerationSpec & { randomBytes: RandomBytes }): string[] {
  checkGenerationSpec(spec);
  const randomLength = spec.length - spec.prefix.length;
  const codes = new Set<string>();
  let pool = spec.randomBytes(0);
  let position = 0;
  const nextSymbol = (): string => {
    for (;;) {
      if (position >= pool.length) {
        pool = spec.randomBytes(Math.max(64, randomLength * (spec.count - codes.size) * 2));
        position = 0;
      }
      const byte = pool[position] ?? 0;
      position += 1;
      if (byte < UNBIASED_LIMIT) return CODE_ALPHABET[byte % SYMBOLS] ?? "A";
    }
  };
  while (codes.size < spec.count) {
    let code = spec.prefix;
    for (let index = 0; index < randomLength; index += 1) code += nextSymbol();
    codes.add(code);
  }
  return [...codes];
}
