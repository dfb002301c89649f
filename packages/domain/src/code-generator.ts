import { CODE_MAX_LENGTH, CODE_MIN_LENGTH } from "./code-rules.ts";
import { DomainError } from "./errors.ts";

/** Upper-case letters and digits without look-alikes (no 0/O, 1/I/L): 23 letters + 8 digits = 31. */
export const CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
export const DEFAULT_CODE_LENGTH = 10;
/**
 * The random part of a generated code (length minus prefix) is never shorter than this; the whole
 * code is still at least CODE_MIN_LENGTH. With a prefix of 4+ characters the random part may be
 * shorter than 6, and the code-space check (1,000 × count) then bounds how many codes it can carry.
 */
export const MIN_RANDOM_LENGTH = 4;
/** The most codes one generation job takes (SPEC §4: up to 1,000,000, streamed in batches). */
export const MAX_GENERATED_CODES = 1_000_000;
/** SPEC §4: the code space must be at least this many times the number of codes. */
export const CODE_SPACE_FACTOR = 1_000n;

const SYMBOLS = CODE_ALPHABET.length;
/** Largest multiple of the alphabet size that fits a byte (248): bytes at or above it are rejected. */
const UNBIASED_LIMIT = 256 - (256 % SYMBOLS);
/** Never ask the random source for more than this at once (Web Crypto's getRandomValues limit). */
const MAX_RANDOM_REQUEST = 65_536;
const PREFIX_PATTERN = /^[A-Za-z0-9]*$/;

/** A source of uniformly random bytes, e.g. `(n) => crypto.randomBytes(n)`. */
export type RandomBytes = (length: number) => Uint8Array;

export type GenerationSpec = {
  count: number;
  /** Total length, prefix included; DEFAULT_CODE_LENGTH when absent. */
  length?: number;
  /** Letters and digits, kept as given; none when absent. */
  prefix?: string;
};

/** Number of distinct random parts of this length: 31^randomLength. */
export function codeSpaceSize(randomLength: number): bigint {
  return BigInt(SYMBOLS) ** BigInt(randomLength);
}

/**
 * Refuses (DomainError CODE_SPACE_TOO_SMALL) when the code space is smaller than 1,000 × the codes
 * it would hold: `count` new ones, the `existing` codes the store already has in it (same length
 * and prefix) and the `queued` ones that unfinished generation jobs are still to make in it, so that
 * a guessed code hits a real one with probability at most 1/1,000 (SPEC §4), however many jobs fill
 * the same space, one after the other or at once.
 */
export function checkCodeSpace(count: number, randomLength: number, existing = 0, queued = 0): void {
  const space = codeSpaceSize(randomLength);
  const required = CODE_SPACE_FACTOR * BigInt(count + existing + queued);
  if (space < required) {
    throw new DomainError("CODE_SPACE_TOO_SMALL", {
      count,
      ...(existing > 0 ? { existingCodes: existing } : {}),
      ...(queued > 0 ? { queuedCodes: queued } : {}),
      randomLength,
      codeSpace: space.toString(),
      required: required.toString(),
    });
  }
}

/**
 * How many of the codes unfinished generations of the same length are still to make would fall in
 * a space (codes of that length starting with `space.prefix`, any letter case): all of a job whose
 * prefix starts with the space's, and of a job whose prefix the space's extends by k characters the
 * share its random part lands there, 31^-k, when those k characters are symbols of the alphabet
 * (none otherwise: a random part never holds an O or a 1). Rounded up.
 */
export function queuedCodesInSpace(
  space: { prefix: string },
  jobs: readonly { prefix: string; remaining: number }[],
): number {
  const spacePrefix = space.prefix.toUpperCase();
  let expected = 0;
  for (const job of jobs) {
    const jobPrefix = job.prefix.toUpperCase();
    if (jobPrefix.startsWith(spacePrefix)) expected += job.remaining;
    else if (spacePrefix.startsWith(jobPrefix)) {
      const drawn = spacePrefix.slice(jobPrefix.length);
      if ([...drawn].every((symbol) => CODE_ALPHABET.includes(symbol)))
        expected += job.remaining / SYMBOLS ** drawn.length;
    }
  }
  return Math.ceil(expected);
}

