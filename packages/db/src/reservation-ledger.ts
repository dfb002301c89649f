// The statements a reservation decision reads and writes, on the plain `Sql` surface: the worker
// runs them on a pg transaction (one batch of decisions = a handful of round trips), the gateway
// and the order consumer inside their Prisma transactions. Rows travel as one jsonb parameter
// (jsonb_to_recordset), so a batch of any size is one statement per table.
import type { Cart, StackedHold } from "@promo/domain";
import { CAMPAIGN_COLUMNS, type CampaignRowLike, combinesWithOf, toCampaignRecord } from "./campaigns.ts";
import type { CodeCandidate } from "./code-candidates.ts";
import { CODE_COLUMNS, type CodeRecord, toCodeRecord } from "./codes.ts";
import type { Sql } from "./sql.ts";

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
export async function lockPartitionCursor(sql: Sql, queue: string, partition: number): Promise<number> {
  const select = `SELECT last_job_id::text AS last_job_id FROM queue_partition WHERE queue = $1 AND partition = $2 FOR UPDATE`;
  let rows = (await sql.query<{ last_job_id: string }>(select, [queue, partition])).rows;
  if (rows.length === 0) {
    await sql.query(
      `INSERT INTO queue_partition (queue, partition, last_job_id, updated_at) VALUES ($1, $2, 0, now()) ON CONFLICT DO NOTHING`,
      [queue, partition],
    );
    rows = (await sql.query<{ last_job_id: string }>(select, [queue, partition])).rows;
  }
  return Number(rows[0]?.last_job_id ?? 0);
}

export type PartitionRef = { queue: string; partition: number };

/**
 * The cursor rows of the given partitions, every candidate code row and the once-per-account
 * campaigns among theirs, locked in one statement: cursors in partition order, then codes in id
 * order, then campaigns in id order (the order every other writer uses, so two workers that briefly
 * own the same partitions cannot deadlock). Partitions without a cursor row are absent from
 * `cursors`. What the decisions read (loadDecisionState) is read after, in its own statement.
 */
export async function lockCursorsAndCodes(
  sql: Sql,
  partitions: readonly PartitionRef[],
  keys: readonly { storeId: string; codeKey: string }[],
): Promise<{ cursors: Map<string, number>; candidates: CodeCandidate[] }> {
  const { rows } = await sql.query<{
    cursors: { queue: string; lastJobId: string }[];
    candidates: CandidateRow[];
  }>(
    `WITH cursors AS (
       SELECT q.queue, q.last_job_id::text AS "lastJobId" FROM queue_partition q
       JOIN jsonb_to_recordset($1::jsonb) AS wanted(queue text, partition int)
         ON q.queue = wanted.queue AND q.partition = wanted.partition
       ORDER BY q.partition
       FOR UPDATE OF q
     ), candidates AS (
       SELECT ${CODE_COLUMNS}, row_to_json(camp) AS campaign
       FROM code k
       JOIN jsonb_to_recordset($2::jsonb) AS wanted(store_id uuid, code_key text)
         ON k.store_id = wanted.store_id AND k.code_key = wanted.code_key
       JOIN LATERAL (SELECT ${CAMPAIGN_COLUMNS} FROM campaign c WHERE c.id = k.campaign_id) AS camp ON true
       ORDER BY k.id
       FOR NO KEY UPDATE OF k
     ), campaigns AS (
       SELECT c.id FROM campaign c
       WHERE c.id IN (SELECT (l.campaign->>'id')::uuid FROM candidates l WHERE (l.campaign->>'oncePerAccount')::boolean)
       ORDER BY c.id
       FOR NO KEY UPDATE
     )
     SELECT (SELECT coalesce(json_agg(c), '[]') FROM cursors AS c) AS cursors,
            (SELECT coalesce(json_agg(l), '[]') FROM candidates AS l) AS candidates,
            (SELECT count(*) FROM campaigns) AS campaigns`,
    [
      JSON.stringify(partitions),
      JSON.stringify(keys.map((key) => ({ store_id: key.storeId, code_key: key.codeKey }))),
    ],
  );
  const row = rows[0];
  return {
    cursors: new Map((row?.cursors ?? []).map((cursor) => [cursor.queue, Number(cursor.lastJobId)])),
    candidates: toCandidates(
      (row?.candidates ?? []).map((candidate) => ({ ...candidate, ...reviveCode(candidate) })),
    ),
  };
}

