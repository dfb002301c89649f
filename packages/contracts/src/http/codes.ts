import { z } from "@hono/zod-openapi";
import { CODE_FORMAT_MESSAGES, checkCodeFormat, foldFullWidth } from "@promo/domain";
import {
  DateTimeOutputSchema,
  IdSchema,
  MoneySchema,
  PageCursorSchema,
  pageOf,
  queryInteger,
} from "./common.ts";

/** A code as a merchant creates it: the domain's code rules, one message per broken rule. */
export const CodeInputSchema = z
  .string()
  .superRefine((value, ctx) => {
    const result = checkCodeFormat(value);
    if (!result.ok)
      ctx.addIssue({ code: "custom", message: `code ${CODE_FORMAT_MESSAGES[result.reason].en}` });
  })
  // The rules checked above, declared for clients that validate from the document.
  .openapi({
    description: "6..64 characters, letters A-Z a-z and digits only; matched case-insensitively.",
    minLength: 6,
    maxLength: 64,
    pattern: "^[A-Za-z0-9]+$",
    example: "DOUBLE11",
  });

export const CodeCreateSchema = z
  .object({
    code: CodeInputSchema,
    partnerId: IdSchema.nullable()
      .default(null)
      .openapi({ description: "A partner of the store this code's redemptions are credited to." }),
  })
  .strict()
  .openapi("CodeCreate");
export type CodeCreate = z.infer<typeof CodeCreateSchema>;

/** A code named in a merchant's path: full-width letters and digits read as ASCII, as at checkout. */
export const CodeParamsSchema = z.object({
  code: z
    .string()
    .overwrite(foldFullWidth)
    .min(1)
    .max(256)
    .openapi({ param: { name: "code", in: "path" }, example: "DOUBLE11" }),
});

export const CodeCampaignParamsSchema = z.object({
  id: IdSchema.openapi({ param: { name: "id", in: "path" } }),
});

/** The export is a spreadsheet; `format` may say so, and any other format is refused, not ignored. */
export const CodeExportQuerySchema = z.strictObject({
  format: z
    .enum(["xlsx"], { error: "must be xlsx: the codes export is an .xlsx spreadsheet only" })
    .default("xlsx")
    .openapi({ description: "xlsx (the only format)" }),
});

export const CodeSchemaOut = z
  .object({
    id: IdSchema,
    campaignId: IdSchema,
    code: z.string(),
    state: z.enum(["active", "expired"]),
    source: z.enum(["single", "generated", "imported"]),
    partnerId: IdSchema.nullable(),
    createdAt: DateTimeOutputSchema,
    expiredAt: DateTimeOutputSchema.nullable(),
  })
  .openapi("Code");
export type Code = z.infer<typeof CodeSchemaOut>;

export const CodePageSchema = pageOf(CodeSchemaOut).openapi("CodePage");

export const CodeScopeQuerySchema = z.strictObject({
  campaignId: IdSchema.optional().openapi({
    description: "Narrows the action to the code of one campaign when several campaigns share it.",
  }),
});

export const CodeLookupQuerySchema = CodeScopeQuerySchema.extend({
  limit: queryInteger(1, 1_000, 100),
  cursor: PageCursorSchema,
  status: z.enum(["RESERVED", "REJECTED", "RELEASED", "EXPIRED", "CONFIRMED", "CANCELLED"]).optional(),
});

export const ReservationSummarySchema = z
  .object({
    id: IdSchema,
    sequence: z.number().int(),
    accountId: z.string(),
    status: z.enum(["PENDING", "RESERVED", "REJECTED", "RELEASED", "EXPIRED", "CONFIRMED", "CANCELLED"]),
    errorCode: z.string().nullable(),
    orderNumber: z.string().nullable(),
    orderTotal: MoneySchema.nullable(),
    discount: MoneySchema,
    partnerId: IdSchema.nullable(),
    acceptedAt: DateTimeOutputSchema,
    decidedAt: DateTimeOutputSchema,
    expiresAt: DateTimeOutputSchema.nullable(),
    releasedAt: DateTimeOutputSchema.nullable(),
    expiredAt: DateTimeOutputSchema.nullable(),
    confirmedAt: DateTimeOutputSchema.nullable(),
    cancelledAt: DateTimeOutputSchema.nullable(),
  })
  .openapi("ReservationSummary");
export type ReservationSummary = z.infer<typeof ReservationSummarySchema>;

export const CodeUsesSchema = z
  .object({
    live: z
      .number()
      .int()
      .describe("RESERVED (not yet expired) plus CONFIRMED: what the usage limit counts."),
    reserved: z.number().int(),
    confirmed: z.number().int(),
    usageLimit: z.number().int().nullable(),
  })
  .openapi("CodeUses");

export const CodeLookupItemSchema = z.object({
  code: CodeSchemaOut,
  campaign: z.object({
    id: IdSchema,
    name: z.string(),
    state: z.enum(["active", "archived"]),
    startsAt: DateTimeOutputSchema,
    endsAt: DateTimeOutputSchema,
  }),
  uses: CodeUsesSchema,
  reservations: z.array(ReservationSummarySchema),
  nextReservationCursor: z.string().nullable().openapi({
    description:
      "The next page of this item's reservations: pass it as `cursor`, and the answer holds this campaign's item only.",
  }),
});

export const CodeLookupSchema = z
  .object({ code: z.string(), items: z.array(CodeLookupItemSchema) })
  .openapi("CodeLookup");
export type CodeLookup = z.infer<typeof CodeLookupSchema>;

export const CodeStateChangeSchema = z.object({ items: z.array(CodeSchemaOut) }).openapi("CodeStateChange");
