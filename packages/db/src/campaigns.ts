import type { CampaignTerms, DiscountRule, VelocityAlertSettings } from "@promo/domain";
import type { Db } from "./client.ts";
import { afterNewestFirstCursor, decodeTimeIdCursor, listScope, newestFirstPage } from "./cursor.ts";
import type { Campaign as CampaignRow } from "./generated/prisma/client.ts";

/** A campaign as stored: the domain terms plus bookkeeping. */
export type CampaignRecord = CampaignTerms & {
  storeId: string;
  /** Misuse monitoring of this campaign's codes; null: no velocity alerts. */
  velocityAlert: VelocityAlertSettings | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  archivedAt: Date | null;
};

export type NewCampaign = Omit<CampaignTerms, "id" | "state"> & {
  velocityAlert?: VelocityAlertSettings | null;
};

export type CampaignChanges = Partial<
  Pick<
    CampaignTerms,
    | "name"
    | "startsAt"
    | "endsAt"
    | "memberGroups"
    | "productIds"
    | "usageLimit"
    | "priority"
    | "combinesWith"
    | "partnerId"
  >
> & { velocityAlert?: VelocityAlertSettings | null };

/** A campaign row from Prisma, or from raw SQL selecting CAMPAIGN_COLUMNS (amount as text). */
export type CampaignRowLike = Omit<CampaignRow, "amount"> & { amount: bigint | string | null };

/** The campaign columns of alias `c` under Prisma's field names, for raw SQL. */
export const CAMPAIGN_COLUMNS = `c.id, c.store_id AS "storeId", c.name, c.discount_type::text AS "discountType",
  c.percent_basis_points AS "percentBasisPoints", c.amount::text AS amount, c.currency, c.starts_at AS "startsAt",
  c.ends_at AS "endsAt", c.member_groups AS "memberGroups", c.product_ids AS "productIds", c.usage_limit AS "usageLimit",
  c.once_per_account AS "oncePerAccount", c.priority, c.combines_with_all AS "combinesWithAll",
  c.combines_with AS "combinesWith", c.partner_id AS "partnerId", c.velocity_limit AS "velocityLimit",
  c.velocity_window_seconds AS "velocityWindowSeconds", c.state::text AS state, c.version, c.created_at AS "createdAt",
  c.updated_at AS "updatedAt", c.archived_at AS "archivedAt"`;

/** A campaign's `combinesWith` from its two columns (`combines_with_all`, `combines_with`). */
export function combinesWithOf(
  all: boolean | null,
  ids: readonly string[] | null,
): CampaignTerms["combinesWith"] {
  return all ? "*" : (ids ?? []);
}

export function toCampaignRecord(row: CampaignRowLike): CampaignRecord {
  return {
    id: row.id,
    storeId: row.storeId,
    name: row.name,
    discount: toDiscountRule(row),
    currency: row.currency,
    startsAt: row.startsAt,
    endsAt: row.endsAt,
    memberGroups: row.memberGroups,
    productIds: row.productIds,
    usageLimit: row.usageLimit,
    oncePerAccount: row.oncePerAccount,
    priority: row.priority,
    combinesWith: combinesWithOf(row.combinesWithAll, row.combinesWith),
    partnerId: row.partnerId,
    velocityAlert:
      row.velocityLimit !== null && row.velocityWindowSeconds !== null
        ? { limit: row.velocityLimit, windowSeconds: row.velocityWindowSeconds }
        : null,
    state: row.state,
    version: row.version,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    archivedAt: row.archivedAt,
  };
}

function toDiscountRule(row: CampaignRowLike): DiscountRule {
  if (row.discountType === "percentage") {
    return { type: "percentage", basisPoints: row.percentBasisPoints ?? 0 };
  }
  return { type: "fixed", amount: Number(row.amount ?? 0n) };
}

function discountColumns(discount: DiscountRule) {
  return discount.type === "percentage"
    ? { discountType: "percentage" as const, percentBasisPoints: discount.basisPoints, amount: null }
    : { discountType: "fixed" as const, percentBasisPoints: null, amount: BigInt(discount.amount) };
}

function velocityColumns(velocityAlert: VelocityAlertSettings | null) {
  return {
    velocityLimit: velocityAlert?.limit ?? null,
    velocityWindowSeconds: velocityAlert?.windowSeconds ?? null,
  };
}