/** Creates missing cursor rows (at 0); a later lock sees them. */
export async function createPartitionCursors(sql: Sql, partitions: readonly PartitionRef[]): Promise<void> {
  await sql.query(
    `INSERT INTO queue_partition (queue, partition, last_job_id, updated_at)
     SELECT queue, partition, 0, now() FROM jsonb_to_recordset($1::jsonb) AS p(queue text, partition int)
     ON CONFLICT DO NOTHING`,
    [JSON.stringify(partitions)],
  );
}

/** The last decided job id without locking (0 for a partition never used). */
export async function readPartitionCursor(sql: Sql, queue: string, partition: number): Promise<number> {
  const { rows } = await sql.query<{ last_job_id: string }>(
    `SELECT last_job_id::text AS last_job_id FROM queue_partition WHERE queue = $1 AND partition = $2`,
    [queue, partition],
  );
  return Number(rows[0]?.last_job_id ?? 0);
}

export async function advancePartitionCursor(
  sql: Sql,
  queue: string,
  partition: number,
  lastJobId: number,
): Promise<void> {
  await sql.query(
    `UPDATE queue_partition SET last_job_id = $3, updated_at = now() WHERE queue = $1 AND partition = $2`,
    [queue, partition, lastJobId],
  );
}

type CandidateRow = CodeRecord & { campaign: CampaignRowLike };

/**
 * Every code instance (with its campaign) for the (store, code key) pairs, code rows locked in id
 * order: every writer of a code's reservations locks the code row first, so decisions on one code
 * are serialized and its outbox rows follow commit order.
 */
export async function lockCodeCandidates(
  sql: Sql,
  keys: readonly { storeId: string; codeKey: string }[],
): Promise<CodeCandidate[]> {
  if (keys.length === 0) return [];
  const { rows } = await sql.query<CandidateRow>(
    `SELECT ${CODE_COLUMNS}, row_to_json(camp) AS campaign
     FROM code k
     JOIN jsonb_to_recordset($1::jsonb) AS wanted(store_id uuid, code_key text)
       ON k.store_id = wanted.store_id AND k.code_key = wanted.code_key
     JOIN LATERAL (SELECT ${CAMPAIGN_COLUMNS} FROM campaign c WHERE c.id = k.campaign_id) AS camp ON true
     ORDER BY k.id
     FOR NO KEY UPDATE OF k`,
    [JSON.stringify(keys.map((key) => ({ store_id: key.storeId, code_key: key.codeKey })))],
  );
  return toCandidates(rows);
}

function toCandidates(rows: readonly CandidateRow[]): CodeCandidate[] {
  return rows
    .map((row) => ({ code: toCodeRecord(row), campaign: toCampaignRecord(reviveCampaign(row.campaign)) }))
    .sort(
      (a, b) =>
        a.code.createdAt.getTime() - b.code.createdAt.getTime() ||
        (a.code.id < b.code.id ? -1 : a.code.id > b.code.id ? 1 : 0),
    );
}

/** json_agg gives a code's dates as strings. */
function reviveCode(raw: CandidateRow): Pick<CandidateRow, "createdAt" | "expiredAt"> {
  return {
    createdAt: new Date(String(raw.createdAt)),
    expiredAt: raw.expiredAt === null ? null : new Date(String(raw.expiredAt)),
  };
}

/** row_to_json gives dates as strings: turn them back into Dates. */
function reviveCampaign(raw: CampaignRowLike): CampaignRowLike {
  const date = (value: unknown) => (value === null || value === undefined ? null : new Date(String(value)));
  return {
    ...raw,
    startsAt: date(raw.startsAt) ?? new Date(0),
    endsAt: date(raw.endsAt) ?? new Date(0),
    createdAt: date(raw.createdAt) ?? new Date(0),
    updatedAt: date(raw.updatedAt) ?? new Date(0),
    archivedAt: date(raw.archivedAt),
  };
}

export type DecisionState = {
  expired: ExpiredHold[];
  liveHolds: Map<string, number>;
  accountHolds: Map<string, Set<string>>;
  idempotency: StoredIdempotency[];
};

