// Background code jobs (SPEC §4): the `job` row is the record of a generation or an import (state,
// progress, result, errors); uploaded files live in `job_file` so any worker can reach them. Every
// statement here takes the SQL surface, so the jobs worker runs them on plain pg
// transactions and the gateway inside Prisma's.
import { lockCodeNamespace } from "./codes.ts";
import type { Sql } from "./sql.ts";

export type JobKind = "generate_codes" | "import_codes";
export type JobState = "queued" | "running" | "succeeded" | "failed";
/**
 * `error_report`: stored by workers before reports were built when downloaded; no longer written,
 * and the migration 20261128000000_drop_stored_error_reports removed those stored.
 */
export type JobFilePurpose = "upload" | "error_report";

/**
 * A bad row, or a problem of the whole file or job (row null). `params` with `reason` make the
 * message in any language (@promo/domain's describeJobProblem); `message` is it in English, the
 * only text of a problem stored before problems had parameters.
 */
export type JobProblem = {
  row: number | null;
  value: string;
  reason: string;
  message: string;
  params?: Readonly<Record<string, unknown>>;
};

export type JobRecord = {
  id: string;
  storeId: string;
  campaignId: string | null;
  kind: JobKind;
  state: JobState;
  progress: number;
  params: Record<string, unknown>;
  result: Record<string, unknown> | null;
  errors: JobProblem[] | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  /**
   * A failed import with problems: its error report is written from them when asked for (in the
   * reader's language). A report stored by a worker before is not read.
   */
  hasErrorReport: boolean;
};

const JOB_COLUMNS = `j.id, j.store_id AS "storeId", j.campaign_id AS "campaignId", j.kind, j.state, j.progress,
  j.params, j.result, j.errors, j.created_at AS "createdAt", j.started_at AS "startedAt",
  j.finished_at AS "finishedAt",
  (j.kind = 'import_codes' AND j.state = 'failed' AND COALESCE(jsonb_array_length(j.errors), 0) > 0)
    AS "hasErrorReport"`;

/**
 * A job's result or problems as jsonb text PostgreSQL stores: U+0000 and lone surrogates, which it
 * refuses (and a refused statement would leave the job unfinishable), read as U+FFFD. A bad row's
 * value is shown, not kept: the readers refuse such text before it gets here.
 */
export function storableJobJson(value: unknown): string {
  return JSON.stringify(value, (_key, field: unknown) =>
    typeof field === "string" ? field.replace(UNSTORABLE_CHARACTER, "\ufffd") : field,
  );
}

/** U+0000, or a UTF-16 surrogate without its other half (the regex works on code units: no `u` flag). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: U+0000 is what it finds.
const UNSTORABLE_CHARACTER = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export type NewJobFile = { fileName: string; contentType: string; content: Uint8Array };

/** A queued job, with its uploaded file when there is one, in one statement. */
export async function createJob(
  sql: Sql,
  input: {
    id: string;
    storeId: string;
    campaignId: string;
    kind: JobKind;
    params: Record<string, unknown>;
    upload?: NewJobFile;
    now: Date;
  },
): Promise<JobRecord> {
  await sql.query(
    `INSERT INTO job (id, store_id, campaign_id, kind, params, created_at, updated_at)
     VALUES ($1, $2, $3, $4::job_kind, $5::jsonb, $6, $6)`,
    [input.id, input.storeId, input.campaignId, input.kind, JSON.stringify(input.params), input.now],
  );
  if (input.upload) await saveJobFile(sql, input.id, "upload", input.upload);
  const job = await findJob(sql, input.storeId, input.id);
  if (!job) throw new Error(`job ${input.id} vanished`);
  return job;
}

/** The job, if it belongs to the store (another store's job is not found). */
export async function findJob(sql: Sql, storeId: string, id: string): Promise<JobRecord | null> {
  const { rows } = await sql.query<JobRecord>(
    `SELECT ${JOB_COLUMNS} FROM job j WHERE j.id = $1 AND j.store_id = $2`,
    [id, storeId],
  );
  return rows[0] ?? null;
}

