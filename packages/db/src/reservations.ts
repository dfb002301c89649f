import type { Db } from "./client.ts";
import { decodeCursor, encodeCursor, isUuid } from "./cursor.ts";
import type { Reservation as ReservationRow, ReservationStatus } from "./generated/prisma/client.ts";

export type { ReservationStatus };

export type CodeUses = { live: number; reserved: number; confirmed: number };

/** Live holds of a code at `now`: CONFIRMED, and RESERVED whose hold has not run out. */
export async function countCodeUses(db: Db, codeId: string, now: Date): Promise<CodeUses> {
  const rows = await db.$queryRaw<{ reserved: number; confirmed: number }[]>`
    SELECT
      count(*) FILTER (WHERE status = 'RESERVED' AND expires_at > ${now})::int AS reserved,
      count(*) FILTER (WHERE status = 'CONFIRMED')::int AS confirmed
    FROM reservation
    WHERE code_id = ${codeId}::uuid AND status IN ('RESERVED', 'CONFIRMED')`;
  const row = rows[0] ?? { reserved: 0, confirmed: 0 };
  return { reserved: row.reserved, confirmed: row.confirmed, live: row.reserved + row.confirmed };
}

/** PostgreSQL's bigint maximum: the largest sequence a cursor can name. */
const MAX_BIGINT = 9_223_372_036_854_775_807n;

/**
 * A code's reservation cursor names the code (one code can be in several campaigns, each listed
 * with its own pages) and the last sequence listed; null for anything this system did not make, a
 * forged sequence above bigint included.
 */
function decodeReservationCursor(cursor: string): { codeId: string; sequence: bigint } | null {
  const values = decodeCursor(cursor, 2);
  if (!values) return null;
  const [codeId, sequence] = values.map(String);
  if (codeId === undefined || sequence === undefined || !isUuid(codeId) || !/^\d{1,19}$/.test(sequence))
    return null;
  const value = BigInt(sequence);
  return value <= MAX_BIGINT ? { codeId, sequence: value } : null;
}

/** The code whose reservations a cursor from listCodeReservations pages through; null if none. */
export function codeOfReservationCursor(cursor: string): string | null {
  return decodeReservationCursor(cursor)?.codeId ?? null;
}

export async function listCodeReservations(
  db: Db,
  codeId: string,
  query: { limit: number; cursor?: string; status?: ReservationStatus },
): Promise<{ items: ReservationRow[]; nextCursor: string | null } | null> {
  const after = query.cursor === undefined ? null : decodeReservationCursor(query.cursor);
  // Another code's cursor is as unknown here as a forged one.
  if (query.cursor !== undefined && after?.codeId !== codeId) return null;
  const rows = await db.reservation.findMany({
    where: {
      codeId,
      ...(query.status ? { status: query.status } : {}),
      ...(after ? { sequence: { gt: after.sequence } } : {}),
    },
    orderBy: { sequence: "asc" },
    take: query.limit + 1,
  });
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    items: page,
    nextCursor: rows.length > query.limit && last ? encodeCursor([codeId, last.sequence.toString()]) : null,
  };
}

export type { ReservationRow };

export type ReservationView = {
  id: string;
  storeId: string;
  sequence: number;
  status: Exclude<ReservationStatus, "PENDING">;
  errorCode: string | null;
  /** Checked where it is read (ReservationOutcomeSchema), as `lines` and `totals`. */
  errorDetails: unknown;
  code: string;
  campaignId: string | null;
  accountId: string;
  discount: number;
  lines: unknown;
  totals: unknown;
  expiresAt: string | null;
  acceptedAt: string;
  stacksOn: string[];
  orderNumber: string | null;
  orderTotal: number | null;
  partnerId: string | null;
  releasedAt: string | null;
  expiredAt: string | null;
  confirmedAt: string | null;
  cancelledAt: string | null;
};

/**
 * A stored reservation in the shape the worker answers with (ReservationOutcome). Given `now`, a hold
 * whose time ran out reads EXPIRED (at its expiresAt) before the sweeper has marked it, as its slot
 * is free from then.
 */
export function toReservationView(row: ReservationRow, now?: Date): ReservationView {
  if (now && row.status === "RESERVED" && row.expiresAt !== null && row.expiresAt <= now)
    return toReservationView({ ...row, status: "EXPIRED", expiredAt: row.expiresAt });
  return {
    id: row.id,
    storeId: row.storeId,
    sequence: Number(row.sequence),
    status: row.status === "PENDING" ? "REJECTED" : row.status,
    errorCode: row.errorCode,
    errorDetails: row.errorDetails,
    code: row.codeInput,
    campaignId: row.campaignId,
    accountId: row.accountId,
    discount: Number(row.discount),
    lines: row.lines,
    totals: row.totals,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    acceptedAt: row.acceptedAt.toISOString(),
    stacksOn: row.stacksOn ?? [],
    orderNumber: row.orderNumber,
    orderTotal: row.orderTotal === null ? null : Number(row.orderTotal),
    partnerId: row.partnerId,
    releasedAt: row.releasedAt?.toISOString() ?? null,
    expiredAt: row.expiredAt?.toISOString() ?? null,
    confirmedAt: row.confirmedAt?.toISOString() ?? null,
    cancelledAt: row.cancelledAt?.toISOString() ?? null,
  };
}

export async function findReservationsByIds(db: Db, ids: readonly string[]): Promise<ReservationRow[]> {
  if (ids.length === 0) return [];
  return db.reservation.findMany({ where: { id: { in: [...ids] } } });
}

export async function findReservation(db: Db, storeId: string, id: string): Promise<ReservationRow | null> {
  return db.reservation.findFirst({ where: { id, storeId } });
}
