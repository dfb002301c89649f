import type { Sql } from "./sql.ts";

/**
 * An event to record as processed: its store, its id and a fingerprint of what it said. Ids are
 * the order systems' own, so they are kept per store: two stores may send one id.
 */
export type ProcessedEventMark = { storeId: string; eventId: string; fingerprint: string };

/** What names an event among those processed: its id within its store. */
export function processedEventKey(event: { storeId: string; eventId: string }): string {
  return `${event.storeId}/${event.eventId}`;
}

/**
 * Records Kafka events as processed by `consumer`, in the caller's transaction (the same one that
 * applies their effects). Returns the keys (processedEventKey) of the events that were new (an event
 * seen before is not applied again) and, for the others, the fingerprint they were recorded with
 * (null for rows recorded before fingerprints were kept), to tell a redelivery from another event
 * sent under a used id.
 */
export async function markEventsProcessed(
  sql: Sql,
  consumer: string,
  marks: readonly ProcessedEventMark[],
): Promise<{ fresh: Set<string>; earlier: Map<string, string | null> }> {
  if (marks.length === 0) return { fresh: new Set(), earlier: new Map() };
  const { rows } = await sql.query<{ storeId: string; eventId: string }>(
    // In key order: two batches holding the same events (one event sent twice under different
    // keys, so to two partitions) then wait on each other's first common one, never in opposite
    // orders.
    `INSERT INTO processed_event (consumer, store_id, event_id, fingerprint)
     SELECT $1, mark.store_id, mark.event_id, mark.fingerprint
     FROM unnest($2::uuid[], $3::uuid[], $4::text[]) AS mark(store_id, event_id, fingerprint)
     ORDER BY mark.store_id, mark.event_id
     ON CONFLICT DO NOTHING
     RETURNING store_id AS "storeId", event_id AS "eventId"`,
    [
      consumer,
      marks.map((mark) => mark.storeId),
      marks.map((mark) => mark.eventId),
      marks.map((mark) => mark.fingerprint),
    ],
  );
  const fresh = new Set(rows.map(processedEventKey));
  const seen = marks.filter((mark) => !fresh.has(processedEventKey(mark)));
  if (seen.length === 0) return { fresh, earlier: new Map() };
  const recorded = await sql.query<{ storeId: string; eventId: string; fingerprint: string | null }>(
    `SELECT p.store_id AS "storeId", p.event_id AS "eventId", p.fingerprint
     FROM processed_event p
     JOIN unnest($2::uuid[], $3::uuid[]) AS seen(store_id, event_id)
       ON p.store_id = seen.store_id AND p.event_id = seen.event_id
     WHERE p.consumer = $1`,
    [consumer, seen.map((mark) => mark.storeId), seen.map((mark) => mark.eventId)],
  );
  return {
    fresh,
    earlier: new Map(recorded.rows.map((row) => [processedEventKey(row), row.fingerprint])),
  };
}
