import { z } from "zod";
import { AccountIdSchema } from "../account-id.ts";
import { DATE_TIME_FORM, dateTimeProblem, withColonInOffset } from "../http/common.ts";
import { ForeignUuidSchema, UuidSchema } from "../uuid.ts";
import { EventEnvelopeSchema } from "./envelope.ts";

const OrderNumberSchema = z.string().trim().min(1).max(128);

/**
 * In, topic `orders` (keyed by order number, so one order's events stay in order): what order
 * systems tell us. Anything that does not parse goes to `orders.dlq` with the reason.
 */
const IsoDateTimeSchema = z.iso.datetime({ offset: true });

const OrderEnvelopeSchema = EventEnvelopeSchema.extend({
  eventId: ForeignUuidSchema,
  // In any form the HTTP API takes (`Z`, `+08:00`, `+08`, `+0800`), kept as sent: nothing reads it
  // but the reader of a dead letter.
  occurredAt: z
    .string()
    .superRefine((value, context) => {
      const written = withColonInOffset(value);
      if (!IsoDateTimeSchema.safeParse(written).success) {
        context.addIssue({ code: "custom", message: dateTimeProblem(written, DATE_TIME_FORM) });
      }
    })
    .meta({
      format: "date-time",
      pattern: "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}(:?\\d{2})?)$",
      description:
        "ISO 8601 with seconds and an offset: Z, +08:00, +08 or +0800 (a date and time that exist)",
    }),
});

export const OrderEventSchema = z.discriminatedUnion("type", [
  OrderEnvelopeSchema.extend({
    type: z.literal("order.placed"),
    orderNumber: OrderNumberSchema,
    reservationId: UuidSchema,
    accountId: AccountIdSchema,
    // Out of range first, and alone, as the HTTP API's money: zod's integer check also fails a
    // whole number past 2^53 - 1, which said the same thing twice.
    orderTotal: z
      .number()
      .min(0, { message: "must be 0 or more", abort: true })
      .max(Number.MAX_SAFE_INTEGER, { message: "must be at most 9,007,199,254,740,991", abort: true })
      .int("must be an integer amount in minor units"),
  }),
  OrderEnvelopeSchema.extend({
    type: z.literal("order.cancelled"),
    orderNumber: OrderNumberSchema,
  }),
]);
export type OrderEvent = z.infer<typeof OrderEventSchema>;
export type OrderPlaced = Extract<OrderEvent, { type: "order.placed" }>;
export type OrderCancelled = Extract<OrderEvent, { type: "order.cancelled" }>;

/** Headers of a message moved to `orders.dlq`; its value is the original bytes, untouched (but see `valueOmitted`). */
/**
 * Why a message went to `orders.dlq` (its `x-dlq-reason`). Those naming what the store does not
 * have (yet) were not recorded as processed: replayed once it exists, they apply.
 */
export const DEAD_LETTER_REASONS = {
  malformed: "not JSON (or not UTF-8), or empty",
  unknown_type: "a type other than order.placed and order.cancelled",
  invalid: "fails the event's schema, or holds text PostgreSQL cannot store",
  unknown_reservation:
    "an order.placed naming no reservation of its store (replay it once the reservation is RESERVED)",
  unknown_order:
    "an order.cancelled of an order its store never confirmed (replay it after the order.placed)",
  unknown_store: "an order.cancelled naming no store",
  event_id_reused: "another event of its store was applied under its eventId",
} as const;
export type DeadLetterReason = keyof typeof DEAD_LETTER_REASONS;

export const DEAD_LETTER_HEADERS = {
  reason: "x-dlq-reason",
  error: "x-dlq-error",
  topic: "x-original-topic",
  partition: "x-original-partition",
  offset: "x-original-offset",
  failedAt: "x-failed-at",
  /**
   * Set (to the value's size in bytes) on a letter the broker would not take with its dead-letter
   * headers added: it goes without the original value and headers (and a key over 1 KiB); the
   * original stays at its offset in the original topic for as long as that topic keeps it.
   */
  valueOmitted: "x-dlq-value-omitted",
} as const;
