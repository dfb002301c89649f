import type { Message } from "kafkajs";

/**
 * Kafka refuses a record batch over the topic's `max.message.bytes` (1 MiB by default), and refuses
 * it for good: a publisher that sends it again and again stops everything behind it. Publishers
 * split what they send into sends of at most this many bytes, half the default limit, so however
 * many messages one round holds, no send becomes a batch the broker refuses.
 */
export const SEND_CHUNK_BYTES = 512 * 1024;

/** A record's own framing in a batch (lengths, offsets, timestamps), generously. */
const RECORD_OVERHEAD_BYTES = 32;

/** About what a message takes in a record batch: key, value, headers and framing. */
export function messageBytes(message: Message): number {
  let bytes = RECORD_OVERHEAD_BYTES + byteLength(message.key) + byteLength(message.value);
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    bytes += Buffer.byteLength(name);
    for (const item of Array.isArray(value) ? value : [value]) bytes += byteLength(item);
  }
  return bytes;
}

function byteLength(value: string | Buffer | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === "string" ? Buffer.byteLength(value) : value.length;
}

/**
 * Consecutive runs of `items`, in order, each at most `maxBytes` by `sizeOf`; an item larger than
 * that goes in a run of its own.
 */
export function chunkBySize<T>(
  items: readonly T[],
  sizeOf: (item: T) => number,
  maxBytes: number = SEND_CHUNK_BYTES,
): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let currentBytes = 0;
  for (const item of items) {
    const bytes = sizeOf(item);
    if (current.length > 0 && currentBytes + bytes > maxBytes) {
      chunks.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(item);
    currentBytes += bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

const TOO_LARGE = new Set(["MESSAGE_TOO_LARGE", "RECORD_LIST_TOO_LARGE"]);

/** Whether a send failed because the broker refuses a message or batch that large (retrying cannot help). */
export function isMessageTooLarge(error: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (typeof current === "object" && current !== null && !seen.has(current)) {
    seen.add(current);
    if (TOO_LARGE.has(String((current as { type?: unknown }).type))) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