function refuseField(path: string, message: string): never {
  throw new DomainError("VALIDATION_ERROR", { fields: [{ path, message }] });
}

/**
 * Checks a generation request and returns it with its defaults filled in: count an integer
 * 1..MAX_GENERATED_CODES; length an integer CODE_MIN_LENGTH..CODE_MAX_LENGTH (prefix included);
 * prefix letters and digits leaving at least MIN_RANDOM_LENGTH random characters (otherwise
 * VALIDATION_ERROR with field details); a code space of at least 1,000 × count (otherwise
 * CODE_SPACE_TOO_SMALL).
 */
export function checkGenerationSpec(spec: GenerationSpec): Required<GenerationSpec> {
  const { count, length = DEFAULT_CODE_LENGTH, prefix = "" } = spec;
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_GENERATED_CODES) {
    refuseField("count", `must be an integer 1..${MAX_GENERATED_CODES}`);
  }
  if (!Number.isSafeInteger(length) || length < CODE_MIN_LENGTH || length > CODE_MAX_LENGTH) {
    refuseField("length", `must be an integer ${CODE_MIN_LENGTH}..${CODE_MAX_LENGTH}`);
  }
  if (!PREFIX_PATTERN.test(prefix)) refuseField("prefix", "may contain only letters A-Z, a-z and digits 0-9");
  if (length - prefix.length < MIN_RANDOM_LENGTH) {
    refuseField(
      "prefix",
      `must leave at least ${MIN_RANDOM_LENGTH} random characters in a ${length}-character code`,
    );
  }
  checkCodeSpace(count, length - prefix.length);
  return { count, length, prefix };
}

/** Draws uniformly random alphabet symbols from a byte source, rejecting bytes >= 248 (no modulo bias). */
function createSymbolSource(randomBytes: RandomBytes, expectedSymbols: number): () => string {
  let pool: Uint8Array = new Uint8Array(0);
  let position = 0;
  let wanted = expectedSymbols;
  return () => {
    for (;;) {
      if (position >= pool.length) {
        // About 3% of bytes are rejected: ask for a little more than the symbols still expected.
        const request = Math.min(MAX_RANDOM_REQUEST, Math.max(64, Math.ceil(wanted * 1.05) + 16));
        pool = randomBytes(request);
        position = 0;
        if (pool.length === 0) throw new Error("randomBytes returned no bytes");
      }
      const byte = pool[position] ?? UNBIASED_LIMIT;
      position += 1;
      if (byte < UNBIASED_LIMIT) {
        wanted = Math.max(0, wanted - 1);
        return CODE_ALPHABET.charAt(byte % SYMBOLS);
      }
    }
  };
}

/**
 * `count` distinct codes of `length` characters (prefix included, default 10), each random symbol
 * drawn uniformly from CODE_ALPHABET by rejection sampling on bytes. A code drawn twice in the batch
 * is skipped and drawn again. Randomness comes only from `randomBytes`; uniqueness against codes
 * already stored is the caller's business. Throws as checkGenerationSpec does.
 */
export function generateCodes(spec: GenerationSpec & { randomBytes: RandomBytes }): string[] {
  const { count, length, prefix } = checkGenerationSpec(spec);
  const randomLength = length - prefix.length;
  const nextSymbol = createSymbolSource(spec.randomBytes, count * randomLength);
  const codes = new Set<string>();
  while (codes.size < count) {
    let code = prefix;
    for (let index = 0; index < randomLength; index += 1) code += nextSymbol();
    codes.add(code);
  }
  return [...codes];
}
