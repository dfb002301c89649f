// Leak alerts (docs/api.md "Misuse monitoring"): the reservation worker counts a monitored code's
// decisions in the current window and raises at most one alert per code, kind and window, with its
// promo.alerts outbox row in the same transaction.
import { randomUUID } from "node:crypto";
import { type AlertEvent, AlertEventSchema, type AlertKind, TOPICS } from "@promo/contracts";
import type { Db } from "./client.ts";
import { afterNewestFirstCursor, decodeTimeIdCursor, listScope, newestFirstPage } from "./cursor.ts";
import type { Prisma } from "./generated/prisma/client.ts";
import type { Sql } from "./sql.ts";

export type AlertWindowCheck = {
  codeId: string;
  kind: AlertKind;
  windowStart: Date;
  windowEnd: Date;
};

export type AlertWindowCounts = AlertWindowCheck & {
  /**
   * An alert of this kind already exists for this code and window, its start and its end (counts
   * are then 0, not read): a window of another length from the same start is another window.
   */
  alerted: boolean;
  /** Every decision on the code in the window. */
  attempts: number;
  /** Decisions that granted a hold (whatever became of it since). */
  granted: number;
  /** Refusals NOT_ELIGIBLE_MEMBER_GROUP. */
  outside: number;
  /** Distinct accounts among the decisions, and among the NOT_ELIGIBLE_MEMBER_GROUP refusals. */
  accounts: number;
  outsideAccounts: number;
};

/**
 * One statement for every check of a batch (answers in the order of `checks`): the code's decisions
 * in its window (index reservation(code_id, decided_at)), not counted for windows that already have
 * their alert, so a velocity window costs at most about `limit` rows per check. Decisions another
 * alert of the kind counted (inside its window, decided by the time it was raised: windows laid out
 * before startsAt or windowSeconds changed) are left out, so such a change never raises a second
 * alert on the same decisions, while new ones count in the new windows.
 * Run after the batch's own decisions are written, in the same transaction, with the code rows
 * locked.
 */
export async function countAlertWindows(
  sql: Sql,
  checks: readonly AlertWindowCheck[],
): Promise<AlertWindowCounts[]> {
  if (checks.length === 0) return [];
  const { rows } = await sql.query<{
    index: number;
    alerted: boolean;
    attempts: number;
    granted: number;
    outside: number;
    accounts: number;
    outside_accounts: number;
  }>(
    `SELECT w.index, a.id IS NOT NULL AS alerted, n.attempts, n.granted, n.outside, n.accounts, n.outside_accounts
     FROM jsonb_to_recordset($1::jsonb) AS w(index int, code_id uuid, kind text, window_start timestamptz, window_end timestamptz)
     LEFT JOIN alert a ON a.code_id = w.code_id AND a.kind = w.kind::alert_kind AND a.window_start = w.window_start
       AND a.window_end = w.window_end
     CROSS JOIN LATERAL (
       SELECT count(*)::int AS attempts,
              count(*) FILTER (WHERE r.status <> 'REJECTED')::int AS granted,
              count(*) FILTER (WHERE r.error_code = 'NOT_ELIGIBLE_MEMBER_GROUP')::int AS outside,
              count(DISTINCT r.account_id)::int AS accounts,
              count(DISTINCT r.account_id) FILTER (WHERE r.error_code = 'NOT_ELIGIBLE_MEMBER_GROUP')::int
                AS outside_accounts
       FROM reservation r
       WHERE a.id IS NULL -- a one-time filter: a window that has its alert is not counted again
         AND r.code_id = w.code_id AND r.decided_at >= w.window_start AND r.decided_at < w.window_end
         -- A decision an alert of this kind counted already (inside its window, decided by the time
         -- it was raised; windows laid out before startsAt or windowSeconds changed) is not counted
         -- again. One decided after it was raised is counted, in any other window.
         AND NOT EXISTS (
           SELECT 1 FROM alert p
           WHERE p.code_id = w.code_id AND p.kind = w.kind::alert_kind
             AND p.window_start <= r.decided_at AND p.window_end > r.decided_at
             AND p.created_at >= r.decided_at
         )
     ) AS n
     ORDER BY w.index`,
    [
      JSON.stringify(
        checks.map((check, index) => ({
          index,
          code_id: check.codeId,
          kind: check.kind,
          window_start: check.windowStart.toISOString(),
          window_end: check.windowEnd.toISOString(),
        })),
      ),
    ],
  );
  return rows.flatMap((row) => {
    const check = checks[row.index];
    return check
      ? [
          {
            ...check,
            alerted: row.alerted,
            attempts: row.attempts,
            granted: row.granted,
            outside: row.outside,
            accounts: row.accounts,
            outsideAccounts: row.outside_accounts,
          },
        ]
      : [];
  });
}

