import { DEAD_LETTER_HEADERS, type DeadLetterReason } from "@promo/contracts";
import { chunkBySize, isMessageTooLarge, messageBytes } from "@promo/events";
import type { IHeaders, KafkaMessage, Message } from "kafkajs";

/** An `orders` message that cannot be applied, and why. */
export type DeadLetter = { message: KafkaMessage; reason: DeadLetterReason; error: string };

/** Where the letters come from and when they failed (their headers say so). */
export type DeadLetterSource = { topic: string; partition: number; failedAt: Date };

/** The part of the error text a letter carries. */
const ERROR_HEADER_MAX_CHARS = 2_000;
/** A key longer than this is left off a letter sent without its original. */
const OMITTED_KEY_MAX_BYTES = 1_024;

function deadLetterHeaders(letter: DeadLetter, source: DeadLetterSource): IHeaders {
  return {
    [DEAD_LETTER_HEADERS.reason]: letter.reason,
    [DEAD_LETTER_HEADERS.error]: letter.error.slice(0, ERROR_HEADER_MAX_CHARS),
    [DEAD_LETTER_HEADERS.topic]: source.topic,
    [DEAD_LETTER_HEADERS.partition]: String(source.partition),
    [DEAD_LETTER_HEADERS.offset]: letter.message.offset,
    [DEAD_LETTER_HEADERS.failedAt]: source.failedAt.toISOString(),
  };
}

/** The letter as it goes to the dead-letter topic: the original key, bytes and headers, plus ours. */
export function deadLetterMessage(letter: DeadLetter, source: DeadLetterSource): Message {
  return {
    key: letter.message.key,
    value: letter.message.value,
    headers: { ...letter.message.headers, ...deadLetterHeaders(letter, source) },
  };
}

/**
 * The letter without what made it too large: no value, none of the original headers, no key over
 * 1 KiB, and `valueOmitted` giving the value's size. The original stays readable at its offset in
 * the original topic (the headers name it).
 */
export function deadLetterWithoutOriginal(letter: DeadLetter, source: DeadLetterSource): Message {
  const { key, value } = letter.message;
  return {
    key: key !== null && key.length <= OMITTED_KEY_MAX_BYTES ? key : null,
    value: null,
    headers: {
      ...deadLetterHeaders(letter, source),
      [DEAD_LETTER_HEADERS.valueOmitted]: String(value?.length ?? 0),
    },
  };
}

/**
 * Sends the letters in order, in sends of at most SEND_CHUNK_BYTES. A send the broker refuses as too
 * large is sent again letter by letter, and a letter it refuses on its own goes without its original
 * (`deadLetterWithoutOriginal`): sending it again as it was could never succeed, and the partition
 * behind it would stop for good. Other failures are thrown (the caller's batch is retried). A
 * letter of a refused send may be written twice. Returns the letters that went without their
 * original.
 */
export async function sendDeadLetters(
  send: (messages: Message[]) => Promise<void>,
  letters: readonly DeadLetter[],
  source: DeadLetterSource,
): Promise<DeadLetter[]> {
  const withoutOriginal: DeadLetter[] = [];
  const entries = letters.map((letter) => ({ letter, message: deadLetterMessage(letter, source) }));
  for (const chunk of chunkBySize(entries, ({ message }) => messageBytes(message))) {
    try {
      await send(chunk.map(({ message }) => message));
      continue;
    } catch (error) {
      if (!isMessageTooLarge(error)) throw error;
    }
    for (const { letter, message } of chunk) {
      if (chunk.length > 1) {
        try {
          await send([message]);
          continue;
        } catch (error) {
          if (!isMessageTooLarge(error)) throw error;
        }
      }
      await send([deadLetterWithoutOriginal(letter, source)]);
      withoutOriginal.push(letter);
    }
  }
  return withoutOriginal;
}
