import { z } from "zod";
import { EventEnvelopeSchema } from "./envelope.ts";

export const AlertKindSchema = z.enum(["velocity", "outside_member_groups"]);
export type AlertKind = z.infer<typeof AlertKindSchema>;

/**
 * Out, topic promo.alerts, key = the code's upper-cased key: a code looks leaked or guessed (SPEC §7).
 * At most one per code, kind and window.
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
  }),
]);
export type AlertEvent = z.infer<typeof AlertEventSchema>;
