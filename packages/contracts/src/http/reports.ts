import { z } from "@hono/zod-openapi";
import {
  CurrencySchema,
  DateTimeOutputSchema,
  DateTimeQuerySchema,
  IdSchema,
  PageCursorSchema,
  queryInteger,
} from "./common.ts";

const MAX_RANGE_DAYS = 366;

function bothDates(query: { from: unknown; to: unknown }): query is { from: Date; to: Date } {
  return query.from instanceof Date && query.to instanceof Date;
}

const RANGE_FIELDS = {
  from: DateTimeQuerySchema.openapi({
    description: "Start of the range (inclusive), by order placement time",
  }),
  to: DateTimeQuerySchema.openapi({ description: "End of the range (exclusive)" }),
  campaignId: IdSchema.optional(),
  partnerId: IdSchema.optional(),
};

/** `to` after `from`, at most MAX_RANGE_DAYS apart (refinements see the object even when a date failed to parse). */
function withValidRange<T extends z.ZodType<{ from: unknown; to: unknown }>>(schema: T) {
  return schema
    .refine((query) => !bothDates(query) || query.to > query.from, {
      message: "to must be after from",
      path: ["to"],
    })
    .refine(
      (query) =>
        !bothDates(query) || query.to.getTime() - query.from.getTime() <= MAX_RANGE_DAYS * 86_400_000,
      {
        message: `the range may span at most ${MAX_RANGE_DAYS} days`,
        path: ["to"],
      },
    );
}

export const ReportQuerySchema = withValidRange(
  z.strictObject({
    ...RANGE_FIELDS,
    format: z
      .enum(["json", "xlsx"])
      .default("json")
      .openapi({ description: "json, or xlsx for the same rows and totals as a spreadsheet" }),
    limit: queryInteger(1, 100_000, 1_000).openapi({
      description: "Most rows (busiest first); totals always cover every order",
    }),
  }),
);
export type ReportQueryInput = z.infer<typeof ReportQuerySchema>;

const CountSchema = z.number().int().nonnegative();

export const ReportMeasuresSchema = z
  .object({
    currency: CurrencySchema,
    orders: CountSchema.openapi({ description: "Orders placed in the range: confirmed + cancelled" }),
    confirmed: CountSchema,
    cancelled: CountSchema.openapi({ description: "Placed in the range, cancelled since" }),
    revenue: CountSchema.openapi({
      description:
        "Order totals of the confirmed orders, minor units. Exact however large: a sum past 9,007,199,254,740,991 (2^53 - 1) is written with every digit, so read it as a big integer (a double would round it)",
    }),
    discount: CountSchema.openapi({
      description: "Discount given on the confirmed orders, minor units; exact however large, as revenue",
    }),
    accounts: CountSchema.openapi({ description: "Distinct accounts with a confirmed order" }),
  })
  .openapi("ReportMeasures");

const ReportEnvelope = {
  from: DateTimeOutputSchema,
  to: DateTimeOutputSchema,
  totals: z.array(ReportMeasuresSchema).openapi({ description: "One per currency" }),
  truncated: z.boolean().openapi({ description: "More rows than `limit`" }),
};

export const CodeReportSchema = z
  .object({
    ...ReportEnvelope,
    rows: z.array(
      ReportMeasuresSchema.extend({
        codeId: IdSchema,
        code: z.string(),
        campaignId: IdSchema,
        campaignName: z.string(),
      }),
    ),
  })
  .openapi("CodeReport");

export const PartnerReportSchema = z
  .object({
    ...ReportEnvelope,
    rows: z.array(
      ReportMeasuresSchema.extend({
        partnerId: IdSchema.nullable().openapi({ description: "null: orders no partner drove" }),
        partnerName: z.string().nullable(),
      }),
    ),
  })
  .openapi("PartnerReport");

export const ActionListQuerySchema = withValidRange(
  z.strictObject({
    ...RANGE_FIELDS,
    format: z.enum(["json", "xlsx"]).default("json").openapi({
      description: "json: one page (`limit`, `cursor`); xlsx: every action of the range as a spreadsheet",
    }),
    limit: queryInteger(1, 10_000, 1_000),
    cursor: PageCursorSchema,
  }),
);
export type ActionListQueryInput = z.infer<typeof ActionListQuerySchema>;

export const ActionSchema = z
  .object({
    reservationId: IdSchema,
    status: z.enum(["CONFIRMED", "CANCELLED"]),
    confirmedAt: DateTimeOutputSchema.openapi({ description: "When the order was placed (linked)" }),
    cancelledAt: DateTimeOutputSchema.nullable(),
    code: z.string(),
    codeId: IdSchema.nullable(),
    campaignId: IdSchema.nullable(),
    campaignName: z.string().nullable(),
    partnerId: IdSchema.nullable().openapi({ description: "The partner credited at confirmation" }),
    partnerName: z.string().nullable(),
    orderNumber: z.string(),
    accountId: z.string(),
    currency: CurrencySchema,
    orderTotal: z.number().int().nullable().openapi({
      description:
        "Minor units: what the order system sent, or, when an HTTP confirm sent none, the reservation's quoted total less the discounts of the codes confirmed on the order before it. Null only for orders confirmed over HTTP before confirm took a total.",
    }),
    discount: CountSchema.openapi({ description: "Minor units" }),
  })
  .openapi("Action");
export type Action = z.infer<typeof ActionSchema>;

export const ActionPageSchema = z
  .object({
    from: DateTimeOutputSchema,
    to: DateTimeOutputSchema,
    items: z.array(ActionSchema),
    nextCursor: z.string().nullable(),
  })
  .openapi("ActionPage");
