// Partners and their tracking rules (SPEC §7), and the attribution of a confirmed redemption to a
// partner. Every query is scoped by store: another store's partner or rule is simply not found.
import {
  attributePartner,
  compileTrackingPattern,
  type TrackingPattern,
  type TrackingRule,
} from "@promo/domain";
import { type Database, type Db, REQUEST_TRANSACTION } from "./client.ts";
import { afterNewestFirstCursor, decodeTimeIdCursor, listScope, newestFirstPage } from "./cursor.ts";
import type {
  PartnerKind,
  Partner as PartnerRow,
  PartnerRule as PartnerRuleRow,
} from "./generated/prisma/client.ts";
import type { Sql } from "./sql.ts";

export type PartnerRecord = Pick<PartnerRow, "id" | "storeId" | "name" | "kind" | "createdAt" | "updatedAt">;
export type PartnerRuleRecord = Pick<
  PartnerRuleRow,
  "id" | "storeId" | "partnerId" | "pattern" | "priority" | "createdAt"
>;

/** Insert or rename outcome: the name is unique per store. */
export type PartnerWrite = { kind: "written"; partner: PartnerRecord } | { kind: "name-taken" };

/** PostgreSQL's unique_violation, as Prisma reports it (P2002) or as the driver does (23505). */
function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, cause } = error as { code?: unknown; cause?: unknown };
  return code === "P2002" || code === "23505" || (cause !== undefined && isUniqueViolation(cause));
}

export async function insertPartner(
  db: Db,
  storeId: string,
  input: { name: string; kind: PartnerKind },
): Promise<PartnerWrite> {
  try {
    return { kind: "written", partner: await db.partner.create({ data: { storeId, ...input } }) };
  } catch (error) {
    if (isUniqueViolation(error)) return { kind: "name-taken" };
    throw error;
  }
}

export async function findPartner(db: Db, storeId: string, id: string): Promise<PartnerRecord | null> {
  return db.partner.findFirst({ where: { id, storeId } });
}

/** Null when the partner is not in the store. */
export async function updatePartner(
  db: Db,
  storeId: string,
  id: string,
  changes: { name?: string; kind?: PartnerKind },
): Promise<PartnerWrite | null> {
  try {
    const { count } = await db.partner.updateMany({ where: { id, storeId }, data: changes });
    if (count === 0) return null;
  } catch (error) {
    if (isUniqueViolation(error)) return { kind: "name-taken" };
    throw error;
  }
  const partner = await findPartner(db, storeId, id);
  return partner ? { kind: "written", partner } : null;
}

/**
 * Deletes the partner and its rules. Campaigns and codes tied to it lose the tie; reservations
 * already attributed keep the partner id they were confirmed with. False when not in the store.
 *
 * The campaigns and then the codes tied to it are locked first, in the order every writer of a
 * campaign's codes takes them (campaign, then code, then the partner a code names). Deleting the
 * partner straight away locked it and then, untying them, the campaigns, while a code added to
 * such a campaign held the campaign and waited on the partner: a deadlock, one of the two undone.
 */
export async function deletePartner(db: Database["prisma"], storeId: string, id: string): Promise<boolean> {
  return db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM campaign WHERE store_id = ${storeId}::uuid AND partner_id = ${id}::uuid
      ORDER BY id FOR NO KEY UPDATE`;
    await tx.$queryRaw`SELECT id FROM code WHERE store_id = ${storeId}::uuid AND partner_id = ${id}::uuid
      ORDER BY id FOR NO KEY UPDATE`;
    const { count } = await tx.partner.deleteMany({ where: { id, storeId } });
    return count > 0;
  }, REQUEST_TRANSACTION);
}

export async function listPartners(
  db: Db,
  storeId: string,
  query: { limit: number; cursor?: string },
): Promise<{ items: PartnerRecord[]; nextCursor: string | null } | null> {
  const scope = listScope("partners", storeId);
  const after = query.cursor === undefined ? null : decodeTimeIdCursor(query.cursor, scope);
  if (query.cursor !== undefined && after === null) return null;
  const rows = await db.partner.findMany({
    where: { storeId, ...afterNewestFirstCursor(after) },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: query.limit + 1,
  });
  return newestFirstPage(rows, query.limit, scope);
}

/**
 * Saves a rule unless the store already has `maxRules`: counted under a lock on the store's row, so
 * rules added at the same time cannot pass the cap together. Null when the store is at the cap.
 */
export async function insertPartnerRule(
  db: Database["prisma"],
  input: { storeId: string; partnerId: string; pattern: string; priority: number },
  maxRules: number,
): Promise<PartnerRuleRecord | null> {
  return db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT 1 FROM store WHERE id = ${input.storeId}::uuid FOR UPDATE`;
    if ((await tx.partnerRule.count({ where: { storeId: input.storeId } })) >= maxRules) return null;
    return tx.partnerRule.create({ data: input });
  }, REQUEST_TRANSACTION);
}

