import { randomUUID } from "node:crypto";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { createCodesExport, createErrorReport, detectImportFileKind } from "@promo/code-files";
import {
  CodeCampaignParamsSchema,
  CodeExportQuerySchema,
  GenerateCodesRequestSchema,
  type ImportCodesParams,
  JobIdParamsSchema,
  JobSchemaOut,
  NoQuerySchema,
} from "@promo/contracts";
import {
  countCodesInSpace,
  createJob,
  findCampaign,
  findJob,
  finishJob,
  type JobKind,
  type JobRecord,
  listCodesForExport,
  listUnfinishedGenerations,
  lockCodeNamespace,
  type NewJobFile,
  poolSql,
  type Sql,
  withPgTransaction,
} from "@promo/db";
import {
  checkCodeSpace,
  checkGenerationSpec,
  DomainError,
  jobProblem,
  queuedCodesInSpace,
} from "@promo/domain";
import type { GatewayDeps } from "../deps.ts";
import { streamDownload } from "../downloads.ts";
import type { GatewayEnv } from "../env.ts";
import { UNAVAILABLE_RETRY_AFTER_SECONDS } from "../errors.ts";
import { errorResponses, jsonBody, jsonResponse } from "../openapi-helpers.ts";
import { presentJob } from "../presenters.ts";
import { validationHook } from "../validation.ts";

const TAG = ["Code jobs"];
const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/** Codes read from PostgreSQL per page while an export streams. */
const EXPORT_PAGE = 2_000;
/** Lines of an error report written before waiting for the client to take them. */
const ERROR_REPORT_PAGE = 1_000;

/**
 * The upload route takes multipart bodies (every other route takes JSON); with a trailing slash too,
 * so that path is told 404 (no such route) rather than to send JSON.
 */
export const IMPORT_PATH = /^\/v1\/campaigns\/[^/]+\/codes\/import\/?$/;
/**
 * What a multipart body may hold besides the file (boundaries, part headers, the file name): the
 * body limit of the upload route is the file limit plus this, and the file itself is measured
 * against IMPORT_MAX_BYTES, so a file of exactly the limit is taken.
 */
export const MULTIPART_ENVELOPE_BYTES = 64 * 1024;

const generateRoute = createRoute({
  method: "post",
  path: "/v1/campaigns/{id}/codes/generate",
  operationId: "generateCampaignCodes",
  tags: TAG,
  summary: "Generate codes in the background (202 with the job; poll GET /v1/jobs/{id})",
  description:
    "Crypto-random codes from an alphabet without look-alikes, unique in the store. 1..10,000 per request, up to 1,000,000 with `large: true`. Refused with CODE_SPACE_TOO_SMALL (422) when length and prefix leave fewer than 1,000 × (count + the store's codes already of that length and prefix) possible codes; with CAMPAIGN_ARCHIVED (409) when the campaign is archived (a job running when it is archived fails with reason campaign_archived, keeping the batches made).",
  request: {
    query: NoQuerySchema,
    params: CodeCampaignParamsSchema,
    body: jsonBody(GenerateCodesRequestSchema),
  },
  responses: {
    202: jsonResponse(JobSchemaOut, "Accepted: the job"),
    ...errorResponses(400, 401, 403, 404, 409, 413, 415, 422, 503),
  },
});

/** The upload: its file and nothing else (a `sheet` or `campaignId` part is refused, not ignored). */
const UploadSchema = z
  .strictObject({
    file: z
      .custom<File>((value) => value instanceof File, {
        error: (issue) =>
          Array.isArray(issue.input)
            ? "one file only: the multipart field `file` was sent more than once"
            : "a file in the multipart field `file`",
      })
      .openapi({ type: "string", format: "binary" }),
  })
  .openapi("CodeImportUpload");

const importRoute = createRoute({
  method: "post",
  path: "/v1/campaigns/{id}/codes/import",
  operationId: "importCampaignCodes",
  tags: TAG,
  summary: "Import codes from an .xlsx or .csv file in the background (multipart field `file`)",
  description:
    "First sheet, first column; an optional header row (code, codes, promo code, coupon, 優惠碼, ...). All-or-nothing: every code must pass the code rules, be unique in the file (any letter case) and not clash with a live code of an overlapping campaign; at most 10,000 codes. The job's `errors` (and its .xlsx error report) list every bad row. An archived campaign: 409 CAMPAIGN_ARCHIVED (a job running when it is archived fails with reason campaign_archived, importing nothing).",
  request: {
    params: CodeCampaignParamsSchema,
    query: NoQuerySchema,
    body: { content: { "multipart/form-data": { schema: UploadSchema } }, required: true },
  },
  responses: {
    202: jsonResponse(JobSchemaOut, "Accepted: the job"),
    ...errorResponses(400, 401, 403, 404, 409, 413, 415, 503),
  },
});