export async function saveJobFile(
  sql: Sql,
  jobId: string,
  purpose: JobFilePurpose,
  file: NewJobFile,
): Promise<void> {
  await sql.query(
    `INSERT INTO job_file (id, job_id, purpose, file_name, content_type, size, content)
     VALUES (gen_random_uuid(), $1, $2::job_file_purpose, $3, $4, $5, $6)
     ON CONFLICT (job_id, purpose) DO UPDATE
       SET file_name = EXCLUDED.file_name, content_type = EXCLUDED.content_type, size = EXCLUDED.size,
           content = EXCLUDED.content`,
    [jobId, purpose, file.fileName, file.contentType, file.content.byteLength, Buffer.from(file.content)],
  );
}

export async function findJobFile(
  sql: Sql,
  jobId: string,
  purpose: JobFilePurpose,
): Promise<(NewJobFile & { size: number }) | null> {
  const { rows } = await sql.query<{ fileName: string; contentType: string; size: number; content: Buffer }>(
    `SELECT file_name AS "fileName", content_type AS "contentType", size, content
     FROM job_file WHERE job_id = $1 AND purpose = $2::job_file_purpose`,
    [jobId, purpose],
  );
  return rows[0] ?? null;
}

/**
 * Claims the job for a run: queued or running (a run that crashed) becomes running. A finished job
 * is returned as it is, so a redelivered BullMQ job does nothing.
 */
export async function startJob(sql: Sql, id: string, now: Date): Promise<JobRecord | null> {
  const { rows } = await sql.query<{ id: string; storeId: string }>(
    `UPDATE job SET state = CASE WHEN state IN ('queued', 'running') THEN 'running'::job_state ELSE state END,
       started_at = COALESCE(started_at, $2), updated_at = $2
     WHERE id = $1 RETURNING id, store_id AS "storeId"`,
    [id, now],
  );
  const row = rows[0];
  return row ? findJob(sql, row.storeId, row.id) : null;
}

/** A job that has not finished, as the code jobs worker's recovery sweep sees it. */
export type UnfinishedJob = { id: string; storeId: string; kind: JobKind; state: "queued" | "running" };

/**
 * Jobs still queued or running that nothing has touched since `untouchedSince` (a job's row moves
 * when it starts, makes progress or is handed back), oldest first. The table holds one row per
 * merchant job, so reading it is cheap next to the jobs themselves.
 */
export async function findUntouchedUnfinishedJobs(
  sql: Sql,
  input: { untouchedSince: Date; limit: number },
): Promise<UnfinishedJob[]> {
  const { rows } = await sql.query<UnfinishedJob>(
    `SELECT id, store_id AS "storeId", kind, state FROM job
     WHERE state IN ('queued', 'running') AND updated_at < $1
     ORDER BY updated_at LIMIT $2`,
    [input.untouchedSince, input.limit],
  );
  return rows;
}

/** A running job handed back to the queue (its worker is shutting down): queued again until resumed. */
export async function requeueJob(sql: Sql, id: string, now: Date): Promise<void> {
  await sql.query(`UPDATE job SET state = 'queued', updated_at = $2 WHERE id = $1 AND state = 'running'`, [
    id,
    now,
  ]);
}

export async function recordJobProgress(
  sql: Sql,
  id: string,
  progress: number,
  result: Record<string, unknown>,
  now: Date,
): Promise<void> {
  await sql.query(
    `UPDATE job SET progress = $2, result = $3::jsonb, updated_at = $4 WHERE id = $1 AND state = 'running'`,
    [id, Math.max(0, Math.min(100, Math.floor(progress))), storableJobJson(result), now],
  );
}

/**
 * Ends a job, succeeded or failed, and removes its uploaded file in the same statement: the import
 * has read it and nothing serves it.
 */
export async function finishJob(
  sql: Sql,
  id: string,
  outcome: {
    state: "succeeded" | "failed";
    result: Record<string, unknown>;
    errors: readonly JobProblem[];
    now: Date;
  },
): Promise<void> {
  await sql.query(
    `WITH finished AS (
       UPDATE job SET state = $2::job_state, progress = CASE WHEN $2 = 'succeeded' THEN 100 ELSE progress END,
         result = $3::jsonb, errors = $4::jsonb, finished_at = $5, updated_at = $5
       WHERE id = $1
       RETURNING id
     )
     DELETE FROM job_file WHERE job_id IN (SELECT id FROM finished) AND purpose = 'upload'`,
    [id, outcome.state, storableJobJson(outcome.result), storableJobJson(outcome.errors), outcome.now],
  );
}