function combinesWithColumns(combinesWith: CampaignTerms["combinesWith"]) {
  return combinesWith === "*"
    ? { combinesWithAll: true, combinesWith: [] }
    : { combinesWithAll: false, combinesWith: [...combinesWith] };
}

export async function insertCampaign(
  db: Db,
  storeId: string,
  campaign: NewCampaign,
): Promise<CampaignRecord> {
  const row = await db.campaign.create({
    data: {
      storeId,
      name: campaign.name,
      ...discountColumns(campaign.discount),
      currency: campaign.currency,
      startsAt: campaign.startsAt,
      endsAt: campaign.endsAt,
      memberGroups: [...campaign.memberGroups],
      productIds: [...campaign.productIds],
      usageLimit: campaign.usageLimit,
      oncePerAccount: campaign.oncePerAccount,
      priority: campaign.priority,
      ...combinesWithColumns(campaign.combinesWith),
      partnerId: campaign.partnerId,
      ...velocityColumns(campaign.velocityAlert ?? null),
    },
  });
  return toCampaignRecord(row);
}

export async function findCampaign(db: Db, storeId: string, id: string): Promise<CampaignRecord | null> {
  const row = await db.campaign.findFirst({ where: { id, storeId } });
  return row ? toCampaignRecord(row) : null;
}

/** The row locked for update: edits of one campaign are serialized. */
export async function lockCampaign(db: Db, storeId: string, id: string): Promise<CampaignRecord | null> {
  const locked = await db.$queryRaw<{ id: string }[]>`
    SELECT id FROM campaign WHERE id = ${id}::uuid AND store_id = ${storeId}::uuid FOR NO KEY UPDATE`;
  if (locked.length === 0) return null;
  return findCampaign(db, storeId, id);
}

export async function listCampaigns(
  db: Db,
  storeId: string,
  query: { state?: "active" | "archived"; limit: number; cursor?: string },
): Promise<{ items: CampaignRecord[]; nextCursor: string | null } | null> {
  const scope = listScope("campaigns", storeId, query.state);
  const after = query.cursor === undefined ? null : decodeTimeIdCursor(query.cursor, scope);
  if (query.cursor !== undefined && after === null) return null;
  const rows = await db.campaign.findMany({
    where: { storeId, ...(query.state ? { state: query.state } : {}), ...afterNewestFirstCursor(after) },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: query.limit + 1,
  });
  const page = newestFirstPage(rows, query.limit, scope);
  return { items: page.items.map(toCampaignRecord), nextCursor: page.nextCursor };
}

export async function updateCampaign(
  db: Db,
  storeId: string,
  id: string,
  changes: CampaignChanges,
): Promise<CampaignRecord> {
  const row = await db.campaign.update({
    where: { id, storeId },
    data: {
      ...(changes.name !== undefined ? { name: changes.name } : {}),
      ...(changes.startsAt !== undefined ? { startsAt: changes.startsAt } : {}),
      ...(changes.endsAt !== undefined ? { endsAt: changes.endsAt } : {}),
      ...(changes.memberGroups !== undefined ? { memberGroups: [...changes.memberGroups] } : {}),
      ...(changes.productIds !== undefined ? { productIds: [...changes.productIds] } : {}),
      ...(changes.usageLimit !== undefined ? { usageLimit: changes.usageLimit } : {}),
      ...(changes.priority !== undefined ? { priority: changes.priority } : {}),
      ...(changes.combinesWith !== undefined ? combinesWithColumns(changes.combinesWith) : {}),
      ...(changes.partnerId !== undefined ? { partnerId: changes.partnerId } : {}),
      ...(changes.velocityAlert !== undefined ? velocityColumns(changes.velocityAlert) : {}),
      version: { increment: 1 },
    },
  });
  return toCampaignRecord(row);
}

export async function archiveCampaign(
  db: Db,
  storeId: string,
  id: string,
  now: Date,
): Promise<CampaignRecord> {
  const row = await db.campaign.update({
    where: { id, storeId },
    data: { state: "archived", archivedAt: now, version: { increment: 1 } },
  });
  return toCampaignRecord(row);
}

export async function countCampaignsInStore(
  db: Db,
  storeId: string,
  ids: readonly string[],
): Promise<number> {
  return db.campaign.count({ where: { storeId, id: { in: [...ids] } } });
}