/**
 * Everything a batch decides from, read in one statement after the code (and campaign) rows are
 * locked: run-out holds of those codes marked EXPIRED, live holds per limited code, accounts
 * holding a live reservation per once-per-account campaign, and earlier Idempotency-Key answers.
 * The live counts exclude run-out holds by time, so they agree with the expiry in the same
 * statement. "Still live" is written as a CASE, not an OR: an OR lets a generic plan pick the
 * (status, expires_at) index and walk every live hold of the table instead of the codes' own.
 * The accounts' holds are read as in findAccountHolds, one index probe per pair.
 */
export async function loadDecisionState(
  sql: Sql,
  input: {
    codeIds: readonly string[];
    limitedCodeIds: readonly string[];
    /** (campaign, account) pairs to check: each account with the once-per-account campaigns it asks for. */
    onceAccountPairs: readonly AccountCampaign[];
    idempotencyScope: string;
    idempotencyKeys: readonly { storeId: string; key: string }[];
    now: Date;
  },
): Promise<DecisionState> {
  const { rows } = await sql.query<{
    expired: ExpiredRow[];
    live: LiveRow[];
    holds: AccountCampaign[];
    idempotency: StoredIdempotency[];
  }>(
    `WITH expired AS (
       UPDATE reservation SET status = 'EXPIRED', expired_at = expires_at
       WHERE code_id = ANY($1::uuid[]) AND status = 'RESERVED' AND expires_at <= $2
       RETURNING id, store_id AS "storeId", code_id AS "codeId", campaign_id AS "campaignId", code_input AS "codeInput",
         code_key AS "codeKey", account_id AS "accountId", sequence::text AS sequence
     ), live AS (
       SELECT code_id AS "codeId", count(*)::int AS live FROM reservation
       WHERE code_id = ANY($3::uuid[]) AND status IN ('RESERVED', 'CONFIRMED') AND CASE WHEN status = 'CONFIRMED' THEN true ELSE expires_at > $2 END
       GROUP BY code_id
     ), holds AS (${liveAccountHoldsSql("$4", "$5", "$2")}
     ), idempotency AS (
       SELECT r.store_id AS "storeId", r.key, r.request_hash AS "requestHash", r.response_status AS "responseStatus",
              r.response_body AS "responseBody", r.reservation_id AS "reservationId"
       FROM idempotency_record r
       JOIN jsonb_to_recordset($6::jsonb) AS wanted(store_id uuid, key text)
         ON r.store_id = wanted.store_id AND r.key = wanted.key
       WHERE r.scope = $7
     )
     SELECT (SELECT coalesce(json_agg(e), '[]') FROM expired AS e) AS expired,
            (SELECT coalesce(json_agg(l), '[]') FROM live AS l) AS live,
            (SELECT coalesce(json_agg(h), '[]') FROM holds AS h) AS holds,
            (SELECT coalesce(json_agg(i), '[]') FROM idempotency AS i) AS idempotency`,
    [
      [...input.codeIds],
      input.now,
      [...input.limitedCodeIds],
      input.onceAccountPairs.map((pair) => pair.campaignId),
      input.onceAccountPairs.map((pair) => pair.accountId),
      JSON.stringify(input.idempotencyKeys.map((key) => ({ store_id: key.storeId, key: key.key }))),
      input.idempotencyScope,
    ],
    // A generic plan made while the table was small can read every live hold of every code
    // (status index) instead of the batch's codes': planned with the real values every time.
    { planEachTime: true },
  );
  const row = rows[0] ?? { expired: [], live: [], holds: [], idempotency: [] };
  const accountHolds = holdsByCampaign(row.holds);
  return {
    expired: row.expired.map((hold) => ({ ...hold, sequence: Number(hold.sequence) })),
    liveHolds: new Map(row.live.map((entry) => [entry.codeId, entry.live])),
    accountHolds,
    idempotency: row.idempotency,
  };
}

type ExpiredRow = Omit<ExpiredHold, "sequence"> & { sequence: string };
type LiveRow = { codeId: string; live: number };
export type AccountCampaign = { campaignId: string; accountId: string };

/**
 * The pairs (zipped from two array parameters) whose account holds a live reservation of the
 * campaign at `now`: one (campaign_id, account_id) probe per pair into the partial index of live
 * statuses (the status condition is its predicate), expiry checked on the few rows found. With
 * statistics from before a flash sale, a single scan over the campaigns read every attempt already
 * stored for them, so each read of a long sale got slower than the one before; a probe per pair
 * costs the same at any size.
 */
