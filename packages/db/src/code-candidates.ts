import { type CampaignRecord, toCampaignRecord } from "./campaigns.ts";
import type { Db } from "./client.ts";
import { type CodeRecord, toCodeRecord } from "./codes.ts";

export type CodeCandidate = { code: CodeRecord; campaign: CampaignRecord };

/** Every code instance (with its campaign) matching one of the keys in the store. */
export async function findCodeCandidates(
  db: Db,
  storeId: string,
  codeKeys: readonly string[],
): Promise<CodeCandidate[]> {
  if (codeKeys.length === 0) return [];
  const rows = await db.code.findMany({
    where: { storeId, codeKey: { in: [...codeKeys] } },
    include: { campaign: true },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
  return rows.map((row) => ({ code: toCodeRecord(row), campaign: toCampaignRecord(row.campaign) }));
}

/** Live holds per code at `now` (CONFIRMED, or RESERVED not yet run out). */
export async function countLiveHolds(
  db: Db,
  codeIds: readonly string[],
  now: Date,
): Promise<Map<string, number>> {
  if (codeIds.length === 0) return new Map();
  const rows = await db.$queryRaw<{ code_id: string; live: number }[]>`
    SELECT code_id, count(*)::int AS live FROM reservation
    WHERE code_id = ANY(${[...codeIds]}::uuid[])
      AND (status = 'CONFIRMED' OR (status = 'RESERVED' AND expires_at > ${now}))
    GROUP BY code_id`;
  return new Map(rows.map((row) => [row.code_id, row.live]));
}

/** Campaigns (of those given) in which the account holds a live reservation at `now`. */
export async function findCampaignsHeldByAccount(
  db: Db,
  campaignIds: readonly string[],
  accountId: string,
  now: Date,
): Promise<Set<string>> {
  if (campaignIds.length === 0) return new Set();
  const rows = await db.$queryRaw<{ campaign_id: string }[]>`
    SELECT DISTINCT campaign_id FROM reservation
    WHERE campaign_id = ANY(${[...campaignIds]}::uuid[]) AND account_id = ${accountId}
      AND (status = 'CONFIRMED' OR (status = 'RESERVED' AND expires_at > ${now}))`;
  return new Set(rows.map((row) => row.campaign_id));
}
