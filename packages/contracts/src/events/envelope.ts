import { z } from "zod";
import { UuidSchema } from "../uuid.ts";

/** Fields every event carries (SPEC §6). */
export const EventEnvelopeSchema = z.object({
  eventId: UuidSchema,
  storeId: UuidSchema,
  occurredAt: z.iso.datetime({ offset: true }),
});

/** Logical topics; each deployment maps them to physical names (tests use unique ones). */
export const TOPICS = {
  orders: "orders",
  ordersDeadLetter: "orders.dlq",
  redemptions: "promo.redemptions",
  alerts: "promo.alerts",
} as const;
export type TopicName = keyof typeof TOPICS;

/**
 * The Kafka headers of every event we publish (promo.redemptions, promo.alerts): its `type` and its
 * `eventId`, so a consumer routes or dedupes without parsing the value.
 */
export const EVENT_HEADERS = { type: "event-type", id: "event-id" } as const;
