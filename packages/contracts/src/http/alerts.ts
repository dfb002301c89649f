import { z } from "@hono/zod-openapi";
import { foldFullWidth } from "@promo/domain";
import { AlertKindSchema as AlertKindEventSchema } from "../events/alert-events.ts";
import {
  DateTimeOutputSchema,
  DateTimeQuerySchema,
  IdSchema,
  PageCursorSchema,
  pageOf,
  queryInteger,
} from "./common.ts";

/** The event contract's alert kinds, as an OpenAPI-described schema. */
const AlertKindSchema = z.enum(AlertKindEventSchema.options);

export const AlertListQuerySchema = z.strictObject({
  since: DateTimeQuerySchema.optional().openapi({
    description: "Only alerts raised at or after this time.",
  }),
  code: z
    .string()
    .overwrite(foldFullWidth)
    .trim()
    .min(1)
    .max(64)
    .optional()
    .openapi({ description: "Only this code's alerts (any letter case).", example: "DOUBLE11" }),
  kind: AlertKindSchema.optional().openapi({ description: "Only alerts of this kind." }),
  limit: queryInteger(1, 200, 50),
  cursor: PageCursorSchema,
});
export type AlertListQuery = z.infer<typeof AlertListQuerySchema>;

export const AlertSchema = z
  .object({
    id: IdSchema,
    kind: AlertKindSchema.openapi({
      description:
        "velocity: more holds of one code granted in a window than the campaign's velocityAlert.limit. outside_member_groups: most attempts on a member-only code came from accounts outside its groups.",
    }),
    code: z.string(),
    codeId: IdSchema,
    campaignId: IdSchema,
    windowStart: DateTimeOutputSchema,
    windowEnd: DateTimeOutputSchema,
    observed: z.number().int().openapi({
      description:
        "velocity: holds granted in the window when the alert was raised. outside_member_groups: percentage of the accounts that tried the code in the window refused NOT_ELIGIBLE_MEMBER_GROUP, rounded up.",
    }),
    threshold: z.number().int().openapi({
      description: "velocity: the campaign's limit. outside_member_groups: the configured percentage.",
    }),
    details: z.record(z.string(), z.unknown()).openapi({
      description:
        "velocity: windowSeconds, granted, attempts. outside_member_groups: windowSeconds, accounts, outsideAccounts, minAccounts, attempts, outsideAttempts, memberGroups.",
    }),
    createdAt: DateTimeOutputSchema,
  })
  .openapi("Alert");
export type Alert = z.infer<typeof AlertSchema>;

export const AlertPageSchema = pageOf(AlertSchema).openapi("AlertPage");
