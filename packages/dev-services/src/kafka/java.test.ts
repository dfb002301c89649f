import { describe, expect, it } from "vitest";
import { parseJavaMajorVersion } from "./java.ts";

describe("parseJavaMajorVersion", () => {
  it("reads modern and 1.x version strings", () => {
    expect(parseJavaMajorVersion('openjdk version "17.0.15" 2025-04-15')).toBe(17);
    expect(parseJavaMajorVersion('openjdk version "21" 2023-09-19')).toBe(21);
    expect(parseJavaMajorVersion('java version "1.8.0_392"')).toBe(8);
  });

  it("returns null for output without a version", () => {
    expect(parseJavaMajorVersion("command not found")).toBeNull();
  });
});
