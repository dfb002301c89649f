import { z } from "@hono/zod-openapi";
import { MAX_CODES_PER_LARGE_JOB, MAX_CODES_PER_REQUEST } from "../jobs/code-jobs.ts";
import { DateTimeOutputSchema, IdSchema } from "./common.ts";

export const GenerateCodesRequestSchema = z
  .object({
    count: z
      .number()
      .int()
      .min(1)
      .max(MAX_CODES_PER_LARGE_JOB)
      .openapi({
        description: `1..${MAX_CODES_PER_REQUEST}; up to ${MAX_CODES_PER_LARGE_JOB} with \`large: true\`.`,
        example: 10_000,
      }),
    length: z
      .number()
      .int()
      .optional()
      // Checked by the generator (with the prefix's room), declared for clients.
      .openapi({
        description: "Total length, prefix included (default 10, min 6).",
        minimum: 6,
        maximum: 64,
      }),
    // A code is at most 64 characters, at least 4 of them random (the generator checks the
    // prefix's room in the code's own length).
    prefix: z
      .string()
      .max(60, "must leave at least 4 random characters in a code of at most 64")
      .optional()
      .openapi({
        description: "Letters and digits, kept as given.",
        pattern: "^[A-Za-z0-9]*$",
        example: "XMAS",
      }),
    large: z
      .boolean()
      .default(false)
      .openapi({
        description: `Allow a job of more than ${MAX_CODES_PER_REQUEST} codes (streamed in batches).`,
      }),
  })
  // A misspelt "lenght" or "prefx" is refused, not dropped for the defaults.
  .strict()
  .superRefine((value, ctx) => {
    if (value.count > MAX_CODES_PER_REQUEST && !value.large) {
      ctx.addIssue({
        code: "custom",
        path: ["count"],
        message: `at most ${MAX_CODES_PER_REQUEST} per request; set "large": true for up to ${MAX_CODES_PER_LARGE_JOB} in one job`,
      });
    }
  })
  .openapi("GenerateCodesRequest");
export type GenerateCodesRequest = z.infer<typeof GenerateCodesRequestSchema>;

export const JobIdParamsSchema = z.object({
  id: IdSchema.openapi({ param: { name: "id", in: "path" } }),
});

export const JobRowProblemSchema = z
  .object({
    row: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "Spreadsheet row (1-based); null for the whole file." }),
    value: z.string(),
    reason: z
      .string()
      .openapi({ description: "Machine-readable rule, e.g. whitespace, duplicate, code_conflict." }),
    message: z.string().openapi({
      description:
        "What is wrong and what to do, in the language Accept-Language asks for (en, the default, or zh-TW).",
    }),
  })
  .openapi("JobRowProblem");

export const JobSchemaOut = z
  .object({
    id: IdSchema,
    kind: z.enum(["generate_codes", "import_codes"]),
    state: z.enum(["queued", "running", "succeeded", "failed"]),
    progress: z.number().int().min(0).max(100),
    campaignId: IdSchema.nullable(),
    params: z.record(z.string(), z.unknown()),
    result: z.record(z.string(), z.unknown()).nullable(),
    errors: z
      .array(JobRowProblemSchema)
      .openapi({ description: "Every bad row, or one file-level problem." }),
    errorReportUrl: z.string().nullable().openapi({ description: "The bad rows as an .xlsx download." }),
    createdAt: DateTimeOutputSchema,
    startedAt: DateTimeOutputSchema.nullable(),
    finishedAt: DateTimeOutputSchema.nullable(),
  })
  .openapi("Job");
export type JobOut = z.infer<typeof JobSchemaOut>;
