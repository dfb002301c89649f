import { describe, expect, it } from "vitest";
import { decodeTimeIdCursor, encodeCursor, encodeTimeIdCursor, listScope } from "./cursor.ts";

const id = "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f";
const scope = listScope("actions", "store-a", new Date("2026-11-01T00:00:00Z"), null);

describe("time-and-id cursors", () => {
  it("give back the time and id they were made from, to the list that made them", () => {
    const at = new Date("2026-11-23T10:00:00.123Z");
    expect(decodeTimeIdCursor(encodeTimeIdCursor(at, id, scope), scope)).toEqual({ at, id });
  });

  it("are refused by any other list: another store's, the same list with other filters", () => {
    const cursor = encodeTimeIdCursor(new Date("2026-11-23T10:00:00Z"), id, scope);
    for (const other of [
      listScope("actions", "store-b", new Date("2026-11-01T00:00:00Z"), null),
      listScope("actions", "store-a", new Date("2026-11-02T00:00:00Z"), null),
      listScope("actions", "store-a", new Date("2026-11-01T00:00:00Z"), "campaign-1"),
      listScope("alerts", "store-a", new Date("2026-11-01T00:00:00Z"), null),
    ])
      expect(decodeTimeIdCursor(cursor, other)).toBeNull();
    // A filter left out and one given as null are the same list.
    expect(listScope("campaigns", "store-a", undefined)).toBe(listScope("campaigns", "store-a", null));
  });

  it("refuse anything this system did not make, forged well-formed ones included", () => {
    for (const forged of [
      "not-a-cursor",
      encodeCursor([1]),
      encodeCursor([1, id]),
      encodeCursor(["2026-11-23", id, scope]),
      encodeCursor([1, "not-a-uuid", scope]),
      encodeCursor([1e20, id, scope]),
      encodeCursor([-1e17, id, scope]),
      // Times a Date holds but PostgreSQL's timestamps or this system's clock never do.
      encodeCursor([-62167219200001, id, scope]),
      encodeCursor([-8.64e15, id, scope]),
      encodeCursor([253402300800000, id, scope]),
      encodeCursor([1.5, id, scope]),
    ])
      expect(decodeTimeIdCursor(forged, scope)).toBeNull();
  });
});
