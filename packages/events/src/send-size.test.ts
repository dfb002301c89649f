import fc from "fast-check";
import { KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from "kafkajs";
import { describe, expect, it } from "vitest";
import { chunkBySize, isMessageTooLarge, messageBytes } from "./send-size.ts";

/** The error kafkajs makes of a broker's error code (its types declare only a message). */
function protocolError(type: string, code: number) {
  const fromBroker = { type, code, retriable: false, message: `${type} from the broker` };
  return new KafkaJSProtocolError(fromBroker as unknown as Error);
}

describe("chunkBySize", () => {
  it("keeps every item, in order, in runs no larger than the limit unless one item alone is", () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 300 })), fc.integer({ min: 1, max: 500 }), (sizes, maxBytes) => {
        const chunks = chunkBySize(sizes, (size) => size, maxBytes);
        expect(chunks.flat()).toEqual(sizes);
        for (const chunk of chunks) {
          expect(chunk.length).toBeGreaterThan(0);
          const total = chunk.reduce((sum, size) => sum + size, 0);
          if (chunk.length > 1) expect(total).toBeLessThanOrEqual(maxBytes);
        }
        // A run ends only where the next item would not have fitted.
        for (let index = 1; index < chunks.length; index += 1) {
          const previous = chunks[index - 1] ?? [];
          const total = previous.reduce((sum, size) => sum + size, 0);
          expect(total + (chunks[index]?.[0] ?? 0)).toBeGreaterThan(maxBytes);
        }
      }),
    );
  });
});

describe("messageBytes", () => {
  it("counts key, value and headers in bytes, not characters", () => {
    const plain = messageBytes({ key: null, value: null });
    expect(messageBytes({ key: "k", value: "€", headers: { h: "v", list: ["ab", Buffer.from("c")] } })).toBe(
      plain + 1 + 3 + 2 + 4 + 3,
    );
  });
});

describe("isMessageTooLarge", () => {
  it("finds the broker's size refusal however kafkajs wrapped it", () => {
    const tooLarge = protocolError("MESSAGE_TOO_LARGE", 10);
    expect(isMessageTooLarge(tooLarge)).toBe(true);
    expect(isMessageTooLarge(protocolError("RECORD_LIST_TOO_LARGE", 18))).toBe(true);
    expect(
      isMessageTooLarge(Object.assign(new KafkaJSNonRetriableError(tooLarge), { cause: tooLarge })),
    ).toBe(true);
    expect(
      isMessageTooLarge(new KafkaJSNumberOfRetriesExceeded(tooLarge, { retryCount: 5, retryTime: 100 })),
    ).toBe(true);
  });

  it("is false for every other failure", () => {
    expect(isMessageTooLarge(protocolError("NOT_LEADER_FOR_PARTITION", 6))).toBe(false);
    expect(isMessageTooLarge(new Error("connection closed"))).toBe(false);
    expect(isMessageTooLarge(null)).toBe(false);
    expect(isMessageTooLarge("MESSAGE_TOO_LARGE")).toBe(false);
  });
});
