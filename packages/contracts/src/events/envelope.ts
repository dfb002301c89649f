import { z } from "zod";

/** Fields every event carries (SPEC §6). */
export const EventEnvelopeSchema = z.object({
  eventId: z.uuid(),
  storeId: z.uuid(),
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
