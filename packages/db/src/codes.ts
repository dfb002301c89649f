import type { Db } from "./client.ts";
import { decodeCursor, encodeCursor } from "./cursor.ts";
import type { Code as CodeRow, CodeSource, CodeState } from "./generated/prisma/client.ts";
import type { Sql } from "./sql.ts";

export type CodeRecord = {
  id: string;
  storeId: string;
  campaignId: string;
  code: string;
  codeKey: string;
  state: CodeState;
  source: CodeSource;
  partnerId: string | null;
  createdAt: Date;
  expiredAt: Date | null;
};

export type CodeConflict = { campaignId: string; campaignName: string; code: string };

/** The code columns of alias `k` under CodeRecord's field names, for raw SQL. */
export const CODE_COLUMNS = `k.id, k.store_id AS "storeId", k.campaign_id AS "campaignId", k.code, k.code_key AS "codeKey",
  k.state::text AS state, k.source::text AS source, k.partner_id AS "partnerId", k.created_at AS "createdAt",
  k.expired_at AS "expiredAt"`;

export function toCodeRecord(row: CodeRecord | CodeRow): CodeRecord {
  return {
    id: row.id,
    storeId: row.storeId,
    campaignId: row.campaignId,
    code: row.code,
    codeKey: row.codeKey,
    state: row.state,
    source: row.source,
    partnerId: row.partnerId,
    createdAt: row.createdAt,
    expiredAt: row.expiredAt,
  };
}

/**
 * Serializes every change to a store's code namespace (new codes, imports, campaign date edits,
 * archives) so the duplicate-code rule (SPEC §2.6) cannot be broken by two writers at once, and no
 * code is added to a campaign being archived. Transaction-scoped.
 */
export async function lockCodeNamespace(sql: Sql, storeId: string): Promise<void> {
  await sql.query("SELECT 1 AS locked FROM pg_advisory_xact_lock(hashtextextended($1::text, 0))", [
    `code-namespace:${storeId}`,
  ]);
}

/**
 * A non-archived campaign other than `campaignId` whose window overlaps [startsAt, endsAt) and that
 * already has one of `codeKeys`.
 */
export async function findCodeConflict(
  db: Db,
  input: { storeId: string; campaignId: string; codeKeys: readonly string[]; startsAt: Date; endsAt: Date },
): Promise<CodeConflict | null> {
  const rows = await db.$queryRaw<{ campaign_id: string; campaign_name: string; code: string }[]>`
    SELECT c.id AS campaign_id, c.name AS campaign_name, k.code
    FROM code k JOIN campaign c ON c.id = k.campaign_id
    WHERE k.store_id = ${input.storeId}::uuid
      AND k.code_key = ANY(${[...input.codeKeys]}::text[])
      AND k.campaign_id <> ${input.campaignId}::uuid
      AND c.state = 'active'
      AND c.starts_at < ${input.endsAt} AND c.ends_at > ${input.startsAt}
    ORDER BY c.created_at, c.id
    LIMIT 1`;
  const row = rows[0];
  return row ? { campaignId: row.campaign_id, campaignName: row.campaign_name, code: row.code } : null;
}

/** Like findCodeConflict, for every code the campaign already has (used when its dates change). */
export async function findCampaignCodesConflict(
  db: Db,
  input: { storeId: string; campaignId: string; startsAt: Date; endsAt: Date },
): Promise<CodeConflict | null> {
  const rows = await db.$queryRaw<{ campaign_id: string; campaign_name: string; code: string }[]>`
    SELECT c.id AS campaign_id, c.name AS campaign_name, other.code
    FROM code own
    JOIN code other ON other.store_id = own.store_id AND other.code_key = own.code_key
      AND other.campaign_id <> own.campaign_id
    JOIN campaign c ON c.id = other.campaign_id
    WHERE own.campaign_id = ${input.campaignId}::uuid
      AND own.store_id = ${input.storeId}::uuid
      AND c.state = 'active'
      AND c.starts_at < ${input.endsAt} AND c.ends_at > ${input.startsAt}
    LIMIT 1`;
  const row = rows[0];
  return row ? { campaignId: row.campaign_id, campaignName: row.campaign_name, code: row.code } : null;
}

export async function insertCode(
  db: Db,
  input: {
    storeId: string;
    campaignId: string;
    code: string;
    codeKey: string;
    source: CodeSource;
    partnerId?: string | null;
  },
): Promise<CodeRecord> {
  const row = await db.code.create({ data: { ...input } });
  return toCodeRecord(row);
}

export async function findCodeInCampaign(
  db: Db,
  campaignId: string,
  codeKey: string,
): Promise<CodeRecord | null> {
  const row = await db.code.findUnique({ where: { campaignId_codeKey: { campaignId, codeKey } } });
  return row ? toCodeRecord(row) : null;
}