function liveAccountHoldsSql(campaignIds: string, accountIds: string, now: string, except?: string): string {
  return `
       SELECT p.campaign_id AS "campaignId", p.account_id AS "accountId"
       FROM unnest(${campaignIds}::uuid[], ${accountIds}::text[]) AS p(campaign_id, account_id)
       CROSS JOIN LATERAL (
         SELECT FROM reservation r WHERE r.campaign_id = p.campaign_id AND r.account_id = p.account_id
           AND r.status IN ('RESERVED', 'CONFIRMED')
           AND CASE r.status WHEN 'CONFIRMED' THEN true ELSE r.expires_at > ${now} END${
             except
               ? `
           AND r.id <> ALL(${except}::uuid[])`
               : ""
           }
         LIMIT 1) AS held`;
}

function holdsByCampaign(rows: readonly AccountCampaign[]): Map<string, Set<string>> {
  const holds = new Map<string, Set<string>>();
  for (const row of rows) {
    const accounts = holds.get(row.campaignId) ?? new Set<string>();
    accounts.add(row.accountId);
    holds.set(row.campaignId, accounts);
  }
  return holds;
}

/** Locks campaign rows in id order (once-per-account campaigns span partitions). */
export async function lockCampaigns(sql: Sql, campaignIds: readonly string[]): Promise<void> {
  if (campaignIds.length === 0) return;
  await sql.query(`SELECT id FROM campaign WHERE id = ANY($1::uuid[]) ORDER BY id FOR NO KEY UPDATE`, [
    [...campaignIds],
  ]);
}

/**
 * Live holds per code at `now` (CONFIRMED, or RESERVED not yet run out), leaving out the holds
 * named in `except` (a checkout's own, when it re-quotes what it holds).
 */
export async function countLiveHolds(
  sql: Sql,
  codeIds: readonly string[],
  now: Date,
  except: readonly string[] = [],
): Promise<Map<string, number>> {
  if (codeIds.length === 0) return new Map();
  const { rows } = await sql.query<{ code_id: string; live: number }>(
    `SELECT code_id, count(*)::int AS live FROM reservation
     WHERE code_id = ANY($1::uuid[]) AND status IN ('RESERVED', 'CONFIRMED')
       AND CASE WHEN status = 'CONFIRMED' THEN true ELSE expires_at > $2 END
       AND id <> ALL($3::uuid[])
     GROUP BY code_id`,
    [[...codeIds], now, [...except]],
  );
  return new Map(rows.map((row) => [row.code_id, row.live]));
}

/**
 * For each campaign, the accounts (of the pairs given) holding a live reservation at `now`, other
 * than the holds named in `except`.
 */
export async function findAccountHolds(
  sql: Sql,
  pairs: readonly AccountCampaign[],
  now: Date,
  except: readonly string[] = [],
): Promise<Map<string, Set<string>>> {
  if (pairs.length === 0) return new Map();
  const { rows } = await sql.query<AccountCampaign>(liveAccountHoldsSql("$1", "$2", "$3", "$4"), [
    pairs.map((pair) => pair.campaignId),
    pairs.map((pair) => pair.accountId),
    now,
    [...except],
  ]);
  return holdsByCampaign(rows);
}

/**
 * Of the reservation ids given, those that are live RESERVED holds (not run out at `now`) of this
 * account in this store: the holds a checkout may name as its own when it re-quotes. Ids of other
 * stores or accounts, of holds no longer live, and of no reservation are not returned.
 */
export async function findOwnLiveHolds(
  sql: Sql,
  owner: { storeId: string; accountId: string },
  reservationIds: readonly string[],
  now: Date,
): Promise<string[]> {
  if (reservationIds.length === 0) return [];
  const { rows } = await sql.query<{ id: string }>(
    `SELECT id FROM reservation
     WHERE id = ANY($1::uuid[]) AND store_id = $2 AND account_id = $3 AND status = 'RESERVED' AND expires_at > $4`,
    [[...reservationIds], owner.storeId, owner.accountId, now],
  );
  return rows.map((row) => row.id);
}

/** The Idempotency-Key scope of reservation requests (release and confirm have their own). */
export const RESERVE_IDEMPOTENCY_SCOPE = "reserve";

