import { ORDER_CLASH_REASONS } from "@promo/domain";
import { z } from "zod";
import { StackRefusalDetailsSchema } from "../jobs/reservations.ts";
import { EventEnvelopeSchema } from "./envelope.ts";

const MoneySchema = z.number().int().nonnegative();

const ReservationFields = {
  reservationId: z.uuid(),
  code: z.string(),
  campaignId: z.uuid().nullable(),
  accountId: z.string(),
  sequence: z.number().int().nonnegative(),
};

/**
 * Out, topic promo.redemptions, key = the code's upper-cased key: one event per reservation state
 * change, in order per code.
 */
export const RedemptionEventSchema = z.discriminatedUnion("type", [
  EventEnvelopeSchema.extend({
    type: z.literal("reservation.reserved"),
    ...ReservationFields,
    discount: MoneySchema,
    expiresAt: z.iso.datetime(),
    partnerId: z.uuid().nullable(),
  }),
  EventEnvelopeSchema.extend({
    type: z.literal("reservation.rejected"),
    ...ReservationFields,
    errorCode: z.string(),
    /** A refused stack only: which reservation of `stacksOn`, and why (as the API's `error.details`). */
    errorDetails: StackRefusalDetailsSchema.optional(),
  }),
  EventEnvelopeSchema.extend({ type: z.literal("reservation.released"), ...ReservationFields }),
  EventEnvelopeSchema.extend({ type: z.literal("reservation.expired"), ...ReservationFields }),
  EventEnvelopeSchema.extend({
    type: z.literal("reservation.confirmed"),
    ...ReservationFields,
    orderNumber: z.string(),
    /** What the order came to: order.placed's orderTotal, or HTTP confirm's (by default the quoted total less the order's earlier codes' discounts). */
    orderTotal: MoneySchema,
    discount: MoneySchema,
    partnerId: z.uuid().nullable(),
  }),
  /**
   * The order was cancelled: what its `.confirmed` said of the redemption (order total, discount, the
   * partner credited), so a partner platform reverses a commission from this event alone.
   */
  EventEnvelopeSchema.extend({
    type: z.literal("reservation.cancelled"),
    ...ReservationFields,
    orderNumber: z.string(),
    orderTotal: MoneySchema,
    discount: MoneySchema,
    partnerId: z.uuid().nullable(),
  }),
  /**
   * Not a state change: an order.placed the reservation could not take (it ran out and the code has
   * no room left, it belongs to another account, ...). The order system should drop the discount.
   */
  EventEnvelopeSchema.extend({
    type: z.literal("reservation.confirmation_refused"),
    ...ReservationFields,
    orderNumber: z.string(),
    status: z.string(),
    errorCode: z.string(),
    /** A clash with the order (another account's, another currency, codes that do not stack): the order's reservation in the way. */
    conflictsWith: z.uuid().optional(),
    /** NOT_COMBINABLE: CAMPAIGNS_DO_NOT_COMBINE, or PRICED_APART (neither was reserved stacked on the other). */
    reason: z.enum(ORDER_CLASH_REASONS).optional(),
  }),
]);
export type RedemptionEvent = z.infer<typeof RedemptionEventSchema>;
export type RedemptionEventType = RedemptionEvent["type"];
