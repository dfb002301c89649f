import { createHash } from "node:crypto";
import { EARLIEST_INSTANT, LATEST_INSTANT } from "@promo/contracts";

/** Opaque page cursors: base64url JSON of the last row's sort key. */
export function encodeCursor(values: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(values)).toString("base64url");
}

/** Returns null for anything that is not a cursor this system produced with `arity` values. */
export function decodeCursor(cursor: string, arity: number): (string | number)[] | null {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (!Array.isArray(parsed) || parsed.length !== arity) return null;
    const values = parsed.filter(
      (value): value is string | number => typeof value === "string" || typeof value === "number",
    );
    return values.length === arity ? values : null;
  } catch {
    return null;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a value read from a cursor is a UUID (any version), as row ids are. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/**
 * What a list was asked, as a short fingerprint its cursors carry: its store and its filters (a
 * range, a campaign, a kind). A cursor is taken only by the list that made it: another list's, reused
 * with other filters (another campaign's action listing) or by another store, skipped rows or ended
 * the listing early without a word.
 */
export function listScope(...parts: readonly (string | Date | null | undefined)[]): string {
  const canonical = JSON.stringify(
    parts.map((part) => (part instanceof Date ? part.toISOString() : (part ?? null))),
  );
  return createHash("sha256").update(canonical).digest("base64url").slice(0, 16);
}

/** A cursor for lists ordered by (time, id): the last row's time and id, and the list's scope. */
export function encodeTimeIdCursor(at: Date, id: string, scope: string): string {
  return encodeCursor([at.getTime(), id, scope]);
}

/**
 * The (time, id) of a cursor from encodeTimeIdCursor for this `scope`; null for anything else: another
 * list's, and a well-formed but forged one (a time outside 1970-9999, an id that is not a UUID), so it
 * is refused as a bad cursor rather than reaching the database.
 */
export function decodeTimeIdCursor(cursor: string, scope: string): { at: Date; id: string } | null {
  const values = decodeCursor(cursor, 3);
  if (!values) return null;
  const [ms, id, cursorScope] = values;
  if (cursorScope !== scope || typeof ms !== "number" || typeof id !== "string" || !isUuid(id)) return null;
  return Number.isInteger(ms) && ms >= EARLIEST_INSTANT && ms <= LATEST_INSTANT
    ? { at: new Date(ms), id }
    : null;
}

/**
 * Prisma's `where` for the rows after a (createdAt, id) cursor in newest-first order
 * (`orderBy: [{ createdAt: "desc" }, { id: "desc" }]`); {} for the first page.
 */
export function afterNewestFirstCursor(after: { at: Date; id: string } | null) {
  return after
    ? { OR: [{ createdAt: { lt: after.at } }, { createdAt: after.at, id: { lt: after.id } }] }
    : {};
}

/**
 * A newest-first page out of the `limit + 1` rows read: the first `limit`, and the cursor of the last
 * when the extra row shows that another page follows.
 */
export function newestFirstPage<T extends { createdAt: Date; id: string }>(
  rows: readonly T[],
  limit: number,
  scope: string,
): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items,
    nextCursor: rows.length > limit && last ? encodeTimeIdCursor(last.createdAt, last.id, scope) : null,
  };
}
