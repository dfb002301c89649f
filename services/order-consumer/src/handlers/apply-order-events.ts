import { createHash } from "node:crypto";
import type { OrderCancelled, OrderPlaced } from "@promo/contracts";
import {
  cancelOrderReservations,
  confirmationRefusedOutboxRow,
  confirmHeldReservations,
  confirmReservation,
  type Database,
  type Db,
  insertOutboxEvents,
  markEventsProcessed,
  prismaSql,
  processedEventKey,
  storeExists,
} from "@promo/db";

export const ORDER_CONSUMER = "order-consumer";

export type OrderEffect =
  | {
      kind: "confirmed" | "already-confirmed" | "cancelled" | "nothing-to-cancel" | "duplicate";
      eventId: string;
    }
  | { kind: "refused"; eventId: string; errorCode: string }
  /**
   * Not applied, dead-lettered; `index`: the event's place in the batch. An order.placed naming no
   * reservation of its store; an order.cancelled naming a store that does not exist, or an order
   * its store never confirmed; another event under an id its store already used (here or earlier).
   */
  | {
      kind: "unknown-reservation" | "unknown-store" | "unknown-order" | "reused-event-id";
      eventId: string;
      index: number;
    };

/**
 * What an event said, as a fingerprint: sha256 of the parsed event without `occurredAt` (a producer
 * that stamps a retry anew sends the same event again). A redelivery has the fingerprint of the
 * event first recorded under its id; another event under that id does not.
 */
export function eventFingerprint(event: OrderPlaced | OrderCancelled): string {
  const { occurredAt: _occurredAt, ...said } = event;
  return createHash("sha256").update(JSON.stringify(said)).digest("hex");
}

/**
 * Applies a batch of order events in one transaction, effectively once: each event id is recorded
 * as processed in the same transaction as its effect, so a redelivered event changes nothing.
 *
 * order.placed confirms its reservation and links the order number. A hold that ran out, expired
 * or was released is confirmed only if the code would grant it again now; otherwise, and when the
 * order's account is not the reservation's, a `reservation.confirmation_refused` event tells the
 * order system. An unknown reservation is not recorded as processed: its message goes to the
 * dead-letter topic. order.cancelled cancels the order's confirmed reservations (slot returned);
 * an order with none left is a no-op, and an order never confirmed (or a store that does not
 * exist) is not recorded as processed: dead-lettered, as an unknown reservation is, so a cancel
 * that came before its order.placed can be replayed after it. Events take effect in the batch's
 * order (the partition's), so an order cancelled and placed again keeps its new reservation. An
 * event whose id its store already used for another event (a different fingerprint) is not applied
 * either: `reused-event-id`, for the DLQ. Effects come in the order of the batch's segments
 * (segmentsOfDistinctEvents), within one as its duplicates and reused ids, then what was applied.
 */
export async function applyOrderEvents(
  database: Database,
  events: readonly (OrderPlaced | OrderCancelled)[],
  now: Date,
): Promise<OrderEffect[]> {
  return database.prisma.$transaction(
    async (tx) => {
      const effects: OrderEffect[] = [];
      // Whether each store named by a cancel that found nothing exists: asked once per batch.
      const storesSeen = new Map<string, boolean>();
      const storeIsKnown = async (storeId: string) => {
        const known = storesSeen.get(storeId) ?? (await storeExists(prismaSql(tx), storeId));
        storesSeen.set(storeId, known);
        return known;
      };
      for (const segment of segmentsOfDistinctEvents(events)) {
        await applySegment(tx, segment, now, effects, storeIsKnown);
      }
      return effects;
    },
    { timeout: 60_000, maxWait: 30_000 },
  );
}

type BatchEntry = { event: OrderPlaced | OrderCancelled; index: number };

/**
 * The batch cut where an event's id (in its store) comes again: each segment holds an id once, and
 * applied after the one before it, sees the earlier event under the id as recorded, or, when that
 * one was not applied (an unknown reservation), as never sent. So an event sent again under its id
 * meets the same fate whether it came in the same batch or in the next one. Most batches are one
 * segment.
 */
function segmentsOfDistinctEvents(events: readonly (OrderPlaced | OrderCancelled)[]): BatchEntry[][] {
  const segments: BatchEntry[][] = [];
  let current: BatchEntry[] = [];
  let keys = new Set<string>();
  events.forEach((event, index) => {
    const key = processedEventKey(event);
    if (keys.has(key)) {
      segments.push(current);
      current = [];
      keys = new Set();
    }
    keys.add(key);
    current.push({ event, index });
  });
  if (current.length > 0) segments.push(current);
  return segments;
}