/**
 * Fails a job that has not finished (queued or running) with one problem, for a job the queue gave
 * up on after its attempts: its result stays (a generation's count of codes made) and its uploaded
 * file is removed in the same statement. A job that finished meanwhile stays as it is. Returns
 * whether it failed the job.
 */
export async function failUnfinishedJob(
  sql: Sql,
  id: string,
  outcome: { problem: JobProblem; now: Date },
): Promise<boolean> {
  const { rows } = await sql.query<{ failed: number }>(
    `WITH failed AS (
       UPDATE job SET state = 'failed', errors = $2::jsonb, finished_at = $3, updated_at = $3
       WHERE id = $1 AND state IN ('queued', 'running')
       RETURNING id
     ), removed AS (
       DELETE FROM job_file WHERE job_id IN (SELECT id FROM failed) AND purpose = 'upload'
     )
     SELECT count(*)::int AS failed FROM failed`,
    [id, storableJobJson([outcome.problem]), outcome.now],
  );
  return (rows[0]?.failed ?? 0) > 0;
}

export type CampaignWindow = {
  id: string;
  storeId: string;
  name: string;
  state: string;
  startsAt: Date;
  endsAt: Date;
};

/**
 * The campaign a job adds codes to. Read it under the store's code-namespace lock: archiving takes
 * that lock too, so a job either sees the archive or finishes its codes before the archive commits.
 * (No row lock: the reservation workers lock once-per-account campaigns' rows in every group commit.)
 */
export async function findCampaignWindow(sql: Sql, campaignId: string): Promise<CampaignWindow | null> {
  const { rows } = await sql.query<CampaignWindow>(
    `SELECT id, store_id AS "storeId", name, state, starts_at AS "startsAt", ends_at AS "endsAt"
     FROM campaign WHERE id = $1`,
    [campaignId],
  );
  return rows[0] ?? null;
}

/**
 * Inserts generated codes that no code of the store has yet (any campaign, any state), under the
 * store's code-namespace lock, so codes inserted at the same time by another job or request can
 * never collide. Returns the codes it inserted; the caller draws again for the rest.
 */
export async function insertGeneratedCodes(
  sql: Sql,
  input: { storeId: string; campaignId: string; jobId: string; codes: readonly string[]; now: Date },
): Promise<number> {
  await lockCodeNamespace(sql, input.storeId);
  const { rows } = await sql.query<{ inserted: number }>(
    `WITH candidate AS (
       SELECT DISTINCT ON (upper(c)) c AS code, upper(c) AS code_key FROM unnest($4::text[]) AS c
     ), fresh AS (
       INSERT INTO code (id, store_id, campaign_id, code, code_key, source, job_id, created_at)
       SELECT gen_random_uuid(), $1, $2, candidate.code, candidate.code_key, 'generated', $3, $5
       FROM candidate
       WHERE NOT EXISTS (SELECT 1 FROM code k WHERE k.store_id = $1 AND k.code_key = candidate.code_key)
       RETURNING 1
     )
     SELECT count(*)::int AS inserted FROM fresh`,
    [input.storeId, input.campaignId, input.jobId, [...input.codes], input.now],
  );
  return rows[0]?.inserted ?? 0;
}

export type ImportClash = {
  codeKey: string;
  campaignId: string;
  campaignName: string;
  sameCampaign: boolean;
};

/**
 * Codes of the file that the store already has where they would clash: in the same campaign, or in
 * another non-archived campaign whose window overlaps (SPEC §2.6). Call under the namespace lock.
 */
