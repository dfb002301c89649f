import { randomUUID } from "node:crypto";
import { type RedemptionEvent, RedemptionEventSchema, TOPICS } from "@promo/contracts";
import type { ExpiredHold, NewOutboxRow } from "./reservation-ledger.ts";

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