/** Applies events whose ids (in their stores) are all distinct, in their order; appends their effects. */
async function applySegment(
  tx: Db,
  segment: readonly BatchEntry[],
  now: Date,
  effects: OrderEffect[],
  storeIsKnown: (storeId: string) => Promise<boolean>,
): Promise<void> {
  const sql = prismaSql(tx);
  const fingerprints = new Map(segment.map(({ event }) => [event, eventFingerprint(event)]));
  const { fresh, earlier } = await markEventsProcessed(
    sql,
    ORDER_CONSUMER,
    segment.map(({ event }) => ({
      storeId: event.storeId,
      eventId: event.eventId,
      fingerprint: fingerprints.get(event) ?? "",
    })),
  );
  const indexOf = new Map(segment.map(({ event, index }) => [event, index]));
  const toApply: (OrderPlaced | OrderCancelled)[] = [];
  for (const { event, index } of segment) {
    const key = processedEventKey(event);
    if (fresh.has(key)) {
      toApply.push(event);
      continue;
    }
    // What the event applied under this id said. A row recorded before fingerprints were kept
    // (null) cannot tell: a duplicate, as it always was.
    const applied = earlier.get(key);
    effects.push(
      applied != null && applied !== fingerprints.get(event)
        ? { kind: "reused-event-id", eventId: event.eventId, index }
        : { kind: "duplicate", eventId: event.eventId },
    );
  }

  const unknown: (OrderPlaced | OrderCancelled)[] = [];
  const notApplied = (
    kind: "unknown-reservation" | "unknown-store" | "unknown-order",
    event: OrderPlaced | OrderCancelled,
  ) => {
    effects.push({ kind, eventId: event.eventId, index: indexOf.get(event) ?? -1 });
    unknown.push(event);
  };
  // Events take effect in the order they sit in the partition: each order.cancelled ends a run of
  // order.placed events, which are confirmed together, so a cancel never reaches an order placed
  // after it in the same batch.
  let run: OrderPlaced[] = [];
  for (const event of [...toApply, null]) {
    if (event?.type === "order.placed") {
      run.push(event);
      continue;
    }
    await confirmPlaced(tx, run, now, effects, notApplied);
    run = [];
    if (event === null) break;
    const cancelled = await cancelOrderReservations(tx, {
      storeId: event.storeId,
      orderNumber: event.orderNumber,
      now,
    });
    // An order the store does not know (never confirmed, or its order.placed not applied yet: it
    // came later, or under another key) is not cancelled by nothing: dead-lettered, to be replayed
    // once it is placed, as an order.placed naming an unknown reservation is. A store that does not
    // exist is an order system sending the wrong storeId.
    if (cancelled === null) {
      notApplied((await storeIsKnown(event.storeId)) ? "unknown-order" : "unknown-store", event);
      continue;
    }
    effects.push({
      kind: cancelled.length > 0 ? "cancelled" : "nothing-to-cancel",
      eventId: event.eventId,
    });
  }
  if (unknown.length > 0) {
    // Not applied: their messages go to the dead-letter topic, and a redelivery may try again.
    await tx.processedEvent.deleteMany({
      where: {
        consumer: ORDER_CONSUMER,
        OR: unknown.map((event) => ({ storeId: event.storeId, eventId: event.eventId })),
      },
    });
  }
}

/**
 * A run of order.placed events, in order: the reservations still held are confirmed together in
 * one statement, the rest (a hold that ran out, a second event for one reservation, an unknown
 * reservation) one by one after them. Effects are appended; an unknown reservation is told to
 * `notApplied`.
 */
async function confirmPlaced(
  tx: Db,
  run: readonly OrderPlaced[],
  now: Date,
  effects: OrderEffect[],
  notApplied: (kind: "unknown-reservation", event: OrderPlaced) => void,
): Promise<void> {
  if (run.length === 0) return;
  const sql = prismaSql(tx);
  const seenReservations = new Set<string>();
  const fastPath = run.filter((event) => {
    if (seenReservations.has(event.reservationId)) return false;
    seenReservations.add(event.reservationId);
    return true;
  });
  const confirmed = await confirmHeldReservations(
    sql,
    fastPath.map((event) => ({
      reservationId: event.reservationId,
      storeId: event.storeId,
      accountId: event.accountId,
      orderNumber: event.orderNumber,
      orderTotal: event.orderTotal,
    })),
    now,
  );
  const appliedFast = new Set<OrderPlaced>();
  for (const event of fastPath) {
    if (confirmed.has(event.reservationId)) {
      appliedFast.add(event);
      effects.push({ kind: "confirmed", eventId: event.eventId });
    }
  }
  for (const event of run) {
    if (appliedFast.has(event)) continue;
    const result = await confirmReservation(tx, {
      storeId: event.storeId,
      id: event.reservationId,
      orderNumber: event.orderNumber,
      orderTotal: event.orderTotal,
      accountId: event.accountId,
      now,
    });
    if (!result) {
      notApplied("unknown-reservation", event);
    } else if (result.kind === "refused") {
      await insertOutboxEvents(sql, [confirmationRefusedOutboxRow(result, event.orderNumber, now)]);
      effects.push({ kind: "refused", eventId: event.eventId, errorCode: result.errorCode });
    } else {
      effects.push({
        kind: result.kind === "changed" ? "confirmed" : "already-confirmed",
        eventId: event.eventId,
      });
    }
  }
}