export async function findImportClashes(
  sql: Sql,
  input: { campaign: CampaignWindow; codeKeys: readonly string[] },
): Promise<ImportClash[]> {
  const { campaign } = input;
  const { rows } = await sql.query<ImportClash>(
    `SELECT DISTINCT ON (k.code_key) k.code_key AS "codeKey", c.id AS "campaignId", c.name AS "campaignName",
       c.id = $2 AS "sameCampaign"
     FROM code k JOIN campaign c ON c.id = k.campaign_id
     WHERE k.store_id = $1 AND k.code_key = ANY($3::text[])
       AND (c.id = $2 OR (c.state = 'active' AND c.starts_at < $5 AND c.ends_at > $4))
     ORDER BY k.code_key, (c.id = $2) DESC, c.created_at`,
    [campaign.storeId, campaign.id, [...input.codeKeys], campaign.startsAt, campaign.endsAt],
  );
  return rows;
}

export async function insertImportedCodes(
  sql: Sql,
  input: {
    storeId: string;
    campaignId: string;
    jobId: string;
    codes: readonly { code: string; codeKey: string }[];
    now: Date;
  },
): Promise<number> {
  const { rows } = await sql.query<{ inserted: number }>(
    `WITH fresh AS (
       INSERT INTO code (id, store_id, campaign_id, code, code_key, source, job_id, created_at)
       SELECT gen_random_uuid(), $1, $2, c.code, c.code_key, 'imported', $3, $5
       FROM unnest($4::text[], $6::text[]) AS c(code, code_key)
       RETURNING 1
     )
     SELECT count(*)::int AS inserted FROM fresh`,
    [
      input.storeId,
      input.campaignId,
      input.jobId,
      input.codes.map((code) => code.code),
      input.now,
      input.codes.map((code) => code.codeKey),
    ],
  );
  return rows[0]?.inserted ?? 0;
}

export type ExportedCode = {
  id: string;
  code: string;
  codeKey: string;
  state: string;
  createdAt: Date;
  uses: number;
  orderNumbers: string[];
};

/**
 * One page of a campaign's codes for the export, after `afterKey` (keyset on the campaign's unique
 * (campaign_id, code_key) index), with live uses (RESERVED
 * and unexpired, or CONFIRMED) and the order numbers of confirmed reservations.
 */
export async function listCodesForExport(
  sql: Sql,
  input: { campaignId: string; afterKey: string | null; limit: number; now: Date },
): Promise<ExportedCode[]> {
  const { rows } = await sql.query<ExportedCode>(
    `SELECT k.id, k.code, k.code_key AS "codeKey", k.state, k.created_at AS "createdAt",
       COALESCE(u.uses, 0)::int AS uses, COALESCE(u.order_numbers, '{}') AS "orderNumbers"
     FROM code k
     LEFT JOIN LATERAL (
       SELECT count(*) FILTER (WHERE r.status = 'CONFIRMED' OR r.expires_at > $4) AS uses,
         array_agg(r.order_number ORDER BY r.confirmed_at) FILTER (WHERE r.order_number IS NOT NULL) AS order_numbers
       FROM reservation r WHERE r.code_id = k.id AND r.status IN ('RESERVED', 'CONFIRMED')
     ) u ON true
     WHERE k.campaign_id = $1 AND ($2::text IS NULL OR k.code_key > $2::text)
     ORDER BY k.code_key
     LIMIT $3`,
    [input.campaignId, input.afterKey, input.limit, input.now],
  );
  return rows;
}

/**
 * Takes the planner's statistics of the code table again when a job just inserted more than a tenth
 * of it (autovacuum's default rule for ANALYZE). Until then PostgreSQL plans with the old row counts:
 * right after a generation of 200,000 codes into a store that had few, the check that a campaign's
 * new dates clash with no other campaign's codes was planned as a walk over every code of the store
 * for each campaign (3.4 s instead of 0.1 ms). Autovacuum gets there too, but only after a while,
 * and not at all where it is turned off. Returns whether it analyzed.
 */
export async function refreshCodeStatistics(sql: Sql, insertedCodes: number): Promise<boolean> {
  const { rows } = await sql.query<{ stale: boolean }>(
    "SELECT $1::bigint > 50 + 0.1 * greatest(reltuples, 0) AS stale FROM pg_class WHERE oid = 'code'::regclass",
    [insertedCodes],
  );
  if (!rows[0]?.stale) return false;
  await sql.query("ANALYZE code");
  return true;
}
