import {
  type Database,
  expiredHoldOutboxRow,
  expireRunOutHolds,
  insertOutboxEvents,
  withPgTransaction,
} from "@promo/db";

const CODES_PER_SWEEP = 200;

/**
 * Marks RESERVED holds whose time ran out as EXPIRED, with one `reservation.expired` event each.
 * Their slots are already free (caps count only unexpired holds); this makes the change visible.
 * Code rows are locked in id order first, like every other writer of a code's reservations.
 */
export async function sweepExpiredHolds(database: Database, now: Date): Promise<number> {
  return withPgTransaction(database.pool, async (tx) => {
    const { rows: due } = await tx.query<{ code_id: string }>(
      `SELECT DISTINCT code_id FROM reservation
       WHERE status = 'RESERVED' AND expires_at <= $1 AND code_id IS NOT NULL
       LIMIT ${CODES_PER_SWEEP}`,
      [now],
    );
    if (due.length === 0) return 0;
    const codeIds = due.map((row) => row.code_id).sort();
    await tx.query(`SELECT id FROM code WHERE id = ANY($1::uuid[]) ORDER BY id FOR NO KEY UPDATE`, [codeIds]);
    const expired = await expireRunOutHolds(tx, codeIds, now);
    await insertOutboxEvents(
      tx,
      expired.map((hold) => expiredHoldOutboxRow(hold, now)),
    );
    return expired.length;
  });
}
