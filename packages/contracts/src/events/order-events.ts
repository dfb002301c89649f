import { z } from "zod";
import { AccountIdSchema } from "../account-id.ts";
import { UuidSchema } from "../uuid.ts";
import { EventEnvelopeSchema } from "./envelope.ts";

const OrderNumberSchema = z.string().trim().min(1).max(128);

/**
 * In, topic `orders` (keyed by order number, so one order's events stay in order): what order
 * systems tell us. Anything that does not parse goes to `orders.dlq` with the reason.
 */
export const OrderEventSchema = z.discriminatedUnion("type", [
  EventEnvelopeSchema.extend({
    type: z.literal("order.placed"),
    orderNumber: OrderNumberSchema,
    reservationId: UuidSchema,
    accountId: AccountIdSchema,
    orderTotal: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  }),
  EventEnvelopeSchema.extend({
    type: z.literal("order.cancelled"),
    orderNumber: OrderNumberSchema,
  }),
]);
export type OrderEvent = z.infer<typeof OrderEventSchema>;
export type OrderPlaced = Extract<OrderEvent, { type: "order.placed" }>;
export type OrderCancelled = Extract<OrderEvent, { type: "order.cancelled" }>;

/** Headers of a message moved to `orders.dlq`; its value is the original bytes, untouched. */
export const DEAD_LETTER_HEADERS = {
  reason: "x-dlq-reason",
  error: "x-dlq-error",
  topic: "x-original-topic",
  partition: "x-original-partition",
  offset: "x-original-offset",
  failedAt: "x-failed-at",
} as const;
