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
