import { z } from "@hono/zod-openapi";
import { foldFullWidth, STACK_REFUSAL_REASONS } from "@promo/domain";
import { AccountIdSchema } from "../account-id.ts";
import { CatalogNameSchema } from "../catalog-name.ts";
import { MAX_QUOTE_CODES, MAX_STACKED_RESERVATIONS } from "../jobs/reservations.ts";
import { CurrencySchema, DateTimeOutputSchema, IdSchema, MoneySchema, queryInteger } from "./common.ts";

const MAX_CART_ITEMS = 500;

export const CartItemSchema = z.object({
  productId: CatalogNameSchema,
  unitPrice: MoneySchema,
  quantity: z.number().int().min(1).max(100_000),
});

export const CartSchema = z
  .object({
    currency: CurrencySchema,
    items: z.array(CartItemSchema).min(1, "the cart has no items").max(MAX_CART_ITEMS),
    shipping: MoneySchema.default(0),
  })
  .refine(
    (cart) =>
      cart.items.reduce((sum, item) => sum + item.unitPrice * item.quantity, 0) + cart.shipping <=
      Number.MAX_SAFE_INTEGER,
    "the cart total is too large",
  )
  .openapi("Cart", {
    example: {
      currency: "TWD",
      items: [
        { productId: "A", unitPrice: 100, quantity: 1 },
        { productId: "SWEATSHIRT", unitPrice: 1250, quantity: 1 },
      ],
      shipping: 60,
    },
  });
export type Cart = z.infer<typeof CartSchema>;

const MemberGroupsSchema = z.array(CatalogNameSchema).max(200).default([]);

/**
 * The code as typed: checked against the code rules by the server, so refusals are answers, not 400s.
 * Full-width letters and digits (an input method in full-width mode) read as their ASCII selves.
 */
const TypedCodeSchema = z
  .string()
  .overwrite(foldFullWidth)
  .trim()
  .min(1)
  .max(256)
  .openapi({ example: "DOUBLE11" });

export const QuoteRequestSchema = z
  .object({
    codes: z.array(TypedCodeSchema).min(1).max(MAX_QUOTE_CODES),
    accountId: AccountIdSchema,
    memberGroups: MemberGroupsSchema,
    cart: CartSchema,
    reservationIds: z
      .array(IdSchema)
      .max(MAX_QUOTE_CODES)
      .transform((ids) => [...new Set(ids)])
      .default([])
      .openapi({
        description:
          "The checkout's own holds, when it re-quotes a cart after reserving (the cart changed, say): each that is a live RESERVED hold of this account in this store is counted as given back, so a code the checkout holds quotes as applied instead of USAGE_LIMIT_REACHED or ACCOUNT_LIMIT_REACHED. An id that is not such a hold (another account's, released, run out, confirmed, unknown) changes nothing.",
      }),
  })
  .openapi("QuoteRequest");
export type QuoteRequest = z.infer<typeof QuoteRequestSchema>;

export const QuoteLineSchema = z.object({
  productId: z.string(),
  unitPrice: MoneySchema,
  quantity: z.number().int(),
  lineTotal: MoneySchema,
  discount: MoneySchema,
  total: MoneySchema,
});

export const TotalsSchema = z
  .object({ itemsSubtotal: MoneySchema, discount: MoneySchema, shipping: MoneySchema, total: MoneySchema })
  .openapi("Totals");

export const AppliedDiscountSchema = z.object({
  code: z.string(),
  campaignId: IdSchema,
  campaignName: z.string(),
  discount: MoneySchema,
  lines: z.array(z.object({ lineIndex: z.number().int(), discount: MoneySchema })),
});

export const RefusedCodeSchema = z.object({
  code: z.string(),
  campaignId: IdSchema.nullable(),
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z
      .union([
        z.object({ conflictsWith: z.string() }),
        z.object({ retryAfterSeconds: z.number().int().positive() }),
      ])
      .optional()
      .openapi({
        description:
          "NOT_COMBINABLE: `conflictsWith` is the applied code (earlier by priority) this one may not stack with; RATE_LIMITED: `retryAfterSeconds`, when the account or IP may try codes again",
      }),
  }),
});

export const QuoteSchema = z
  .object({
    currency: z.string(),
    lines: z.array(QuoteLineSchema),
    applied: z.array(AppliedDiscountSchema),
    refused: z.array(RefusedCodeSchema),
    totals: TotalsSchema,
  })
  .openapi("Quote");
export type Quote = z.infer<typeof QuoteSchema>;

export const ReservationRequestSchema = z
  .object({
    code: TypedCodeSchema,
    accountId: AccountIdSchema,
    memberGroups: MemberGroupsSchema,
    cart: CartSchema,
    stacksOn: z
      .array(IdSchema)
      .max(MAX_STACKED_RESERVATIONS)
      .refine((ids) => new Set(ids).size === ids.length, {
        message: "must not name a reservation twice",
      })
      .optional()
      .openapi({
        description:
          "Stacking codes on one cart: the ids of this checkout's live holds on the same cart whose codes apply before this one (lower priority first, as the quote applies them), every one of them (a hold's own `stacksOn` must all be named too). This code is then priced on what they left of each line, and refused with NOT_COMBINABLE if its campaign does not combine with theirs, or STACKED_RESERVATION_INVALID if one is not a live hold of the same account on the same cart, applies after it, or the holds are not one stack; either refusal's `details` name the hold (`stackedReservationId`) and the rule (`reason`, see StackRefusal). Without it the code is priced alone on the whole cart.",
      }),
  })
  .openapi("ReservationRequest");
