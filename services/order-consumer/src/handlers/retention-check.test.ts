import { describe, expect, it } from "vitest";
import { processedIdsOutliveMessages } from "./retention-check.ts";

const HOUR = 3_600_000;

describe("processedIdsOutliveMessages", () => {
  it("holds when ids are kept at least as long as the topic keeps its messages, or for good", () => {
    expect(
      processedIdsOutliveMessages({ topicRetentionMs: 168 * HOUR, processedEventRetentionMs: 168 * HOUR }),
    ).toBe(true);
    expect(
      processedIdsOutliveMessages({ topicRetentionMs: 24 * HOUR, processedEventRetentionMs: 168 * HOUR }),
    ).toBe(true);
    expect(processedIdsOutliveMessages({ topicRetentionMs: null, processedEventRetentionMs: 0 })).toBe(true);
    expect(processedIdsOutliveMessages({ topicRetentionMs: 720 * HOUR, processedEventRetentionMs: 0 })).toBe(
      true,
    );
  });

  it("fails when the topic keeps messages longer than the ids, or for good", () => {
    expect(
      processedIdsOutliveMessages({ topicRetentionMs: 720 * HOUR, processedEventRetentionMs: 168 * HOUR }),
    ).toBe(false);
    expect(
      processedIdsOutliveMessages({ topicRetentionMs: null, processedEventRetentionMs: 168 * HOUR }),
    ).toBe(false);
  });
});
