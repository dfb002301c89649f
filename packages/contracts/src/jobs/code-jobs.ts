import { z } from "zod";

/** BullMQ queue of the background code jobs (hash-tagged: one Redis Cluster slot). */
export const CODE_JOBS_QUEUE = "{code-jobs}";

/** Codes per request without `large` (SPEC §4, the source's limit) and with it. */
export const MAX_CODES_PER_REQUEST = 10_000;
export const MAX_CODES_PER_LARGE_JOB = 1_000_000;
/** Most codes one imported file may hold (SPEC §4). */
export const MAX_CODES_PER_IMPORT = 10_000;

/** What the `job` row's `params` hold for a generation. */
export const GenerateCodesParamsSchema = z.object({
  count: z.number().int().min(1).max(MAX_CODES_PER_LARGE_JOB),
  length: z.number().int(),
  prefix: z.string(),
});
export type GenerateCodesParams = z.infer<typeof GenerateCodesParamsSchema>;

/** What the `job` row's `params` hold for an import; the bytes are in `job_file` (purpose upload). */
export const ImportCodesParamsSchema = z.object({
  fileName: z.string().max(255),
  fileKind: z.enum(["xlsx", "csv"]),
  size: z.number().int().nonnegative(),
});
export type ImportCodesParams = z.infer<typeof ImportCodesParamsSchema>;

/** The BullMQ job: a pointer to the `job` row, which is the record (state, progress, result). */
export const CodeJobPayloadSchema = z.object({
  jobId: z.uuid(),
  storeId: z.uuid(),
  kind: z.enum(["generate_codes", "import_codes"]),
});
export type CodeJobPayload = z.infer<typeof CodeJobPayloadSchema>;

export const CODE_JOB_NAMES = { generate_codes: "generate-codes", import_codes: "import-codes" } as const;
