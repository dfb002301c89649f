import type { Sql } from "./sql.ts";

/** Most history rows one cleanup removes (one statement, one short transaction). */
export const HISTORY_CLEANUP_CHUNK = 10_000;
const HISTORY_CLEANUP_EVERY_MS = 60_000;

/**
 * When the next cleanup of a history table is due, after one that removed `deleted` rows at `now`:
 * in a minute, or at once (the next round) when it removed a full chunk, since more history is then
 * waiting. One chunk a minute would let a table grow without end beyond about 167 rows per second.
 */
export function nextCleanupDue(now: number, deleted: number, chunk = HISTORY_CLEANUP_CHUNK): number {
  return deleted >= chunk ? now : now + HISTORY_CLEANUP_EVERY_MS;
}

/**
 * Append-only tables whose rows matter only for a while, and the (indexed) column a row's age is
 * measured by.
 */
const HISTORY_TABLES = {
  /** Idempotency-Key answers (SPEC §2.7): a repeat after the retention is a new request. */
  idempotencyRecords: { table: "idempotency_record", time: "created_at" },
  /** Kafka event ids already applied: keep them at least as long as the topic keeps its messages. */
  processedEvents: { table: "processed_event", time: "processed_at" },
} as const;

export type HistoryTable = keyof typeof HISTORY_TABLES;

/**
 * Removes up to `limit` rows of a history table written before `before`, the oldest first: found
 * through the table's time index and deleted by row address (a TID scan), so the cost follows the
 * rows removed, not the table's size. Returns how many it removed.
 */
export async function deleteHistoryBefore(
  sql: Sql,
  history: HistoryTable,
  before: Date,
  limit = HISTORY_CLEANUP_CHUNK,
): Promise<number> {
  const { table, time } = HISTORY_TABLES[history];
  const { rows } = await sql.query<{ deleted: number }>(
    `WITH gone AS (
       DELETE FROM ${table}
       WHERE ctid = ANY(ARRAY(SELECT ctid FROM ${table} WHERE ${time} < $1 ORDER BY ${time} LIMIT $2))
       RETURNING 1
     )
     SELECT count(*)::int AS deleted FROM gone`,
    [before, limit],
  );
  return rows[0]?.deleted ?? 0;
}

/**
 * The periodic cleanup of one history table for a service's housekeeping loop: `runIfDue` removes
 * one chunk of rows older than the retention when a cleanup is due (nextCleanupDue) and does
 * nothing otherwise, so it may be called as often as the loop turns. A retention of 0 keeps every
 * row for good.
 */
export function createHistoryCleanup(options: {
  history: HistoryTable;
  retentionMs: number;
  clock: () => Date;
  chunk?: number;
}) {
  const chunk = options.chunk ?? HISTORY_CLEANUP_CHUNK;
  let due = 0;
  return {
    /** The rows removed by this call (0 when none was due). */
    async runIfDue(sql: Sql): Promise<number> {
      if (options.retentionMs === 0 || Date.now() < due) return 0;
      const before = new Date(options.clock().getTime() - options.retentionMs);
      const deleted = await deleteHistoryBefore(sql, options.history, before, chunk);
      due = nextCleanupDue(Date.now(), deleted, chunk);
      return deleted;
    },
  };
}