/** A partner's rules in the order they are tried. */
export async function listPartnerRules(
  db: Db,
  storeId: string,
  partnerId: string,
): Promise<PartnerRuleRecord[]> {
  return db.partnerRule.findMany({
    where: { storeId, partnerId },
    orderBy: [{ priority: "asc" }, { createdAt: "asc" }, { id: "asc" }],
  });
}

export async function deletePartnerRule(
  db: Db,
  input: { storeId: string; partnerId: string; ruleId: string },
): Promise<boolean> {
  const { count } = await db.partnerRule.deleteMany({
    where: { id: input.ruleId, storeId: input.storeId, partnerId: input.partnerId },
  });
  return count > 0;
}

// --- attribution at confirm time -------------------------------------------------------------

const MAX_COMPILED_PATTERNS = 5_000;
const compiledPatterns = new Map<string, TrackingPattern | null>();

/** Patterns were checked when saved; compiled once per process and reused. */
function compiledPattern(source: string): TrackingPattern | null {
  let pattern = compiledPatterns.get(source);
  if (pattern === undefined) {
    const check = compileTrackingPattern(source, { saved: true });
    pattern = check.ok ? check.pattern : null;
    if (compiledPatterns.size >= MAX_COMPILED_PATTERNS) compiledPatterns.clear();
    compiledPatterns.set(source, pattern);
  }
  return pattern;
}

/** Every tracking rule of the stores, compiled, keyed by store id. One query. */
export async function loadTrackingRules(
  sql: Sql,
  storeIds: readonly string[],
): Promise<Map<string, TrackingRule[]>> {
  const byStore = new Map<string, TrackingRule[]>();
  if (storeIds.length === 0) return byStore;
  const { rows } = await sql.query<{
    id: string;
    storeId: string;
    partnerId: string;
    pattern: string;
    priority: number;
    createdAt: Date;
  }>(
    `SELECT id, store_id AS "storeId", partner_id AS "partnerId", pattern, priority, created_at AS "createdAt"
     FROM partner_rule WHERE store_id = ANY($1::uuid[])`,
    [[...new Set(storeIds)]],
  );
  for (const row of rows) {
    const pattern = compiledPattern(row.pattern);
    if (!pattern) continue;
    const rules = byStore.get(row.storeId) ?? [];
    rules.push({
      id: row.id,
      partnerId: row.partnerId,
      priority: row.priority,
      createdAt: new Date(row.createdAt),
      pattern,
    });
    byStore.set(row.storeId, rules);
  }
  return byStore;
}

export type AttributionInput = {
  reservationId: string;
  storeId: string;
  codeKey: string;
  codePartnerId: string | null;
  campaignPartnerId: string | null;
};

/**
 * The partner each redemption is credited to (code's, else campaign's, else the first matching
 * tracking rule). The stores' rules are loaded once, and only when some redemption needs them.
 */
export async function attributePartners(
  sql: Sql,
  redemptions: readonly AttributionInput[],
): Promise<Map<string, string | null>> {
  const needRules = redemptions.filter(
    (item) => item.codePartnerId === null && item.campaignPartnerId === null,
  );
  const rulesByStore = await loadTrackingRules(
    sql,
    needRules.map((item) => item.storeId),
  );
  return new Map(
    redemptions.map((item) => [
      item.reservationId,
      attributePartner({
        codePartnerId: item.codePartnerId,
        campaignPartnerId: item.campaignPartnerId,
        code: item.codeKey,
        rules: rulesByStore.get(item.storeId) ?? [],
      }),
    ]),
  );
}

/** The code's and the campaign's partner as they are now, for one reservation. */
export async function findDirectPartners(
  sql: Sql,
  input: { codeId: string | null; campaignId: string | null },
): Promise<{ codePartnerId: string | null; campaignPartnerId: string | null }> {
  const { rows } = await sql.query<{ codePartnerId: string | null; campaignPartnerId: string | null }>(
    `SELECT (SELECT partner_id FROM code WHERE id = $1::uuid) AS "codePartnerId",
            (SELECT partner_id FROM campaign WHERE id = $2::uuid) AS "campaignPartnerId"`,
    [input.codeId, input.campaignId],
  );
  return rows[0] ?? { codePartnerId: null, campaignPartnerId: null };
}
