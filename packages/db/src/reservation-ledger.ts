// The reservation worker's statements: everything one decision batch reads and writes inside its
// transaction. Written as SQL because they run once per batch on the hot path; rows travel as one
// jsonb parameter (jsonb_to_recordset), so a batch of any size is one statement per table.

import { toCampaignRecord } from "./campaigns.ts";
import type { Db } from "./client.ts";
import type { CodeCandidate } from "./code-candidates.ts";
import { toCodeRecord } from "./codes.ts";
import type { Campaign as CampaignRow, Code as CodeRow } from "./generated/prisma/client.ts";

export class PartitionFenceError extends Error {
  override readonly name = "PartitionFenceError";
  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`partition cursor moved: expected ${expected}, found ${actual}`);
  }
}

/** Locks the partition's cursor row (creating it at 0) and returns the last decided job id. */
export async function lockPartitionCursor(db: Db, queue: string, partition: number): Promise<number> {
  await db.$executeRaw`
    INSERT INTO queue_partition (queue, partition, last_job_id, updated_at)
    VALUES (${queue}, ${partition}, 0, now()) ON CONFLICT DO NOTHING`;
  const rows = await db.$queryRaw<{ last_job_id: bigint }[]>`
    SELECT last_job_id FROM queue_partition WHERE queue = ${queue} AND partition = ${partition} FOR UPDATE`;
  return Number(rows[0]?.last_job_id ?? 0n);
}

export async function advancePartitionCursor(
  db: Db,
  queue: string,
  partition: number,
  lastJobId: number,
): Promise<void> {
  await db.$executeRaw`
    UPDATE queue_partition SET last_job_id = ${lastJobId}, updated_at = now()
    WHERE queue = ${queue} AND partition = ${partition}`;
}

/** The last decided job id without locking (0 for a partition never used). */
export async function readPartitionCursor(db: Db, queue: string, partition: number): Promise<number> {
  const rows = await db.$queryRaw<{ last_job_id: bigint }[]>`
    SELECT last_job_id FROM queue_partition WHERE queue = ${queue} AND partition = ${partition}`;
  return Number(rows[0]?.last_job_id ?? 0n);
}

type CandidateRow = CodeRow & { campaign: CampaignRow };

/**
 * Every code instance (with its campaign) for the (store, code key) pairs, code rows locked in id
 * order: every writer of a code's reservations locks the code row first, so decisions on one code
 * are serialized and its outbox rows follow commit order.
 */
