import type { Sql } from "./sql.ts";

/** An event to record as processed: its id and a fingerprint of what it said. */
export type ProcessedEventMark = { eventId: string; fingerprint: string };

/**
 * Records Kafka event ids as processed by `consumer`, in the caller's transaction (the same one
 * that applies their effects). Returns the ids that were new (an id seen before is not applied
 * again) and, for the others, the fingerprint they were recorded with (null for rows recorded
 * before fingerprints were kept), to tell a redelivery from another event sent under a used id.
 */
export async function markEventsProcessed(
  sql: Sql,
  consumer: string,
  marks: readonly ProcessedEventMark[],
): Promise<{ fresh: Set<string>; earlier: Map<string, string | null> }> {
  if (marks.length === 0) return { fresh: new Set(), earlier: new Map() };
  const { rows } = await sql.query<{ event_id: string }>(
    // In id order: two batches holding the same ids (one event sent twice under different keys, so
    // to two partitions) then wait on each other's first common id, never in opposite orders.
    `INSERT INTO processed_event (consumer, event_id, fingerprint)
     SELECT $1, mark.id, mark.fingerprint FROM unnest($2::uuid[], $3::text[]) AS mark(id, fingerprint)
     ORDER BY mark.id
     ON CONFLICT DO NOTHING
     RETURNING event_id`,
    [consumer, marks.map((mark) => mark.eventId), marks.map((mark) => mark.fingerprint)],
  );
  const fresh = new Set(rows.map((row) => row.event_id));
  const seen = marks.filter((mark) => !fresh.has(mark.eventId)).map((mark) => mark.eventId);
  if (seen.length === 0) return { fresh, earlier: new Map() };
  const recorded = await sql.query<{ event_id: string; fingerprint: string | null }>(
    "SELECT event_id, fingerprint FROM processed_event WHERE consumer = $1 AND event_id = ANY($2::uuid[])",
    [consumer, seen],
  );
  return { fresh, earlier: new Map(recorded.rows.map((row) => [row.event_id, row.fingerprint])) };
}