const exportRoute = createRoute({
  method: "get",
  path: "/v1/campaigns/{id}/codes/export",
  operationId: "exportCampaignCodes",
  tags: TAG,
  summary: "Download the campaign's codes as .xlsx (streamed): code, state, uses, order numbers",
  request: { params: CodeCampaignParamsSchema, query: CodeExportQuerySchema },
  responses: {
    200: {
      description: "The spreadsheet",
      content: { [XLSX_TYPE]: { schema: z.string().openapi({ type: "string", format: "binary" }) } },
    },
    ...errorResponses(400, 401, 403, 404),
  },
});

const getJobRoute = createRoute({
  method: "get",
  path: "/v1/jobs/{id}",
  operationId: "getJob",
  tags: TAG,
  summary: "A code job: state, progress 0..100, result and every bad row",
  request: { query: NoQuerySchema, params: JobIdParamsSchema },
  responses: { 200: jsonResponse(JobSchemaOut, "The job"), ...errorResponses(400, 401, 403, 404) },
});

const errorReportRoute = createRoute({
  method: "get",
  path: "/v1/jobs/{id}/error-report",
  operationId: "getJobErrorReport",
  tags: TAG,
  summary: "The bad rows of a failed import as .xlsx (row, value, reason, message)",
  description:
    "The job's `errors` as a sheet, headers and messages in the language Accept-Language asks for (en or zh-TW).",
  request: { query: NoQuerySchema, params: JobIdParamsSchema },
  responses: {
    200: {
      description: "The error report",
      content: { [XLSX_TYPE]: { schema: z.string().openapi({ type: "string", format: "binary" }) } },
    },
    ...errorResponses(400, 401, 403, 404),
  },
});