export async function lockCodeCandidates(
  db: Db,
  keys: readonly { storeId: string; codeKey: string }[],
): Promise<CodeCandidate[]> {
  if (keys.length === 0) return [];
  const locked = await db.$queryRaw<{ id: string }[]>`
    SELECT k.id FROM code k
    JOIN jsonb_to_recordset(${JSON.stringify(keys.map((key) => ({ store_id: key.storeId, code_key: key.codeKey })))}::jsonb)
      AS wanted(store_id uuid, code_key text)
      ON k.store_id = wanted.store_id AND k.code_key = wanted.code_key
    ORDER BY k.id
    FOR NO KEY UPDATE OF k`;
  if (locked.length === 0) return [];
  const rows: CandidateRow[] = await db.code.findMany({
    where: { id: { in: locked.map((row) => row.id) } },
    include: { campaign: true },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
  return rows.map((row) => ({ code: toCodeRecord(row), campaign: toCampaignRecord(row.campaign) }));
}

/** Locks campaign rows in id order (used for once-per-account campaigns that span partitions). */
export async function lockCampaigns(db: Db, campaignIds: readonly string[]): Promise<void> {
  if (campaignIds.length === 0) return;
  await db.$queryRaw`
    SELECT id FROM campaign WHERE id = ANY(${[...campaignIds]}::uuid[]) ORDER BY id FOR NO KEY UPDATE`;
}

/** For each campaign, the accounts (of those given) holding a live reservation at `now`. */
export async function findAccountHolds(
  db: Db,
  campaignIds: readonly string[],
  accountIds: readonly string[],
  now: Date,
): Promise<Map<string, Set<string>>> {
  const holds = new Map<string, Set<string>>();
  if (campaignIds.length === 0 || accountIds.length === 0) return holds;
  const rows = await db.$queryRaw<{ campaign_id: string; account_id: string }[]>`
    SELECT DISTINCT campaign_id, account_id FROM reservation
    WHERE campaign_id = ANY(${[...campaignIds]}::uuid[]) AND account_id = ANY(${[...accountIds]}::text[])
      AND (status = 'CONFIRMED' OR (status = 'RESERVED' AND expires_at > ${now}))`;
  for (const row of rows) {
    const accounts = holds.get(row.campaign_id) ?? new Set<string>();
    accounts.add(row.account_id);
    holds.set(row.campaign_id, accounts);
  }
  return holds;
}

export type StoredIdempotency = {
  storeId: string;
  key: string;
  requestHash: string;
  responseStatus: number;
  responseBody: unknown;
  reservationId: string | null;
};

export async function findIdempotencyRecords(
  db: Db,
  scope: string,
  keys: readonly { storeId: string; key: string }[],
): Promise<StoredIdempotency[]> {
  if (keys.length === 0) return [];
  const rows = await db.$queryRaw<
    {
      store_id: string;
      key: string;
      request_hash: string;
      response_status: number;
      response_body: unknown;
      reservation_id: string | null;
    }[]
  >`
    SELECT r.store_id, r.key, r.request_hash, r.response_status, r.response_body, r.reservation_id
    FROM idempotency_record r
    JOIN jsonb_to_recordset(${JSON.stringify(keys.map((key) => ({ store_id: key.storeId, key: key.key })))}::jsonb)
      AS wanted(store_id uuid, key text)
      ON r.store_id = wanted.store_id AND r.key = wanted.key
    WHERE r.scope = ${scope}`;
  return rows.map((row) => ({
    storeId: row.store_id,
    key: row.key,
    requestHash: row.request_hash,
    responseStatus: row.response_status,
    responseBody: row.response_body,
    reservationId: row.reservation_id,
  }));
}

export type ExpiredHold = {
  id: string;
  storeId: string;
  codeId: string;
  campaignId: string | null;
  codeInput: string;
  codeKey: string;
  accountId: string;
  sequence: number;
};

/** Marks RESERVED holds of the given (locked) codes whose time ran out as EXPIRED. */
export async function expireRunOutHolds(
  db: Db,
  codeIds: readonly string[],
  now: Date,
): Promise<ExpiredHold[]> {
  if (codeIds.length === 0) return [];
  const rows = await db.$queryRaw<
    {
      id: string;
      store_id: string;
      code_id: string;
      campaign_id: string | null;
      code_input: string;
      code_key: string;
      account_id: string;
      sequence: bigint;
    }[]
  >`
    UPDATE reservation SET status = 'EXPIRED', expired_at = ${now}
    WHERE code_id = ANY(${[...codeIds]}::uuid[]) AND status = 'RESERVED' AND expires_at <= ${now}
    RETURNING id, store_id, code_id, campaign_id, code_input, code_key, account_id, sequence`;
  return rows.map((row) => ({
    id: row.id,
    storeId: row.store_id,
    codeId: row.code_id,
    campaignId: row.campaign_id,
    codeInput: row.code_input,
    codeKey: row.code_key,
    accountId: row.account_id,
    sequence: Number(row.sequence),
  }));
}

export type NewReservationRow = {
  id: string;
  store_id: string;
  code_id: string | null;
  campaign_id: string | null;
  code_input: string;
  code_key: string;
  account_id: string;
  member_groups: readonly string[];
  partition: number;
  sequence: number;
  status: "RESERVED" | "REJECTED";
  error_code: string | null;
  currency: string;
  cart: unknown;
  discount: number;
  lines: unknown;
  totals: unknown;
  partner_id: string | null;
  idempotency_key: string | null;
  client_ip: string | null;
  accepted_at: string;
  decided_at: string;
  expires_at: string | null;
};

export async function insertReservations(db: Db, rows: readonly NewReservationRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db.$executeRaw`
    INSERT INTO reservation (id, store_id, code_id, campaign_id, code_input, code_key, account_id, member_groups,
      partition, sequence, status, error_code, currency, cart, discount, lines, totals, partner_id,
      idempotency_key, client_ip, accepted_at, decided_at, expires_at)
    SELECT id, store_id, code_id, campaign_id, code_input, code_key, account_id, member_groups,
      partition, sequence, status::reservation_status, error_code, currency, cart, discount, lines, totals, partner_id,
      idempotency_key, client_ip, accepted_at, decided_at, expires_at
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS r(id uuid, store_id uuid, code_id uuid,
      campaign_id uuid, code_input text, code_key text, account_id text, member_groups text[], partition int,
      sequence bigint, status text, error_code text, currency text, cart jsonb, discount bigint, lines jsonb,
      totals jsonb, partner_id uuid, idempotency_key text, client_ip text, accepted_at timestamptz,
      decided_at timestamptz, expires_at timestamptz)`;
}

export type NewOutboxRow = {
  store_id: string;
  topic: string;
  key: string;
  event_type: string;
  payload: unknown;
};

/** Outbox rows get ids in array order. */
export async function insertOutboxEvents(db: Db, rows: readonly NewOutboxRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db.$executeRaw`
    INSERT INTO outbox_event (store_id, topic, key, event_type, payload)
    SELECT store_id, topic, key, event_type, payload
    FROM ROWS FROM (jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
      AS (store_id uuid, topic text, key text, event_type text, payload jsonb)) WITH ORDINALITY AS r
    ORDER BY r.ordinality`;
}

export type NewIdempotencyRow = {
  store_id: string;
  scope: string;
  key: string;
  request_hash: string;
  response_status: number;
  response_body: unknown;
  reservation_id: string | null;
};

export async function insertIdempotencyRecords(db: Db, rows: readonly NewIdempotencyRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db.$executeRaw`
    INSERT INTO idempotency_record (store_id, scope, key, request_hash, response_status, response_body, reservation_id)
    SELECT store_id, scope, key, request_hash, response_status, response_body, reservation_id
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS r(store_id uuid, scope text, key text,
      request_hash text, response_status int, response_body jsonb, reservation_id uuid)`;
}
