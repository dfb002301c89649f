import { randomUUID } from "node:crypto";
import { type RedemptionEvent, RedemptionEventSchema, TOPICS } from "@promo/contracts";
import type { ExpiredHold, NewOutboxRow } from "./reservation-ledger.ts";
import type { Sql } from "./sql.ts";

type EventBody<T extends RedemptionEvent["type"]> = Omit<
  Extract<RedemptionEvent, { type: T }>,
  "eventId" | "occurredAt" | "type"
>;

/**
 * One outbox row for a reservation state change. The payload is validated against the event
 * contract here, so a malformed event fails the transaction that would have written it.
 */
export function redemptionOutboxRow<T extends RedemptionEvent["type"]>(
  type: T,
  codeKey: string,
  body: EventBody<T>,
  occurredAt: Date,
): NewOutboxRow {
  const event = RedemptionEventSchema.parse({
    eventId: randomUUID(),
    type,
    occurredAt: occurredAt.toISOString(),
    ...body,
  });
  return {
    store_id: event.storeId,
    topic: TOPICS.redemptions,
    key: codeKey,
    event_type: type,
    payload: event,
  };
}

/** The `reservation.expired` event of a hold whose time ran out. */
export function expiredHoldOutboxRow(hold: ExpiredHold, now: Date): NewOutboxRow {
  return redemptionOutboxRow(
    "reservation.expired",
    hold.codeKey,
    {
      storeId: hold.storeId,
      reservationId: hold.id,
      code: hold.codeInput,
      campaignId: hold.campaignId,
      accountId: hold.accountId,
      sequence: hold.sequence,
    },
    now,
  );
}

export type PendingOutboxEvent = {
  id: string;
  topic: string;
  key: string;
  eventType: string;
  payload: unknown;
};

/** The oldest unpublished outbox rows, in id order (numeric: `ORDER BY id` would sort the text alias). */
export async function fetchUnpublishedOutbox(sql: Sql, limit: number): Promise<PendingOutboxEvent[]> {
  const { rows } = await sql.query<PendingOutboxEvent>(
    `SELECT id::text AS id, topic, key, event_type AS "eventType", payload FROM outbox_event
     WHERE published_at IS NULL ORDER BY outbox_event.id LIMIT $1`,
    [limit],
  );
  return rows;
}

export async function markOutboxPublished(sql: Sql, ids: readonly string[], now: Date): Promise<void> {
  if (ids.length === 0) return;
  await sql.query(`UPDATE outbox_event SET published_at = $2 WHERE id = ANY($1::bigint[])`, [[...ids], now]);
}

/**
 * Published rows older than `before` are only history: removed in chunks, from the `limit` oldest
 * rows by id (the relay publishes in id order, so history is the head of the table; reading the
 * head by primary key costs the same however large the table, and needs no index on published_at).
 */
export async function deletePublishedOutbox(sql: Sql, before: Date, limit = 10_000): Promise<number> {
  const { rows } = await sql.query<{ deleted: number }>(
    `WITH head AS (
       SELECT id, published_at FROM outbox_event ORDER BY id LIMIT $2
     ), old AS (
       SELECT id FROM head WHERE published_at < $1
     ), gone AS (DELETE FROM outbox_event o USING old WHERE o.id = old.id RETURNING 1)
     SELECT count(*)::int AS deleted FROM gone`,
    [before, limit],
  );
  return rows[0]?.deleted ?? 0;
}

/** Rows written but not yet on Kafka, and the age of the oldest (the relay's lag). */
export async function measureOutboxLag(sql: Sql, now: Date): Promise<{ pending: number; oldestMs: number }> {
  const { rows } = await sql.query<{ pending: number; oldest: Date | null }>(
    `SELECT count(*)::int AS pending, min(created_at) AS oldest FROM outbox_event WHERE published_at IS NULL`,
  );
  const row = rows[0];
  return {
    pending: row?.pending ?? 0,
    oldestMs: row?.oldest ? now.getTime() - new Date(row.oldest).getTime() : 0,
  };
}
