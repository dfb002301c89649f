import type { Sql } from "./sql.ts";

/**
 * Records Kafka event ids as processed by `consumer`, in the caller's transaction (the same one
 * that applies their effects). Returns the ids that were new: an id seen before is not applied again.
 */
export async function markEventsProcessed(
  sql: Sql,
  consumer: string,
  eventIds: readonly string[],
): Promise<Set<string>> {
  if (eventIds.length === 0) return new Set();
  const { rows } = await sql.query<{ event_id: string }>(
    // In id order: two batches holding the same ids (one event sent twice under different keys, so
    // to two partitions) then wait on each other's first common id, never in opposite orders.
    `INSERT INTO processed_event (consumer, event_id)
     SELECT $1, id FROM unnest($2::uuid[]) AS id ORDER BY id
     ON CONFLICT DO NOTHING
     RETURNING event_id`,
    [consumer, [...eventIds]],
  );
  return new Set(rows.map((row) => row.event_id));
}
