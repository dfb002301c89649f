import { describe, expect, it } from "vitest";
import { parseOrderMessage } from "./parse-message.ts";

const placed = {
  eventId: "6f1c2f5e-8a3a-4c41-9a55-4b7d2a0c9e10",
  type: "order.placed",
  storeId: "0b8a9f34-1d2c-4a5e-9b7f-3c2d1e0f4a5b",
  occurredAt: "2026-11-11T00:00:01+08:00",
  orderNumber: "WVQP8DYGV",
  reservationId: "1a2b3c4d-1a2b-4c3d-8e9f-1a2b3c4d5e6f",
  accountId: "member-1",
  orderTotal: 1599,
};

const bytes = (value: unknown) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value));

describe("orders messages", () => {
  it("accepts order.placed and order.cancelled", () => {
    expect(parseOrderMessage(bytes(placed))).toEqual({ kind: "event", event: placed });
    const cancelled = { ...placed, type: "order.cancelled" };
    expect(parseOrderMessage(bytes(cancelled))).toMatchObject({
      kind: "event",
      event: { type: "order.cancelled" },
    });
  });

  it("takes an order system's eventId as any UUID, whatever its version bits, in lower case", () => {
    for (const eventId of ["12345678-1234-1234-1234-123456789012", "ABCDEF01-2345-0789-0BCD-EF0123456789"]) {
      expect(parseOrderMessage(bytes({ ...placed, eventId }))).toEqual({
        kind: "event",
        event: { ...placed, eventId: eventId.toLowerCase() },
      });
    }
    expect(
      parseOrderMessage(bytes({ ...placed, eventId: "12345678-1234-1234-1234-12345678901" })),
    ).toMatchObject({
      kind: "dead",
      reason: "invalid",
    });
  });

  it("takes occurredAt in any form the HTTP API takes, kept as sent; a time without an offset is invalid", () => {
    for (const occurredAt of [
      "2026-11-11T00:00:01Z",
      "2026-11-11T00:00:01.5+08:00",
      "2026-11-11T00:00:01+0800",
      "2026-11-11T00:00:01-03",
    ]) {
      expect(parseOrderMessage(bytes({ ...placed, occurredAt }))).toEqual({
        kind: "event",
        event: { ...placed, occurredAt },
      });
    }
    for (const occurredAt of ["2026-11-11T00:00:01", "2026-11-11", "yesterday", "2026-11-11T00:00:01+8"]) {
      expect(parseOrderMessage(bytes({ ...placed, occurredAt }))).toEqual({
        kind: "dead",
        reason: "invalid",
        error: "occurredAt: must be an ISO 8601 date-time with an offset, e.g. 2026-11-11T00:00:00+08:00",
      });
    }
  });

  it("tells an occurredAt the calendar does not have from one in the wrong form", () => {
    for (const occurredAt of ["2026-02-30T00:00:01+08:00", "2026-11-11T24:00:01+0800"]) {
      expect(parseOrderMessage(bytes({ ...placed, occurredAt }))).toEqual({
        kind: "dead",
        reason: "invalid",
        error: "occurredAt: is written as a date-time but names a day, time or offset that does not exist",
      });
    }
  });

  it("names why a message is dead: not JSON, unknown type, invalid fields", () => {
    expect(parseOrderMessage(bytes("{not json"))).toMatchObject({ kind: "dead", reason: "malformed" });
    expect(parseOrderMessage(null)).toMatchObject({ kind: "dead", reason: "malformed" });
    expect(parseOrderMessage(bytes({ ...placed, type: "order.shipped" }))).toMatchObject({
      kind: "dead",
      reason: "unknown_type",
    });
    // No type at all is an event that fails its schema, not one of a type we do not know.
    for (const type of [undefined, null]) {
      expect(parseOrderMessage(bytes({ ...placed, type }))).toEqual({
        kind: "dead",
        reason: "invalid",
        error: "type: is required (order.placed or order.cancelled)",
      });
    }
    expect(parseOrderMessage(bytes({ ...placed, type: 5 }))).toEqual({
      kind: "dead",
      reason: "unknown_type",
      error: "unknown event type 5",
    });
    for (const notAnObject of ["[1,2]", "null", "42", '"order.placed"'])
      expect(parseOrderMessage(bytes(notAnObject))).toEqual({
        kind: "dead",
        reason: "invalid",
        error: "(event): must be a JSON object",
      });
    const invalid = parseOrderMessage(bytes({ ...placed, orderTotal: -1, reservationId: "nope" }));
    expect(invalid).toMatchObject({ kind: "dead", reason: "invalid" });
    expect(invalid.kind === "dead" && invalid.error).toMatch(/reservationId/);
    // One reason per field: a total past 2^53 - 1 is too big, not also "not an integer".
    for (const [orderTotal, said] of [
      [1e300, "orderTotal: must be at most 9,007,199,254,740,991"],
      [-1, "orderTotal: must be 0 or more"],
      [9.5, "orderTotal: must be an integer amount in minor units"],
    ] as const)
      expect(parseOrderMessage(bytes({ ...placed, orderTotal }))).toEqual({
        kind: "dead",
        reason: "invalid",
        error: said,
      });
  });

  it("refuses bytes that are not UTF-8 as malformed, never reading them as U+FFFD; a leading BOM is dropped", () => {
    const json = JSON.stringify(placed);
    const at = json.indexOf("WVQP");
    const garbled = Buffer.concat([
      Buffer.from(json.slice(0, at)),
      Buffer.from([0xff, 0xfe, 0x80]),
      Buffer.from(json.slice(at)),
    ]);
    expect(parseOrderMessage(garbled)).toEqual({
      kind: "dead",
      reason: "malformed",
      error: "not JSON: the bytes are not UTF-8 text",
    });
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes(placed)]);
    expect(parseOrderMessage(withBom)).toEqual({ kind: "event", event: placed });
  });

  it("sends an event PostgreSQL could not store (U+0000, a lone surrogate) to the dead letters", () => {
    expect(parseOrderMessage(bytes({ ...placed, orderNumber: "WVQP\u0000DYGV" }))).toEqual({
      kind: "dead",
      reason: "invalid",
      error: "orderNumber: must not contain the NUL character (U+0000)",
    });
    expect(parseOrderMessage(bytes({ ...placed, accountId: "member-\ud800" }))).toEqual({
      kind: "dead",
      reason: "invalid",
      error: "accountId: must be well-formed Unicode (it holds a lone surrogate)",
    });
  });
});
