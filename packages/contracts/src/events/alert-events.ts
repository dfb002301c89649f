import { z } from "zod";
import { EventEnvelopeSchema } from "./envelope.ts";

export const AlertKindSchema = z.enum(["velocity", "outside_member_groups"]);
export type AlertKind = z.infer<typeof AlertKindSchema>;

/**
 * Out, topic promo.alerts, key = the code's upper-cased key: a code looks leaked (SPEC §7). Exactly
 * one per code, kind and window, written with the alert row. `velocity`: `observed` holds granted in
 * the window, `threshold` the campaign's limit (alert when observed > threshold).
 * `outside_member_groups`: `observed` the percentage of the accounts that tried the code in the
 * window refused NOT_ELIGIBLE_MEMBER_GROUP, rounded up (alert when the exact share is above
 * `threshold`, the configured percentage, so observed > threshold here too); `details` carries the
 * counts.
 */
export const AlertEventSchema = z.discriminatedUnion("type", [
  EventEnvelopeSchema.extend({
    type: z.literal("alert.raised"),
    alertId: z.uuid(),
    kind: AlertKindSchema,
    code: z.string(),
    codeId: z.uuid(),
    campaignId: z.uuid(),
    windowStart: z.iso.datetime(),
    windowEnd: z.iso.datetime(),
    observed: z.number().int().nonnegative(),
    threshold: z.number().int().nonnegative(),
    details: z.record(z.string(), z.unknown()).meta({
      description:
        "velocity: windowSeconds, granted, attempts. outside_member_groups: windowSeconds, accounts, outsideAccounts, minAccounts, attempts, outsideAttempts, memberGroups.",
    }),
  }),
]);
export type AlertEvent = z.infer<typeof AlertEventSchema>;