export type StoredIdempotency = {
  storeId: string;
  key: string;
  requestHash: string;
  responseStatus: number;
  responseBody: unknown;
  reservationId: string | null;
};

export async function findIdempotencyRecords(
  sql: Sql,
  scope: string,
  keys: readonly { storeId: string; key: string }[],
): Promise<StoredIdempotency[]> {
  if (keys.length === 0) return [];
  const { rows } = await sql.query<StoredIdempotency>(
    `SELECT r.store_id AS "storeId", r.key, r.request_hash AS "requestHash", r.response_status AS "responseStatus",
            r.response_body AS "responseBody", r.reservation_id AS "reservationId"
     FROM idempotency_record r
     JOIN jsonb_to_recordset($1::jsonb) AS wanted(store_id uuid, key text)
       ON r.store_id = wanted.store_id AND r.key = wanted.key
     WHERE r.scope = $2`,
    [JSON.stringify(keys.map((key) => ({ store_id: key.storeId, key: key.key }))), scope],
  );
  return rows;
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
  sql: Sql,
  codeIds: readonly string[],
  now: Date,
): Promise<ExpiredHold[]> {
  if (codeIds.length === 0) return [];
  const { rows } = await sql.query<Omit<ExpiredHold, "sequence"> & { sequence: string }>(
    `UPDATE reservation SET status = 'EXPIRED', expired_at = expires_at
     WHERE code_id = ANY($1::uuid[]) AND status = 'RESERVED' AND expires_at <= $2
     RETURNING id, store_id AS "storeId", code_id AS "codeId", campaign_id AS "campaignId", code_input AS "codeInput",
       code_key AS "codeKey", account_id AS "accountId", sequence::text AS sequence`,
    [[...codeIds], now],
  );
  return rows.map((row) => ({ ...row, sequence: Number(row.sequence) }));
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
  /** Absent (NULL) unless a refused stack. */
  error_details?: unknown;
  currency: string;
  cart: unknown;
  discount: number;
  /** Absent (stored NULL, read as empty) for a code priced alone. */
  stacks_on?: readonly string[];
  lines: unknown;
  totals: unknown;
  partner_id: string | null;
  idempotency_key: string | null;
  client_ip: string | null;
  accepted_at: string;
  decided_at: string;
  expires_at: string | null;
};

export type NewOutboxRow = {
  store_id: string;
  topic: string;
  key: string;
  event_type: string;
  payload: unknown;
};

export type NewIdempotencyRow = {
  store_id: string;
  scope: string;
  key: string;
  request_hash: string;
  response_status: number;
  response_body: unknown;
  reservation_id: string | null;
};

const INSERT_RESERVATIONS = `INSERT INTO reservation (id, store_id, code_id, campaign_id, code_input, code_key,
    account_id, member_groups, partition, sequence, status, error_code, error_details, currency, cart, discount,
    stacks_on, lines, totals, partner_id, idempotency_key, client_ip, accepted_at, decided_at, expires_at)
  SELECT id, store_id, code_id, campaign_id, code_input, code_key, account_id, member_groups, partition, sequence,
    status::reservation_status, error_code, error_details, currency, cart, discount, stacks_on, lines, totals,
    partner_id, idempotency_key, client_ip, accepted_at, decided_at, expires_at
  FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, store_id uuid, code_id uuid, campaign_id uuid, code_input text,
    code_key text, account_id text, member_groups text[], partition int, sequence bigint, status text, error_code text,
    error_details jsonb, currency text, cart jsonb, discount bigint, stacks_on uuid[], lines jsonb, totals jsonb,
    partner_id uuid, idempotency_key text, client_ip text, accepted_at timestamptz, decided_at timestamptz,
    expires_at timestamptz)`;

/** Outbox rows get ids in array order. */
const INSERT_OUTBOX = `INSERT INTO outbox_event (store_id, topic, key, event_type, payload)
  SELECT store_id, topic, key, event_type, payload
  FROM ROWS FROM (jsonb_to_recordset($2::jsonb)
    AS (store_id uuid, topic text, key text, event_type text, payload jsonb)) WITH ORDINALITY AS o
  ORDER BY o.ordinality`;