export type ReservationRequest = z.infer<typeof ReservationRequestSchema>;

export const ReservationWaitQuerySchema = z.strictObject({
  wait: queryInteger(0, 30_000, 5_000).openapi({
    description: "How long to wait for the decision, in ms, before answering 202.",
  }),
});

export const ReservationStatusSchema = z.enum([
  "PENDING",
  "RESERVED",
  "REJECTED",
  "RELEASED",
  "EXPIRED",
  "CONFIRMED",
  "CANCELLED",
]);

export const StackRefusalSchema = z
  .object({
    stackedReservationId: IdSchema.describe(
      "The reservation of the request's `stacksOn` it was refused for: the first, in the request's order, that breaks a rule.",
    ),
    reason: z
      .enum(STACK_REFUSAL_REASONS)
      .describe(
        "STACKED_RESERVATION_INVALID: NOT_FOUND (no such reservation in the store), NOT_HELD (released, expired, rejected, confirmed or cancelled), OTHER_ACCOUNT, OTHER_CART (items, prices, quantities, shipping or currency differ), CAMPAIGN_DELETED, APPLIES_AFTER (its campaign applies after this code's by priority: reserve the codes in priority order), HOLDS_DO_NOT_COMBINE (its campaign does not combine with another named hold's), NOT_ONE_STACK (it was not priced after exactly the holds named before it), LINES_OVERTAKEN (together the holds took more than a line). NOT_COMBINABLE: CAMPAIGNS_DO_NOT_COMBINE.",
      ),
    missingReservationIds: z
      .array(IdSchema)
      .optional()
      .describe("NOT_ONE_STACK: the holds it was priced after that the request did not name."),
  })
  .openapi("StackRefusal");

export const ReservationSchema = z
  .object({
    id: IdSchema,
    sequence: z
      .number()
      .int()
      .describe("Position at which the gateway accepted the request (per code, increasing)."),
    status: ReservationStatusSchema,
    code: z.string(),
    campaignId: IdSchema.nullable(),
    accountId: z.string(),
    discount: MoneySchema,
    lines: z.array(QuoteLineSchema),
    totals: TotalsSchema,
    expiresAt: DateTimeOutputSchema.nullable(),
    stacksOn: z
      .array(IdSchema)
      .describe("The holds this one was priced after (`stacksOn` of the request); empty when priced alone."),
    acceptedAt: DateTimeOutputSchema.nullable().describe(
      "When the gateway accepted the request: the campaign's window was judged at this instant (null for answers recorded before it was kept).",
    ),
    orderNumber: z.string().nullable(),
    orderTotal: MoneySchema.nullable().describe(
      "What the confirmed order came to (minor units; the reports' revenue); null until confirmed.",
    ),
    partnerId: IdSchema.nullable(),
    releasedAt: DateTimeOutputSchema.nullable().describe("When the checkout gave the hold back (RELEASED)."),
    expiredAt: DateTimeOutputSchema.nullable().describe("When the hold ran out unconfirmed (EXPIRED)."),
    confirmedAt: DateTimeOutputSchema.nullable().describe(
      "When an order was linked (CONFIRMED, and CANCELLED since).",
    ),
    cancelledAt: DateTimeOutputSchema.nullable().describe("When the order was cancelled (CANCELLED)."),
    error: z
      .object({
        code: z.string(),
        message: z.string(),
        details: StackRefusalSchema.optional().describe(
          "A stack refused at reserve time: which hold, and why.",
        ),
      })
      .nullable(),
  })
  .openapi("Reservation");
export type Reservation = z.infer<typeof ReservationSchema>;

export const PendingReservationSchema = z
  .object({ id: IdSchema, sequence: z.number().int(), status: z.literal("PENDING") })
  .openapi("PendingReservation");

/** An order system's order number, as confirm links it and cancel names it. */
const OrderNumberSchema = z.string().trim().min(1).max(128);

/**
 * `.` and `..` are path segments a URL cannot carry (clients resolve them, percent-encoded too), so
 * `POST /v1/orders/:orderNumber/cancel` could never name such an order: confirm refuses them.
 */
export const DOT_SEGMENT_ORDER_NUMBER =
  "must not be . or ..: a URL cannot name it, so the order could not be cancelled over HTTP";

export const ConfirmRequestSchema = z
  .object({
    orderNumber: OrderNumberSchema.refine(
      (value) => value !== "." && value !== "..",
      DOT_SEGMENT_ORDER_NUMBER,
    ),
    orderTotal: MoneySchema.optional().openapi({
      description:
        "What the order came to, in minor units (what the reports count as revenue). Not sent: the reservation's quoted total after the discount (`totals.total`) is taken, less the discounts of the codes already confirmed on the same order, so send it whenever the order differs from the quote (taxes, a changed cart).",
      example: 939,
    }),
  })
  .openapi("ConfirmRequest");

export const OrderNumberParamsSchema = z.object({
  orderNumber: OrderNumberSchema.openapi({
    param: { name: "orderNumber", in: "path" },
    description: "The order number as confirm linked it (URL-encoded).",
    example: "WVQP8DYGV",
  }),
});

/** A cancelled order: its reservations as they stand after the cancel (CANCELLED, each slot free again). */
export const OrderCancellationSchema = z
  .object({ orderNumber: z.string(), reservations: z.array(ReservationSchema) })
  .openapi("OrderCancellation");
export type OrderCancellation = z.infer<typeof OrderCancellationSchema>;
