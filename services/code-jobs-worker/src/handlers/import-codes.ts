import { type ImportedCode, readImportFile, reportedValue } from "@promo/code-files";
import { ImportCodesParamsSchema, MAX_CODES_PER_IMPORT } from "@promo/contracts";
import {
  type Database,
  findCampaignWindow,
  findImportClashes,
  findJobFile,
  finishJob,
  type ImportClash,
  insertImportedCodes,
  type JobProblem,
  type JobRecord,
  lockCodeNamespace,
  poolSql,
  recordJobProgress,
  type Sql,
  withPgTransaction,
} from "@promo/db";
import { jobProblem } from "@promo/domain";
import { campaignProblem } from "./campaign-problem.ts";

export type ImportDeps = { database: Database; clock: () => Date };

/**
 * Imports the uploaded file all-or-nothing: the file is read and every rule checked (SPEC §4), then,
 * in ONE transaction under the store's code-namespace lock, the rows that passed the file's rules are
 * looked up for clashes with existing codes (one query, even when other rows are already bad, so that
 * one upload lists every bad row), and either every code is inserted and the job succeeds, or nothing
 * is and the job fails with every bad row in row order (the gateway offers them as an .xlsx error report). A campaign
 * archived before the transaction takes the lock fails the job. A problem of the whole file stops
 * before the database is asked. A crash before the commit leaves nothing behind, and the job runs
 * again from the start. Returns how many codes it inserted.
 */
export async function runImport(deps: ImportDeps, job: JobRecord): Promise<number> {
  const params = ImportCodesParamsSchema.parse(job.params);
  const campaignId = job.campaignId;
  if (!campaignId) throw new Error(`import job ${job.id} has no campaign`);
  const upload = await findJobFile(poolSql(deps.database.pool), job.id, "upload");
  if (!upload) {
    await fail(poolSql(deps.database.pool), deps, job, [
      { row: null, value: params.fileName, ...jobProblem("file_missing") },
    ]);
    return 0;
  }
  const checked = await readImportFile(new Uint8Array(upload.content), params.fileKind, {
    maxCodes: MAX_CODES_PER_IMPORT,
  });
  if (!checked.ok && checked.fileProblem) {
    const { fileProblem } = checked;
    await withPgTransaction(deps.database.pool, (sql) =>
      fail(sql, deps, job, [{ row: null, value: params.fileName, ...fileProblem }]),
    );
    return 0;
  }
  const fileRowProblems: readonly JobProblem[] = checked.ok ? [] : checked.rows;
  if (checked.ok) {
    await recordJobProgress(
      poolSql(deps.database.pool),
      job.id,
      50,
      { checkedRows: checked.codes.length },
      deps.clock(),
    );
  }

  return withPgTransaction(deps.database.pool, async (sql) => {
    await lockCodeNamespace(sql, job.storeId);
    const campaign = await findCampaignWindow(sql, campaignId);
    if (!campaign || campaign.state === "archived") {
      await fail(sql, deps, job, [campaignProblem(campaignId, campaign), ...fileRowProblems]);
      return 0;
    }
    const clashes = await findImportClashes(sql, {
      campaign,
      codeKeys: checked.codes.map((code) => code.codeKey),
    });
    const badRows = sortByRow([...fileRowProblems, ...describeClashes(checked.codes, clashes)]);
    if (badRows.length > 0) {
      await fail(sql, deps, job, badRows);
      return 0;
    }
    const imported = await insertImportedCodes(sql, {
      storeId: job.storeId,
      campaignId,
      jobId: job.id,
      codes: checked.codes,
      now: deps.clock(),
    });
    // The row read as a header is named, so a merchant sees which first row was not imported.
    const result = checked.header ? { imported, header: checked.header } : { imported };
    await finishJob(sql, job.id, { state: "succeeded", result, errors: [], now: deps.clock() });
    return imported;
  });
}

/** The rows whose code the store already has where it would clash, one code_conflict each. */
function describeClashes(codes: readonly ImportedCode[], clashes: readonly ImportClash[]): JobProblem[] {
  const clashOf = new Map(clashes.map((clash) => [clash.codeKey, clash]));
  return codes.flatMap((code): JobProblem[] => {
    const clash = clashOf.get(code.codeKey);
    if (!clash) return [];
    return [
      {
        row: code.row,
        value: code.code,
        ...jobProblem(
          "code_conflict",
          clash.sameCampaign
            ? { sameCampaign: true }
            : { sameCampaign: false, campaignId: clash.campaignId, campaignName: clash.campaignName },
        ),
      },
    ];
  });
}

/** Bad rows in the order of the file (each row of a file is bad for one reason at most). */
function sortByRow(problems: readonly JobProblem[]): JobProblem[] {
  return [...problems].sort((a, b) => (a.row ?? 0) - (b.row ?? 0));
}

/**
 * Fails the job with its problems, each value cut as a job lists it (reportedValue): its errors, and
 * the error report the gateway writes from them.
 */
async function fail(sql: Sql, deps: ImportDeps, job: JobRecord, found: readonly JobProblem[]): Promise<void> {
  const problems = found.map((problem) => ({ ...problem, value: reportedValue(problem.value) }));
  await finishJob(sql, job.id, {
    state: "failed",
    result: { imported: 0, badRows: problems.filter((problem) => problem.row !== null).length },
    errors: problems,
    now: deps.clock(),
  });
}
