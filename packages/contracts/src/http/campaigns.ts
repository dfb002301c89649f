import { z } from "@hono/zod-openapi";
import { CatalogNameSchema, displayNameSchema } from "../catalog-name.ts";
import {
  CurrencySchema,
  DateTimeInputSchema,
  DateTimeOutputSchema,
  distinct,
  IdSchema,
  NOTHING_TO_CHANGE,
  PageCursorSchema,
  PositiveMoneySchema,
  pageOf,
  queryInteger,
} from "./common.ts";

const MAX_PRODUCTS = 10_000;
const MAX_MEMBER_GROUPS = 200;

/** 1..100 with at most two decimals (12.5 = 12.5 %). */
export const PercentSchema = z
  .number()
  .min(1)
  .max(100)
  .refine((percent) => Math.abs(percent * 100 - Math.round(percent * 100)) < 1e-6, "at most two decimals")
  .openapi({ example: 15 });

export const DiscountSchema = z
  .discriminatedUnion("type", [
    // Strict: an `amount` sent with a percentage (a cap, the merchant may think) is refused, not dropped.
    z.object({ type: z.literal("percentage"), percent: PercentSchema }).strict(),
    z.object({ type: z.literal("fixed"), amount: PositiveMoneySchema }).strict(),
  ])
  .openapi("Discount", { example: { type: "fixed", amount: 500 } });
export type Discount = z.infer<typeof DiscountSchema>;

/** Stored once each, in the order given (the merchant's system may list a product twice). */
const ProductIdsSchema = z
  .array(CatalogNameSchema)
  .min(1, "at least one product")
  .max(MAX_PRODUCTS)
  .transform(distinct);
const MemberGroupsSchema = z.array(CatalogNameSchema).max(MAX_MEMBER_GROUPS).transform(distinct);

export const CombinesWithSchema = z
  .union([z.literal("*"), z.array(IdSchema).max(1_000).transform(distinct)], {
    error: 'must be "*" or a list of at most 1,000 campaign ids',
  })
  .openapi({ description: 'Ids of campaigns this one may stack with, or "*" for any.', example: "*" });

const WindowFields = {
  startsAt: DateTimeInputSchema,
  endsAt: DateTimeInputSchema,
};

/** Misuse monitoring (docs/api.md "Misuse monitoring"): alert when one code is redeemed more than `limit` times in a window. */
export const VelocityAlertSchema = z
  .object({
    limit: z.number().int().min(1).max(1_000_000_000).openapi({ example: 100 }),
    windowSeconds: z
      .number()
      .int()
      .min(60)
      .max(30 * 86_400)
      .openapi({ description: "Fixed windows laid end to end from startsAt.", example: 3600 }),
  })
  .strict()
  .openapi("VelocityAlert", {
    description:
      "Raise one `velocity` alert per code and window when more than `limit` holds of one code are granted within a window.",
  });
export type VelocityAlert = z.infer<typeof VelocityAlertSchema>;

/** Uses per code: a whole number up to 2,147,483,647 (the column's range); null is unlimited. */
const UsageLimitSchema = z.number().int().min(1).max(2_147_483_647, "must be at most 2,147,483,647");

/** Checked only when both dates parsed: a refinement sees the object even when a date failed. */
function endsAfterStart(value: { startsAt?: unknown; endsAt?: unknown }): boolean {
  return !(value.startsAt instanceof Date && value.endsAt instanceof Date) || value.endsAt > value.startsAt;
}

export const CampaignCreateSchema = z
  .object({
    name: displayNameSchema(200),
    discount: DiscountSchema,
    currency: CurrencySchema,
    ...WindowFields,
    memberGroups: MemberGroupsSchema.default([]),
    productIds: ProductIdsSchema,
    usageLimit: UsageLimitSchema.nullable().default(null),
    oncePerAccount: z.boolean().default(false),
    priority: z.number().int().min(-1_000_000).max(1_000_000).default(0),
    combinesWith: CombinesWithSchema.default([]),
    partnerId: IdSchema.nullable().default(null),
    velocityAlert: VelocityAlertSchema.nullable().default(null),
  })
  // A misspelt field is refused, not dropped: "usage_limit" would otherwise make an unlimited code.
  .strict()
  .refine(endsAfterStart, { message: "endsAt must be after startsAt", path: ["endsAt"] })
  .openapi("CampaignCreate");
export type CampaignCreate = z.infer<typeof CampaignCreateSchema>;

/** Dates, products, member groups and the stacking settings stay editable; the discount and currency do not. */
export const CampaignPatchSchema = z
  .object({
    name: displayNameSchema(200),
    ...WindowFields,
    memberGroups: MemberGroupsSchema,
    productIds: ProductIdsSchema,
    usageLimit: UsageLimitSchema.nullable(),
    priority: z.number().int().min(-1_000_000).max(1_000_000),
    combinesWith: CombinesWithSchema,
    partnerId: IdSchema.nullable(),
    velocityAlert: VelocityAlertSchema.nullable(),
  })
  .partial()
  .strict()
  .refine((patch) => Object.keys(patch).length > 0, NOTHING_TO_CHANGE)
  .refine(endsAfterStart, { message: "endsAt must be after startsAt", path: ["endsAt"] })
  .openapi("CampaignPatch");
export type CampaignPatch = z.infer<typeof CampaignPatchSchema>;

export const CampaignSchema = z
  .object({
    id: IdSchema,
    name: z.string(),
    discount: DiscountSchema,
    currency: z.string(),
    startsAt: DateTimeOutputSchema,
    endsAt: DateTimeOutputSchema,
    memberGroups: z.array(z.string()),
    productIds: z.array(z.string()),
    usageLimit: z.number().int().nullable(),
    oncePerAccount: z.boolean(),
    priority: z.number().int(),
    combinesWith: CombinesWithSchema,
    partnerId: IdSchema.nullable(),
    velocityAlert: VelocityAlertSchema.nullable(),
    state: z.enum(["active", "archived"]),
    createdAt: DateTimeOutputSchema,
    updatedAt: DateTimeOutputSchema,
    archivedAt: DateTimeOutputSchema.nullable(),
  })
  .openapi("Campaign");
export type Campaign = z.infer<typeof CampaignSchema>;

export const CampaignListQuerySchema = z.strictObject({
  state: z.enum(["active", "archived"]).optional(),
  limit: queryInteger(1, 200, 50),
  cursor: PageCursorSchema,
});
export type CampaignListQuery = z.infer<typeof CampaignListQuerySchema>;

export const CampaignPageSchema = pageOf(CampaignSchema).openapi("CampaignPage");