export function codeJobRoutes(deps: GatewayDeps) {
  const { prisma, pool } = deps.database;
  const sql = poolSql(pool);
  const app = new OpenAPIHono<GatewayEnv>({ defaultHook: validationHook });

  /**
   * Records the job, then queues it; a job that cannot be queued is failed, not left waiting.
   * `admit`, when given, runs first in the same transaction and refuses by throwing.
   */
  async function submit(
    input: {
      storeId: string;
      campaignId: string;
      kind: JobKind;
      params: Record<string, unknown>;
      upload?: NewJobFile;
    },
    admit?: (tx: Sql) => Promise<void>,
  ): Promise<JobRecord> {
    const record = (tx: Sql) => createJob(tx, { id: randomUUID(), ...input, now: deps.clock() });
    const job = admit
      ? await withPgTransaction(pool, async (tx) => {
          await admit(tx);
          return record(tx);
        })
      : await record(sql);
    try {
      await deps.codeJobs.enqueue({ jobId: job.id, storeId: input.storeId, kind: input.kind });
    } catch (error) {
      await finishJob(sql, job.id, {
        state: "failed",
        result: {},
        errors: [{ row: null, value: "", ...jobProblem("queue_unavailable") }],
        now: deps.clock(),
      });
      throw new DomainError("SERVICE_UNAVAILABLE", {
        reason: (error as Error).message,
        retryAfterSeconds: UNAVAILABLE_RETRY_AFTER_SECONDS,
      });
    }
    return job;
  }

  async function campaignOf(storeId: string, campaignId: string) {
    const campaign = await findCampaign(prisma, storeId, campaignId);
    if (!campaign) throw new DomainError("NOT_FOUND");
    return campaign;
  }

  async function campaignTakingCodes(storeId: string, campaignId: string) {
    const campaign = await campaignOf(storeId, campaignId);
    if (campaign.state === "archived") throw new DomainError("CAMPAIGN_ARCHIVED", { campaignId });
    return campaign;
  }

  app.openapi(generateRoute, async (c) => {
    const { id: campaignId } = c.req.valid("param");
    const body = c.req.valid("json");
    const { storeId } = c.get("principal");
    const spec = checkGenerationSpec({
      count: body.count,
      ...(body.length === undefined ? {} : { length: body.length }),
      ...(body.prefix === undefined ? {} : { prefix: body.prefix }),
    });
    await campaignTakingCodes(storeId, campaignId);
    // The space must stay sparse with the codes already in it and those jobs are still to make: five
    // jobs of 923 codes each, one after the other or at once, must not fill a space meant for 923.
    // Counted under the store's code-namespace lock, which every request queuing a generation takes.
    const job = await submit({ storeId, campaignId, kind: "generate_codes", params: spec }, async (tx) => {
      await lockCodeNamespace(tx, storeId);
      const existing = await countCodesInSpace(tx, storeId, spec);
      const queued = queuedCodesInSpace(spec, await listUnfinishedGenerations(tx, storeId, spec.length));
      checkCodeSpace(spec.count, spec.length - spec.prefix.length, existing, queued);
    });
    c.get("logger").info({ jobId: job.id, campaignId, count: spec.count }, "code generation queued");
    return c.json(presentJob(job, c.get("locale")), 202);
  });

  app.openapi(importRoute, async (c) => {
    const { id: campaignId } = c.req.valid("param");
    const { file } = c.req.valid("form");
    const { storeId } = c.get("principal");
    await campaignTakingCodes(storeId, campaignId);
    const bytes = new Uint8Array(await file.arrayBuffer());
    if (bytes.byteLength > deps.settings.importMaxBytes) {
      throw new DomainError("PAYLOAD_TOO_LARGE", { limitBytes: deps.settings.importMaxBytes });
    }
    const detected = detectImportFileKind(bytes, file.name);
    if (!detected.ok) {
      const field = { path: "file", message: detected.problem.message, reason: detected.problem.reason };
      if (detected.problem.reason === "unsupported_type") {
        throw new DomainError("UNSUPPORTED_MEDIA_TYPE", { fields: [field], accepted: [".xlsx", ".csv"] });
      }
      throw new DomainError("VALIDATION_ERROR", { fields: [field] });
    }
    const params: ImportCodesParams = {
      fileName: file.name,
      fileKind: detected.kind,
      size: bytes.byteLength,
    };
    const job = await submit({
      storeId,
      campaignId,
      kind: "import_codes",
      params,
      upload: {
        fileName: file.name,
        contentType: detected.kind === "xlsx" ? XLSX_TYPE : "text/csv",
        content: bytes,
      },
    });
    c.get("logger").info({ jobId: job.id, campaignId, bytes: bytes.byteLength }, "code import queued");
    return c.json(presentJob(job, c.get("locale")), 202);
  });

  app.openapi(exportRoute, async (c) => {
    const { id: campaignId } = c.req.valid("param");
    const campaign = await campaignOf(c.get("principal").storeId, campaignId);
    const now = deps.clock();
    return streamDownload(
      async ({ output, room }) => {
        const workbook = createCodesExport(output);
        let afterKey: string | null = null;
        for (;;) {
          const page = await listCodesForExport(sql, { campaignId, afterKey, limit: EXPORT_PAGE, now });
          for (const code of page) {
            workbook.addRow({
              code: code.code,
              state: code.state,
              uses: code.uses,
              orderNumbers: code.orderNumbers,
              campaign: campaign.name,
              createdAt: code.createdAt,
            });
          }
          if (page.length < EXPORT_PAGE) break;
          afterKey = page.at(-1)?.codeKey ?? null;
          if (!(await room())) return;
        }
        await workbook.finish();
      },
      {
        what: "code export",
        method: c.req.method,
        logger: c.get("logger").child({ campaignId }),
        headers: {
          "content-type": XLSX_TYPE,
          "content-disposition": `attachment; filename="codes-${campaignId}.xlsx"`,
        },
        ...deps.metrics.downloads("code_export"),
      },
    );
  });

  app.openapi(getJobRoute, async (c) => {
    const job = await findJob(sql, c.get("principal").storeId, c.req.valid("param").id);
    if (!job) throw new DomainError("NOT_FOUND");
    return c.json(presentJob(job, c.get("locale")), 200);
  });

  app.openapi(errorReportRoute, async (c) => {
    const job = await findJob(sql, c.get("principal").storeId, c.req.valid("param").id);
    if (!job) throw new DomainError("NOT_FOUND");
    if (!job.hasErrorReport) throw new DomainError("NOT_FOUND", { reason: "this job has no error report" });
    // The job's errors as GET /v1/jobs/:id lists them, in the language asked for.
    const locale = c.get("locale");
    const { errors } = presentJob(job, locale);
    return streamDownload(
      async ({ output, room }) => {
        const report = createErrorReport(output, { locale });
        for (const [index, problem] of errors.entries()) {
          report.addRow(problem);
          if (index % ERROR_REPORT_PAGE === ERROR_REPORT_PAGE - 1 && !(await room())) return;
        }
        await report.finish();
      },
      {
        what: "error report",
        method: c.req.method,
        logger: c.get("logger").child({ jobId: job.id }),
        headers: {
          "content-type": XLSX_TYPE,
          "content-disposition": 'attachment; filename="import-errors.xlsx"',
        },
        ...deps.metrics.downloads("error_report"),
      },
    );
  });

  return app;
}
