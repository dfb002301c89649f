import { z } from "@hono/zod-openapi";
import { TRACKING_PATTERN_MAX_LENGTH } from "@promo/domain";
import { displayNameSchema } from "../catalog-name.ts";
import { DateTimeOutputSchema, IdSchema, NOTHING_TO_CHANGE, pageOf } from "./common.ts";

const MAX_SAMPLES = 50;

export const PartnerKindSchema = z
  .enum(["affiliate", "creator", "media"])
  .openapi({ description: "An affiliate, a creator or a media source.", example: "creator" });

const PartnerNameSchema = displayNameSchema(200).openapi({ example: "Amy's channel" });

export const PartnerCreateSchema = z
  .object({ name: PartnerNameSchema, kind: PartnerKindSchema })
  .strict()
  .openapi("PartnerCreate");
export type PartnerCreate = z.infer<typeof PartnerCreateSchema>;

export const PartnerPatchSchema = z
  .object({ name: PartnerNameSchema, kind: PartnerKindSchema })
  .partial()
  .strict()
  .refine((patch) => Object.keys(patch).length > 0, NOTHING_TO_CHANGE)
  .openapi("PartnerPatch");
export type PartnerPatch = z.infer<typeof PartnerPatchSchema>;

export const PartnerSchema = z
  .object({
    id: IdSchema,
    name: z.string(),
    kind: PartnerKindSchema,
    createdAt: DateTimeOutputSchema,
    updatedAt: DateTimeOutputSchema,
  })
  .openapi("Partner");
export type Partner = z.infer<typeof PartnerSchema>;

export const PartnerPageSchema = pageOf(PartnerSchema).openapi("PartnerPage");

export const PartnerRuleParamsSchema = z.object({
  id: IdSchema.openapi({ param: { name: "id", in: "path" } }),
  ruleId: IdSchema.openapi({ param: { name: "ruleId", in: "path" } }),
});

export const TrackingSampleSchema = z.object({
  code: z.string().min(1).max(64).openapi({ example: "AMY2024" }),
  expected: z.boolean().openapi({ description: "Whether the pattern should match this code." }),
});

export const PartnerRuleCreateSchema = z
  .object({
    pattern: z.string().min(1).max(TRACKING_PATTERN_MAX_LENGTH).openapi({
      description:
        "RE2 syntax (linear-time; no backreferences or lookarounds). Must match the WHOLE code and ignores letter case.",
      example: "AMY[0-9]{4}",
    }),
    priority: z
      .number()
      .int()
      .min(-1_000_000)
      .max(1_000_000)
      .default(0)
      .openapi({ description: "Lower is tried first; ties go to the older rule." }),
    samples: z.array(TrackingSampleSchema).max(MAX_SAMPLES).default([]),
  })
  .strict()
  .openapi("PartnerRuleCreate");
export type PartnerRuleCreate = z.infer<typeof PartnerRuleCreateSchema>;

export const PartnerRuleSchema = z
  .object({
    id: IdSchema,
    partnerId: IdSchema,
    pattern: z.string(),
    priority: z.number().int(),
    createdAt: DateTimeOutputSchema,
  })
  .openapi("PartnerRule");
export type PartnerRule = z.infer<typeof PartnerRuleSchema>;

export const PartnerRuleCreatedSchema = PartnerRuleSchema.extend({
  samples: z.array(TrackingSampleSchema.extend({ matched: z.boolean() })),
}).openapi("PartnerRuleCreated");

export const PartnerRuleListSchema = z
  .object({ items: z.array(PartnerRuleSchema) })
  .openapi("PartnerRuleList");
