import { describe, expect, it } from "vitest";
import { decodeTimeIdCursor, encodeCursor, encodeTimeIdCursor } from "./cursor.ts";

const id = "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f";

describe("time-and-id cursors", () => {
  it("give back the time and id they were made from", () => {
    const at = new Date("2026-11-23T10:00:00.123Z");
    expect(decodeTimeIdCursor(encodeTimeIdCursor(at, id))).toEqual({ at, id });
  });

  it("refuse anything this system did not make, forged well-formed ones included", () => {
    for (const forged of [
      "not-a-cursor",
      encodeCursor([1]),
      encodeCursor(["2026-11-23", id]),
      encodeCursor([1, "not-a-uuid"]),
      encodeCursor([1e20, id]),
      encodeCursor([-1e17, id]),
      // Times a Date holds but PostgreSQL's timestamps or this system's clock never do.
      encodeCursor([-62167219200001, id]),
      encodeCursor([-8.64e15, id]),
      encodeCursor([253402300800000, id]),
      encodeCursor([1.5, id]),
    ])
      expect(decodeTimeIdCursor(forged)).toBeNull();
  });
});
