import { describe, expect, it } from "vitest";
import { nextCleanupDue } from "./history.ts";

describe("nextCleanupDue", () => {
  it("waits a minute after a cleanup that found less than a chunk", () => {
    expect(nextCleanupDue(1_000, 0)).toBe(61_000);
    expect(nextCleanupDue(1_000, 9_999)).toBe(61_000);
  });

  it("is due at once after a full chunk, so history is removed as fast as it comes", () => {
    expect(nextCleanupDue(1_000, 10_000)).toBe(1_000);
    expect(nextCleanupDue(1_000, 5, 5)).toBe(1_000);
  });
});