const INSERT_IDEMPOTENCY = `INSERT INTO idempotency_record (store_id, scope, key, request_hash, response_status,
    response_body, reservation_id)
  SELECT store_id, scope, key, request_hash, response_status, response_body, reservation_id
  FROM jsonb_to_recordset($3::jsonb) AS i(store_id uuid, scope text, key text, request_hash text, response_status int,
    response_body jsonb, reservation_id uuid)`;

/**
 * Writes one batch of decisions in a single statement: reservations, outbox events, idempotency
 * records and (when given) the partition cursor.
 */
export async function writeDecisions(
  sql: Sql,
  batch: {
    reservations: readonly NewReservationRow[];
    outbox: readonly NewOutboxRow[];
    idempotency: readonly NewIdempotencyRow[];
    /** Partition cursors to move (the batch's last job id per partition queue). */
    cursors?: readonly { queue: string; partition: number; lastJobId: number }[];
  },
): Promise<void> {
  await sql.query(
    `WITH reservations AS (${INSERT_RESERVATIONS}),
          outbox AS (${INSERT_OUTBOX}),
          idempotency AS (${INSERT_IDEMPOTENCY}),
          cursors AS (UPDATE queue_partition q SET last_job_id = c.last_job_id, updated_at = now()
                      FROM jsonb_to_recordset($4::jsonb) AS c(queue text, partition int, last_job_id bigint)
                      WHERE q.queue = c.queue AND q.partition = c.partition)
     SELECT 1`,
    [
      JSON.stringify(batch.reservations),
      JSON.stringify(batch.outbox),
      JSON.stringify(batch.idempotency),
      JSON.stringify(
        (batch.cursors ?? []).map((cursor) => ({
          queue: cursor.queue,
          partition: cursor.partition,
          last_job_id: cursor.lastJobId,
        })),
      ),
    ],
  );
}

export async function insertOutboxEvents(sql: Sql, rows: readonly NewOutboxRow[]): Promise<void> {
  if (rows.length > 0) await writeDecisions(sql, { reservations: [], outbox: rows, idempotency: [] });
}

/** A reservation named in a request's `stacksOn`. */
export type StackedReservationRef = { storeId: string; id: string };

export function stackedReservationKey(ref: StackedReservationRef): string {
  return `${ref.storeId}:${ref.id}`;
}

/**
 * The holds that requests stack on, as they stand now (not locked: each belongs to its own code's
 * partition, and a hold released meanwhile only means its discount was counted once more), keyed by
 * stackedReservationKey. A reservation of another store is not found.
 */
export async function loadStackedHolds(
  sql: Sql,
  refs: readonly StackedReservationRef[],
): Promise<Map<string, StackedHold>> {
  if (refs.length === 0) return new Map();
  const { rows } = await sql.query<{
    id: string;
    storeId: string;
    accountId: string;
    status: string;
    expiresAt: Date | null;
    stacksOn: string[] | null;
    cart: Cart;
    lines: { discount: number }[];
    campaignId: string | null;
    priority: number | null;
    combinesWithAll: boolean | null;
    combinesWith: string[] | null;
  }>(
    `SELECT r.id::text, r.store_id::text AS "storeId", r.account_id AS "accountId", r.status::text,
       r.expires_at AS "expiresAt", r.stacks_on::text[] AS "stacksOn", r.cart, r.lines, c.id::text AS "campaignId", c.priority,
       c.combines_with_all AS "combinesWithAll", c.combines_with::text[] AS "combinesWith"
     FROM jsonb_to_recordset($1::jsonb) AS w(id uuid, store_id uuid)
     JOIN reservation r ON r.id = w.id AND r.store_id = w.store_id
     LEFT JOIN campaign c ON c.id = r.campaign_id`,
    [JSON.stringify(refs.map((ref) => ({ id: ref.id, store_id: ref.storeId })))],
  );
  return new Map(
    rows.map((row) => [
      stackedReservationKey(row),
      {
        id: row.id,
        accountId: row.accountId,
        status: row.status,
        expiresAt: row.expiresAt,
        stacksOn: row.stacksOn ?? [],
        cart: row.cart,
        lineDiscounts: row.lines.map((line) => line.discount),
        campaign:
          row.campaignId === null
            ? null
            : {
                id: row.campaignId,
                priority: row.priority ?? 0,
                combinesWith: combinesWithOf(row.combinesWithAll, row.combinesWith),
              },
      },
    ]),
  );
}