export type NewAlert = {
  storeId: string;
  codeId: string;
  campaignId: string;
  /** The code as the merchant entered it, and its upper-cased key (the Kafka key). */
  code: string;
  codeKey: string;
  kind: AlertKind;
  windowStart: Date;
  windowEnd: Date;
  observed: number;
  threshold: number;
  details: Record<string, unknown>;
};

/**
 * Inserts the alerts, each only if its code, kind and window has none yet (ON CONFLICT DO NOTHING),
 * and the alert.raised outbox row of each alert actually inserted, in one statement. Returns the
 * ids of the inserted alerts.
 */
export async function raiseAlerts(sql: Sql, alerts: readonly NewAlert[], now: Date): Promise<string[]> {
  if (alerts.length === 0) return [];
  const rows = alerts.map((alert) => {
    const event: AlertEvent = AlertEventSchema.parse({
      eventId: randomUUID(),
      type: "alert.raised",
      storeId: alert.storeId,
      occurredAt: now.toISOString(),
      alertId: randomUUID(),
      kind: alert.kind,
      code: alert.code,
      codeId: alert.codeId,
      campaignId: alert.campaignId,
      windowStart: alert.windowStart.toISOString(),
      windowEnd: alert.windowEnd.toISOString(),
      observed: alert.observed,
      threshold: alert.threshold,
      details: alert.details,
    });
    return {
      id: event.alertId,
      store_id: alert.storeId,
      code_id: alert.codeId,
      kind: alert.kind,
      window_start: event.windowStart,
      window_end: event.windowEnd,
      observed: alert.observed,
      threshold: alert.threshold,
      details: alert.details,
      created_at: event.occurredAt,
      topic: TOPICS.alerts,
      key: alert.codeKey,
      event_type: event.type,
      payload: event,
    };
  });
  const { rows: inserted } = await sql.query<{ id: string }>(
    `WITH wanted AS (
       SELECT * FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (id uuid, store_id uuid, code_id uuid, kind text,
         window_start timestamptz, window_end timestamptz, observed int, threshold int, details jsonb,
         created_at timestamptz, topic text, key text, event_type text, payload jsonb)) WITH ORDINALITY AS w
     ), inserted AS (
       INSERT INTO alert (id, store_id, code_id, kind, window_start, window_end, observed, threshold, details, created_at)
       SELECT id, store_id, code_id, kind::alert_kind, window_start, window_end, observed, threshold, details, created_at
       FROM wanted ORDER BY ordinality
       ON CONFLICT (code_id, kind, window_start, window_end) DO NOTHING
       RETURNING id
     ), outbox AS (
       INSERT INTO outbox_event (store_id, topic, key, event_type, payload)
       SELECT w.store_id, w.topic, w.key, w.event_type, w.payload
       FROM wanted w JOIN inserted i ON i.id = w.id ORDER BY w.ordinality
     )
     SELECT id::text AS id FROM inserted`,
    [JSON.stringify(rows)],
  );
  return inserted.map((row) => row.id);
}

export type AlertRecord = {
  id: string;
  kind: AlertKind;
  codeId: string;
  code: string;
  campaignId: string;
  windowStart: Date;
  windowEnd: Date;
  observed: number;
  threshold: number;
  details: Record<string, unknown>;
  createdAt: Date;
};

export type AlertQuery = {
  since?: Date;
  /** Matched case-insensitively, like checkout. */
  codeKey?: string;
  kind?: AlertKind;
  limit: number;
  cursor?: string;
};

/** One store's alerts, newest first (cursor pages); null for a cursor this system did not produce. */
export async function listAlerts(
  db: Db,
  storeId: string,
  query: AlertQuery,
): Promise<{ items: AlertRecord[]; nextCursor: string | null } | null> {
  const scope = listScope("alerts", storeId, query.since, query.codeKey, query.kind);
  const after = query.cursor === undefined ? null : decodeTimeIdCursor(query.cursor, scope);
  if (query.cursor !== undefined && after === null) return null;
  const where: Prisma.AlertWhereInput = {
    storeId,
    ...(query.kind ? { kind: query.kind } : {}),
    ...(query.since ? { createdAt: { gte: query.since } } : {}),
    ...(query.codeKey ? { code: { codeKey: query.codeKey } } : {}),
  };
  // AND: `since` may already bound createdAt.
  if (after) where.AND = [afterNewestFirstCursor(after)];
  const rows = await db.alert.findMany({
    where,
    include: { code: { select: { code: true, campaignId: true } } },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: query.limit + 1,
  });
  const page = newestFirstPage(rows, query.limit, scope);
  const items: AlertRecord[] = page.items.map((row) => ({
    id: row.id,
    kind: row.kind,
    codeId: row.codeId,
    code: row.code.code,
    campaignId: row.code.campaignId,
    windowStart: row.windowStart,
    windowEnd: row.windowEnd,
    observed: row.observed,
    threshold: row.threshold,
    details: (row.details ?? {}) as Record<string, unknown>,
    createdAt: row.createdAt,
  }));
  return { items, nextCursor: page.nextCursor };
}
