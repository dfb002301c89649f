import { randomBytes } from "node:crypto";
import { GenerateCodesParamsSchema } from "@promo/contracts";
import {
  type Database,
  findCampaignWindow,
  finishJob,
  insertGeneratedCodes,
  type JobRecord,
  lockCodeNamespace,
  poolSql,
  recordJobProgress,
  withPgTransaction,
} from "@promo/db";
import { generateCodes, jobProblem } from "@promo/domain";
import { campaignProblem } from "./campaign-problem.ts";

/** Thrown between batches once the process is shutting down; the job resumes from the codes made. */
export class GenerationInterrupted extends Error {
  constructor() {
    super("the worker is stopping; the job resumes from the codes already made");
    this.name = "GenerationInterrupted";
  }
}

/** Draws that insert nothing at all in a row before the job gives up (the space is exhausted). */
const MAX_FRUITLESS_DRAWS = 20;

export type GenerationDeps = {
  database: Database;
  batchSize: number;
  clock: () => Date;
  onProgress: (progress: number) => Promise<void>;
  /** True once the process is shutting down: the job stops between batches and is handed back. */
  stopping: () => boolean;
};

/**
 * Generates the job's codes in batches, each its own transaction that inserts the batch and records
 * how many codes exist so far. A run after a crash resumes from that count: no code is made twice
 * and the total is exact. Candidates that collide with any code of the store are drawn again. Each
 * batch reads the campaign under the code-namespace lock: once it is archived, the job fails and
 * keeps the batches made. Returns how many codes this run inserted.
 */
export async function runGeneration(deps: GenerationDeps, job: JobRecord): Promise<number> {
  const params = GenerateCodesParamsSchema.parse(job.params);
  const campaignId = job.campaignId;
  if (!campaignId) throw new Error(`generation job ${job.id} has no campaign`);
  const resumedFrom = Number((job.result as { generated?: unknown } | null)?.generated ?? 0);
  let generated = resumedFrom;
  let fruitless = 0;
  while (generated < params.count) {
    if (deps.stopping()) throw new GenerationInterrupted();
    const want = Math.min(deps.batchSize, params.count - generated);
    const codes = generateCodes({ count: want, length: params.length, prefix: params.prefix, randomBytes });
    const inserted = await withPgTransaction(deps.database.pool, async (sql) => {
      const now = deps.clock();
      await lockCodeNamespace(sql, job.storeId);
      const campaign = await findCampaignWindow(sql, campaignId);
      if (!campaign || campaign.state === "archived") {
        await finishJob(sql, job.id, {
          state: "failed",
          result: { generated },
          errors: [campaignProblem(campaignId, campaign)],
          now,
        });
        return null;
      }
      const count = await insertGeneratedCodes(sql, {
        storeId: job.storeId,
        campaignId,
        jobId: job.id,
        codes,
        now,
      });
      await recordJobProgress(
        sql,
        job.id,
        ((generated + count) / params.count) * 100,
        { generated: generated + count },
        now,
      );
      return count;
    });
    if (inserted === null) return generated - resumedFrom;
    generated += inserted;
    fruitless = inserted === 0 ? fruitless + 1 : 0;
    if (fruitless >= MAX_FRUITLESS_DRAWS) {
      await finishJob(poolSql(deps.database.pool), job.id, {
        state: "failed",
        result: { generated },
        errors: [{ row: null, value: "", ...jobProblem("code_space_exhausted") }],
        now: deps.clock(),
      });
      return generated - resumedFrom;
    }
    await deps.onProgress(Math.floor((generated / params.count) * 100));
  }
  await finishJob(poolSql(deps.database.pool), job.id, {
    state: "succeeded",
    result: { generated },
    errors: [],
    now: deps.clock(),
  });
  return generated - resumedFrom;
}
