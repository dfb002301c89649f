/**
 * Whether processed event ids outlive the `orders` topic's messages, as deduplication needs: an
 * event read again (a reset of the group's offsets, a replay from the beginning) after its id was
 * removed would be applied again. Ids kept for good (0) always do; a topic that keeps its messages
 * for good (null) outlives any other retention.
 */
export function processedIdsOutliveMessages(input: {
  topicRetentionMs: number | null;
  processedEventRetentionMs: number;
}): boolean {
  if (input.processedEventRetentionMs === 0) return true;
  return input.topicRetentionMs !== null && input.topicRetentionMs <= input.processedEventRetentionMs;
}
