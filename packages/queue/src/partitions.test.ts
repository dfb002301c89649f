import { describe, expect, it } from "vitest";
import { hashKey, partitionKey, partitionOf, reservationQueueName } from "./partitions.ts";

describe("partitions", () => {
  it("hashes with FNV-1a (known vectors)", () => {
    expect(hashKey("")).toBe(0x811c9dc5);
    expect(hashKey("a")).toBe(0xe40c292c);
    expect(hashKey("foobar")).toBe(0xbf9cf968);
  });

  it("maps a code to one partition, whatever process computes it", () => {
    const partition = partitionOf("store-1", "DOUBLE11", 16);
    expect(partition).toBeGreaterThanOrEqual(0);
    expect(partition).toBeLessThan(16);
    expect(partitionOf("store-1", "DOUBLE11", 16)).toBe(partition);
  });

  it("spreads many codes over every partition", () => {
    const counts = new Array<number>(16).fill(0);
    for (let index = 0; index < 16_000; index += 1) {
      const partition = partitionOf("store-1", `CODE${index}`, 16);
      counts[partition] = (counts[partition] ?? 0) + 1;
    }
    for (const count of counts) expect(count).toBeGreaterThan(700);
  });

  it("puts every key of a partition under one Redis Cluster hash tag", () => {
    expect(reservationQueueName(7)).toBe("{reservations-07}");
    expect(partitionKey("promo", 7, "owner")).toBe("promo:{reservations-07}:owner");
  });
});