export async function listCampaignCodes(
  db: Db,
  campaignId: string,
  query: { limit: number; cursor?: string },
): Promise<{ items: CodeRecord[]; nextCursor: string | null } | null> {
  const after = query.cursor === undefined ? null : await codeKeyOfCursor(db, campaignId, query.cursor);
  if (query.cursor !== undefined && after === null) return null;
  const rows = await db.code.findMany({
    where: { campaignId, ...(after ? { codeKey: { gt: after } } : {}) },
    orderBy: { codeKey: "asc" },
    take: query.limit + 1,
  });
  const page = rows.slice(0, query.limit).map(toCodeRecord);
  const last = page.at(-1);
  return {
    items: page,
    nextCursor: rows.length > query.limit && last ? encodeCursor([campaignId, last.codeKey]) : null,
  };
}

/**
 * The code key a page of this campaign's codes ends at, or null for a cursor this campaign's pages
 * did not make: another campaign's (it names its campaign; taken here, it skipped every code before
 * its key without a word), a code key the campaign does not hold (codes are never deleted), or no
 * cursor at all.
 */
async function codeKeyOfCursor(db: Db, campaignId: string, cursor: string): Promise<string | null> {
  const values = decodeCursor(cursor, 2);
  if (!values) return null;
  const [cursorCampaignId, codeKey] = values;
  if (cursorCampaignId !== campaignId || typeof codeKey !== "string" || !/^[A-Z0-9]{1,64}$/.test(codeKey))
    return null;
  return (await findCodeInCampaign(db, campaignId, codeKey)) ? codeKey : null;
}

/** Every campaign's instance of a code in the store (or in one campaign), oldest first. */
function codesByKey(storeId: string, codeKey: string, campaignId: string | undefined) {
  return {
    where: { storeId, codeKey, ...(campaignId ? { campaignId } : {}) },
    orderBy: [{ createdAt: "asc" as const }, { id: "asc" as const }],
  };
}

/** Every campaign's instance of a code in the store, oldest campaign first. */
export async function findCodesByKey(
  db: Db,
  storeId: string,
  codeKey: string,
  campaignId?: string,
): Promise<CodeRecord[]> {
  const rows = await db.code.findMany(codesByKey(storeId, codeKey, campaignId));
  return rows.map(toCodeRecord);
}

/**
 * The codes findCodesByKey finds, split by their campaign's state: an archived campaign is final,
 * so its codes are not expired or reactivated any more.
 */
export async function findCodesByKeyToChange(
  db: Db,
  storeId: string,
  codeKey: string,
  campaignId?: string,
): Promise<{ changeable: CodeRecord[]; archived: CodeRecord[] }> {
  const rows = await db.code.findMany({
    ...codesByKey(storeId, codeKey, campaignId),
    include: { campaign: { select: { state: true } } },
  });
  return {
    changeable: rows.filter((row) => row.campaign.state !== "archived").map(toCodeRecord),
    archived: rows.filter((row) => row.campaign.state === "archived").map(toCodeRecord),
  };
}

/**
 * How many of the store's codes have this length and start with this prefix (any letter case, as
 * codes match): the codes already in the space a generation would draw from. An index-only scan of
 * the store's codes. Read it under the store's code-namespace lock to queue a job on it.
 */
export async function countCodesInSpace(
  sql: Sql,
  storeId: string,
  space: { length: number; prefix: string },
): Promise<number> {
  const { rows } = await sql.query<{ count: number }>(
    `SELECT count(*)::int AS count FROM code
     WHERE store_id = $1 AND length(code_key) = $2 AND left(code_key, length($3)) = $3`,
    [storeId, space.length, space.prefix.toUpperCase()],
  );
  return rows[0]?.count ?? 0;
}

/**
 * The store's generation jobs not finished yet (queued or running) that make codes of this length:
 * each one's prefix and how many codes it is still to make (its count less those it has made, which
 * it records in the transaction that inserts them).
 */
export async function listUnfinishedGenerations(
  sql: Sql,
  storeId: string,
  length: number,
): Promise<{ prefix: string; remaining: number }[]> {
  const { rows } = await sql.query<{ prefix: string; remaining: number }>(
    `SELECT COALESCE(params->>'prefix', '') AS prefix,
       GREATEST((params->>'count')::int - COALESCE((result->>'generated')::int, 0), 0) AS remaining
     FROM job
     WHERE store_id = $1 AND kind = 'generate_codes' AND state IN ('queued', 'running')
       AND (params->>'length')::int = $2`,
    [storeId, length],
  );
  return rows;
}

export async function setCodeState(
  db: Db,
  ids: readonly string[],
  state: CodeState,
  now: Date,
): Promise<CodeRecord[]> {
  // A code already in that state is left as it is (expiring twice keeps the first expiredAt).
  await db.code.updateMany({
    where: { id: { in: [...ids] }, state: { not: state } },
    data: { state, expiredAt: state === "expired" ? now : null },
  });
  const rows = await db.code.findMany({ where: { id: { in: [...ids] } }, orderBy: { createdAt: "asc" } });
  return rows.map(toCodeRecord);
}
