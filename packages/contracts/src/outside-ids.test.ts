import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AccountIdSchema } from "./account-id.ts";
import { OrderEventSchema } from "./events/order-events.ts";
import { IdParamsSchema } from "./http/common.ts";
import { UuidSchema } from "./uuid.ts";

/** Each hex letter of the id in upper or lower case, as the flags say. */
function recased(id: string, upper: readonly boolean[]): string {
  return [...id].map((char, index) => (upper[index] ? char.toUpperCase() : char)).join("");
}

describe("UuidSchema", () => {
  it("reads an id in any mix of cases as its lower-case form", () => {
    fc.assert(
      fc.property(fc.uuid(), fc.array(fc.boolean(), { minLength: 36, maxLength: 36 }), (id, upper) => {
        expect(UuidSchema.parse(recased(id, upper))).toBe(id);
      }),
    );
  });

  it("still refuses what is not a UUID", () => {
    for (const bad of [
      "",
      "not-a-uuid",
      "0B8A9F34-1D2C-4A5E-9B7F-3C2D1E0F4A5",
      "0b8a9f341d2c4a5e9b7f3c2d1e0f4a5b",
    ]) {
      expect(UuidSchema.safeParse(bad).success).toBe(false);
    }
  });

  it("is the form every outside id takes: path ids and order events (a guest's e-mail lower-cased as at checkout)", () => {
    expect(IdParamsSchema.parse({ id: "0B8A9F34-1D2C-4A5E-9B7F-3C2D1E0F4A5B" })).toEqual({
      id: "0b8a9f34-1d2c-4a5e-9b7f-3c2d1e0f4a5b",
    });
    const placed = OrderEventSchema.parse({
      type: "order.placed",
      eventId: "AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE",
      storeId: "0B8A9F34-1D2C-4A5E-9B7F-3C2D1E0F4A5B",
      occurredAt: "2026-11-24T03:00:00Z",
      orderNumber: "A-1",
      reservationId: "FFFFFFFF-0000-4000-8000-00000000000A",
      accountId: " Guest@Example.COM ",
      orderTotal: 100,
    });
    expect(placed).toMatchObject({
      eventId: "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee",
      storeId: "0b8a9f34-1d2c-4a5e-9b7f-3c2d1e0f4a5b",
      reservationId: "ffffffff-0000-4000-8000-00000000000a",
      accountId: "guest@example.com",
    });
  });
});

describe("AccountIdSchema", () => {
  it("reads an id in Unicode's composed form, so both ways of typing an accented letter are one account", () => {
    expect(AccountIdSchema.parse("cafe\u0301-fan")).toBe("caf\u00e9-fan");
    expect(AccountIdSchema.parse(" Cafe\u0301@Example.com ")).toBe("caf\u00e9@example.com");
    // Hangul typed as separate jamo and as one syllable.
    expect(AccountIdSchema.parse("\u1100\u1161")).toBe("\uac00");
  });

  it("gives every canonically equivalent spelling of an id the same account", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 }), (text) => {
        fc.pre(text.trim().length > 0);
        const forms = (["NFC", "NFD"] as const).map((form) =>
          AccountIdSchema.safeParse(text.normalize(form)),
        );
        expect(forms[0]).toEqual(forms[1]);
      }),
    );
  });
});
