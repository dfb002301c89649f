import { DEAD_LETTER_HEADERS } from "@promo/contracts";
import { messageBytes, SEND_CHUNK_BYTES } from "@promo/events";
import { KafkaJSNonRetriableError, KafkaJSProtocolError, type KafkaMessage, type Message } from "kafkajs";
import { describe, expect, it } from "vitest";
import { type DeadLetter, sendDeadLetters } from "./dead-letters.ts";

const source = { topic: "orders", partition: 2, failedAt: new Date("2026-11-24T03:00:00Z") };

function letter(offset: number, valueBytes: number, key = "order-1"): DeadLetter {
  const message: KafkaMessage = {
    key: Buffer.from(key),
    value: Buffer.alloc(valueBytes, "x"),
    headers: { "trace-id": "t-1" },
    offset: String(offset),
    timestamp: "0",
    attributes: 0,
  };
  return { message, reason: "malformed", error: "not JSON" };
}

/** A broker that refuses, as Kafka does, any send whose messages add up to more than `limit` bytes. */
function broker(limit: number) {
  const written: Message[] = [];
  const sends: number[] = [];
  return {
    written,
    sends,
    async send(messages: Message[]): Promise<void> {
      sends.push(messages.length);
      if (messages.reduce((sum, message) => sum + messageBytes(message), 0) > limit) {
        // As kafkajs reports a broker's refusal: its types declare only a message.
        const fromBroker = { type: "MESSAGE_TOO_LARGE", code: 10, retriable: false, message: "too large" };
        const refusal = new KafkaJSProtocolError(fromBroker as unknown as Error);
        throw Object.assign(new KafkaJSNonRetriableError(refusal), { cause: refusal });
      }
      written.push(...messages);
    },
  };
}

const offsets = (messages: Message[]) =>
  messages.map((message) => (message.headers as Record<string, string>)[DEAD_LETTER_HEADERS.offset]);

describe("sendDeadLetters", () => {
  it("sends many letters in order, in chunks no larger than SEND_CHUNK_BYTES, each with its original and our headers", async () => {
    const kafka = broker(1_048_588);
    const letters = Array.from({ length: 3_000 }, (_, index) => letter(index, 900));
    expect(await sendDeadLetters(kafka.send, letters, source)).toEqual([]);
    expect(offsets(kafka.written)).toEqual(letters.map((entry) => entry.message.offset));
    expect(kafka.sends.length).toBeGreaterThan(5);
    expect(Math.max(...kafka.sends) * 900).toBeLessThanOrEqual(SEND_CHUNK_BYTES);
    expect(kafka.written[0]).toMatchObject({
      key: Buffer.from("order-1"),
      value: Buffer.alloc(900, "x"),
      headers: {
        "trace-id": "t-1",
        [DEAD_LETTER_HEADERS.reason]: "malformed",
        [DEAD_LETTER_HEADERS.error]: "not JSON",
        [DEAD_LETTER_HEADERS.topic]: "orders",
        [DEAD_LETTER_HEADERS.partition]: "2",
        [DEAD_LETTER_HEADERS.offset]: "0",
        [DEAD_LETTER_HEADERS.failedAt]: "2026-11-24T03:00:00.000Z",
      },
    });
  });

  it("sends a letter the broker refuses with our headers without its value, original headers and long key; the others as they are", async () => {
    const kafka = broker(10_000);
    const letters = [letter(0, 100), letter(1, 9_990, "k".repeat(2_000)), letter(2, 100)];
    const omitted = await sendDeadLetters(kafka.send, letters, source);
    expect(omitted).toEqual([letters[1]]);
    expect(offsets(kafka.written)).toEqual(["0", "1", "2"]);
    expect(kafka.written[1]).toEqual({
      key: null,
      value: null,
      headers: expect.objectContaining({
        [DEAD_LETTER_HEADERS.reason]: "malformed",
        [DEAD_LETTER_HEADERS.offset]: "1",
        [DEAD_LETTER_HEADERS.valueOmitted]: "9990",
      }),
    });
    expect(kafka.written[1]?.headers).not.toHaveProperty("trace-id");
    expect(kafka.written[0]?.value).toEqual(Buffer.alloc(100, "x"));
  });

  it("keeps a short key on a letter sent without its value, and throws every other failure", async () => {
    const kafka = broker(5_000);
    await sendDeadLetters(kafka.send, [letter(7, 6_000)], source);
    expect(kafka.written[0]?.key).toEqual(Buffer.from("order-1"));
    const failing = async () => {
      throw new Error("broker away");
    };
    await expect(sendDeadLetters(failing, [letter(8, 10)], source)).rejects.toThrow("broker away");
  });
});
