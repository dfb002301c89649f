import {
  decisionFor,
  httpStatusOf,
  type ReservationBatchResult,
  type ReservationCommand,
  type ReservationDecision,
  type ReservationOutcome,
  ReservationOutcomeSchema,
  SEQUENCE_STRIDE,
} from "@promo/contracts";
import {
  advancePartitionCursor,
  createPartitionCursors,
  type Database,
  expiredHoldOutboxRow,
  findIdempotencyRecords,
  findReservationsByIds,
  type CodeCandidate as LockedCandidate,
  loadDecisionState,
  loadStackedHolds,
  lockCampaigns,
  lockCodeCandidates,
  lockCursorsAndCodes,
  lockPartitionCursor,
  type NewIdempotencyRow,
  type NewOutboxRow,
  type NewReservationRow,
  PartitionFenceError,
  poolSql,
  RESERVE_IDEMPOTENCY_SCOPE,
  readPartitionCursor,
  redemptionOutboxRow,
  type StoredIdempotency,
  stackedReservationKey,
  type TransactionSql,
  toReservationView,
  withPgTransaction,
  writeDecisions,
} from "@promo/db";
import {
  type CodeCandidate,
  decideAttempt,
  type OutsideGroupsAlertSettings,
  type Quote,
} from "@promo/domain";
import type { PartitionLedger, RunnerJob } from "../partition-runner.ts";
import { type CodeDecision, raiseLeakAlerts } from "./leak-alerts.ts";

export type ReservationLedgerOptions = {
  database: Database;
  clock: () => Date;
  holdMs: number;
  /** Leak alerts on member-only codes (velocity settings come with each campaign). */
  outsideGroupsAlert: OutsideGroupsAlertSettings;
  /** Told after each group commit's transaction (metrics). */
  onGroupCommitted?: (commit: GroupCommit) => void;
};

/** One group commit: a transaction deciding the ready runs of several partitions. */
export type GroupCommit = { seconds: number; requests: number; partitions: number };

type Sequenced = { partition: number; jobId: number; sequence: number; command: ReservationCommand };

type CursorMove = { queue: string; partition: number; lastJobId: number };

/** One partition's contiguous run waiting for the next transaction. */
type PendingCommit = {
  queue: string;
  partition: number;
  cursor: number;
  jobs: readonly RunnerJob[];
  resolve: (results: Map<number, ReservationBatchResult>) => void;
  reject: (error: unknown) => void;
};

/** The `stacksOn` of every reservation priced alone (shared: never changed). */
const PRICED_ALONE: string[] = [];

function sequenced(partition: number, jobs: readonly RunnerJob[]): Sequenced[] {
  return jobs.flatMap((job) =>
    (job.batch?.requests ?? []).map((command, index) => ({
      partition,
      jobId: job.jobId,
      sequence: job.jobId * SEQUENCE_STRIDE + index,
      command,
    })),
  );
}

function idempotencyKeyOf(storeId: string, key: string): string {
  return `${storeId}\u0000${key}`;
}

/**
 * The reservation worker's use case: load the state of every code in a batch (code rows locked),
 * decide each request in sequence with the pure domain rules, then write reservations, outbox
 * events, idempotency records and the partition cursors together. Runs of every partition this
 * process owns that are ready while a transaction is in flight share the next one (group commit
 * across partitions: many codes with a few requests each cost one transaction, not one each).
 */
export function createReservationLedger(options: ReservationLedgerOptions) {
  const { database } = options;
  const waiting: PendingCommit[] = [];
  let committing = false;

  /**
   * Reads what the batch decides from, decides in sequence, writes. The code rows and the rows of
   * their once-per-account campaigns (which can span partitions) are already locked.
   */
  async function decide(
    tx: TransactionSql,
    items: readonly Sequenced[],
    candidates: readonly LockedCandidate[],
    cursors: readonly CursorMove[] = [],
  ): Promise<Map<string, ReservationDecision>> {
    const now = options.clock();
    const decisions = new Map<string, ReservationDecision>();
    if (items.length === 0) {
      if (cursors.length > 0)
        tx.commitAfter(writeDecisions(tx, { reservations: [], outbox: [], idempotency: [], cursors }));
      return decisions;
    }
    const candidatesByKey = groupBy(
      candidates,
      (candidate) => `${candidate.code.storeId}:${candidate.code.codeKey}`,
    );
    const candidatesFor = (command: ReservationCommand) =>
      candidatesByKey.get(`${command.storeId}:${command.codeKey}`) ?? [];
    const stackedRefs = uniqueBy(
      items.flatMap(({ command }) =>
        (command.stacksOn ?? []).map((id) => ({ storeId: command.storeId, id })),
      ),
      stackedReservationKey,
    );
    // Sent with the state read, in the same round trip (the pool is pipelined).
    const [stacked, state] = await Promise.all([
      loadStackedHolds(tx, stackedRefs),
      loadDecisionState(tx, {
        codeIds: candidates.map((candidate) => candidate.code.id),
        limitedCodeIds: candidates
          .filter((candidate) => candidate.campaign.usageLimit !== null)
          .map((candidate) => candidate.code.id),
        // Each account with the once-per-account campaigns its own code may grant, nothing crossed.
        onceAccountPairs: uniqueBy(
          items.flatMap(({ command }) =>
            candidatesFor(command)
              .filter((candidate) => candidate.campaign.oncePerAccount)
              .map((candidate) => ({ campaignId: candidate.campaign.id, accountId: command.accountId })),
          ),
          (pair) => `${pair.campaignId}\u0000${pair.accountId}`,
        ),
        idempotencyScope: RESERVE_IDEMPOTENCY_SCOPE,
        idempotencyKeys: uniqueBy(
          items.flatMap(({ command }) =>
            command.idempotencyKey === null
              ? []
              : [{ storeId: command.storeId, key: command.idempotencyKey }],
          ),
          (key) => idempotencyKeyOf(key.storeId, key.key),
        ),
        now,
      }),
    ]);
    const ledger = { liveHolds: state.liveHolds, accountHolds: state.accountHolds };
    const outbox: NewOutboxRow[] = state.expired.map((hold) => expiredHoldOutboxRow(hold, now));
    const idempotency = new Map<string, StoredIdempotency>(
      state.idempotency.map((record) => [idempotencyKeyOf(record.storeId, record.key), record]),
    );

    const reservations: NewReservationRow[] = [];
    const idempotencyRows: NewIdempotencyRow[] = [];
    const lockedById = new Map(candidates.map((candidate) => [candidate.code.id, candidate]));
    const codeDecisions: CodeDecision[] = [];

    for (const { command, sequence, partition } of items) {
      const key =
        command.idempotencyKey === null ? null : idempotencyKeyOf(command.storeId, command.idempotencyKey);
      const previous = key === null ? undefined : idempotency.get(key);
      if (previous) {
        decisions.set(command.id, replayOf(command, previous));
        continue;
      }
      const outcome = decideAttempt(
        ledger,
        candidatesFor(command),
        {
          codeInput: command.code,
          accountId: command.accountId,
          memberGroups: command.memberGroups,
          cart: command.cart,
          acceptedAt: new Date(command.acceptedAt),
          ...(command.stacksOn
            ? {
                stacksOn: command.stacksOn.map((id) => ({
                  id,
                  hold: stacked.get(stackedReservationKey({ storeId: command.storeId, id })) ?? null,
                })),
              }
            : {}),
        },
        now,
        options.holdMs,
      );
      const candidate: CodeCandidate | null = outcome.candidate;
      const locked = candidate ? lockedById.get(candidate.code.id) : undefined;
      if (locked) {
        codeDecisions.push({
          candidate: locked,
          granted: outcome.status === "RESERVED",
          errorCode: outcome.status === "REJECTED" ? outcome.errorCode : null,
        });
      }
      const partnerId =
        outcome.status === "RESERVED"
          ? (candidate?.code.partnerId ?? candidate?.campaign.partnerId ?? null)
          : null;
      const reservation: ReservationOutcome = {
        id: command.id,
        storeId: command.storeId,
        sequence,
        status: outcome.status,
        errorCode: outcome.status === "REJECTED" ? outcome.errorCode : null,
        errorDetails: (outcome.status === "REJECTED" && outcome.details) || null,
        // Codes match in any letter case and are shown as the merchant entered them (SPEC §1).
        code: candidate?.code.code ?? command.code,
        campaignId: candidate?.campaign.id ?? null,
        accountId: command.accountId,
        discount: outcome.quote.totals.discount,
        // A refused reservation has no priced lines: its cart (stored with it) says what was asked.
        lines: outcome.status === "RESERVED" ? outcome.quote.lines.map((line) => ({ ...line })) : [],
        totals: { ...outcome.quote.totals },
        expiresAt: outcome.status === "RESERVED" ? outcome.expiresAt.toISOString() : null,
        acceptedAt: command.acceptedAt,
        stacksOn: command.stacksOn ?? PRICED_ALONE,
        orderNumber: null,
        orderTotal: null,
        partnerId,
      };
      reservations.push(toRow(command, reservation, candidate, outcome.quote, partition, now));
      outbox.push(decisionEvent(command, reservation, now));
      decisions.set(command.id, decisionFor(command.id, reservation, false));
      if (key !== null && command.idempotencyKey !== null) {
        const record: StoredIdempotency = {
          storeId: command.storeId,
          key: command.idempotencyKey,
          requestHash: command.requestHash,
          responseStatus: reservation.errorCode === null ? 200 : httpStatusOf(reservation.errorCode),
          responseBody: reservation,
          reservationId: reservation.id,
        };
        idempotency.set(key, record);
        idempotencyRows.push({
          store_id: record.storeId,
          scope: RESERVE_IDEMPOTENCY_SCOPE,
          key: record.key,
          request_hash: record.requestHash,
          response_status: record.responseStatus,
          response_body: record.responseBody,
          reservation_id: record.reservationId,
        });
      }
    }

    // The COMMIT may go out right behind the write; statements run in the order sent, so the
    // alert windows counted next include this batch.
    tx.commitAfter(writeDecisions(tx, { reservations, outbox, idempotency: idempotencyRows, cursors }));
    await raiseLeakAlerts(tx, codeDecisions, options.outsideGroupsAlert, now);
    return decisions;
  }

  /** Commits the waiting runs of every partition in one transaction, then the next group. */
  async function pump(): Promise<void> {
    if (committing) return;
    committing = true;
    try {
      while (waiting.length > 0) {
        const group = waiting.splice(0, waiting.length);
        try {
          await commitGroup(group);
        } catch (error) {
          // One partition's run may be what fails: commit each alone, so the others go on.
          if (group.length === 1) group[0]?.reject(error);
          else
            for (const pending of group)
              await commitGroup([pending]).catch((alone: unknown) => pending.reject(alone));
        }
      }
    } finally {
      committing = false;
    }
  }

  async function commitGroup(group: readonly PendingCommit[]): Promise<void> {
    const refs = group.map(({ queue, partition }) => ({ queue, partition }));
    const started = performance.now();
    const outcome = await withPgTransaction(database.pool, async (tx) => {
      const keys = storeKeysOf(group.flatMap((pending) => sequenced(pending.partition, pending.jobs)));
      let locked = await lockCursorsAndCodes(tx, refs, keys);
      if (locked.cursors.size < refs.length) {
        await createPartitionCursors(tx, refs);
        locked = await lockCursorsAndCodes(tx, refs, keys);
      }
      const fenced = group.filter((pending) => (locked.cursors.get(pending.queue) ?? 0) !== pending.cursor);
      const live = group.filter((pending) => !fenced.includes(pending));
      const items = live.flatMap((pending) => sequenced(pending.partition, pending.jobs));
      const moves = live.map((pending) => ({
        queue: pending.queue,
        partition: pending.partition,
        lastJobId: pending.jobs.at(-1)?.jobId ?? pending.cursor,
      }));
      const decisions = await decide(tx, items, locked.candidates, moves);
      return { decisions, fenced, live, cursors: locked.cursors, requests: items.length };
    });
    options.onGroupCommitted?.({
      seconds: (performance.now() - started) / 1_000,
      requests: outcome.requests,
      partitions: outcome.live.length,
    });
    for (const pending of outcome.fenced) {
      pending.reject(new PartitionFenceError(pending.cursor, outcome.cursors.get(pending.queue) ?? 0));
    }
    for (const pending of outcome.live) pending.resolve(resultsByJob(pending.jobs, outcome.decisions));
  }

  function resultsByJob(
    jobs: readonly RunnerJob[],
    decisions: Map<string, ReservationDecision>,
  ): Map<number, ReservationBatchResult> {
    const results = new Map<number, ReservationBatchResult>();
    for (const job of jobs) {
      if (!job.batch) {
        results.set(job.jobId, { batchId: "00000000-0000-0000-0000-000000000000", decisions: [] });
        continue;
      }
      const jobDecisions: ReservationDecision[] = [];
      for (const command of job.batch.requests) {
        const decision = decisions.get(command.id);
        if (decision) jobDecisions.push(decision);
      }
      results.set(job.jobId, { batchId: job.batch.batchId, decisions: jobDecisions });
    }
    return results;
  }

  /** The ledger one partition's runner sees. */
  function forPartition(
    partition: number,
    queueName: string,
    jobWillArrive: (jobId: number) => Promise<boolean>,
  ): PartitionLedger {
    return {
      readCursor: () => readPartitionCursor(poolSql(database.pool), queueName, partition),

      commitInOrder(cursor, jobs) {
        return new Promise((resolve, reject) => {
          waiting.push({ queue: queueName, partition, cursor, jobs, resolve, reject });
          void pump();
        });
      },

      async recover(jobs) {
        const items = sequenced(partition, jobs);
        const sql = poolSql(database.pool);
        const rows = await findReservationsByIds(
          database.prisma,
          items.map(({ command }) => command.id),
        );
        const byId = new Map(rows.map((row) => [row.id, row]));
        const keyed = items.filter(({ command }) => !byId.has(command.id) && command.idempotencyKey !== null);
        const stored = await findIdempotencyRecords(
          sql,
          RESERVE_IDEMPOTENCY_SCOPE,
          keyed.map(({ command }) => ({ storeId: command.storeId, key: command.idempotencyKey ?? "" })),
        );
        const byKey = new Map(stored.map((record) => [idempotencyKeyOf(record.storeId, record.key), record]));
        const results = new Map<number, ReservationBatchResult | null>();
        for (const job of jobs) {
          if (!job.batch) {
            results.set(job.jobId, { batchId: "00000000-0000-0000-0000-000000000000", decisions: [] });
            continue;
          }
          const decisions: ReservationDecision[] = [];
          for (const command of job.batch.requests) {
            const row = byId.get(command.id);
            const record =
              command.idempotencyKey === null
                ? undefined
                : byKey.get(idempotencyKeyOf(command.storeId, command.idempotencyKey));
            if (row) {
              const reservation = ReservationOutcomeSchema.parse(toReservationView(row));
              decisions.push(decisionFor(command.id, reservation, false));
            } else if (record) {
              decisions.push(replayOf(command, record));
            } else {
              break;
            }
          }
          results.set(
            job.jobId,
            decisions.length === job.batch.requests.length ? { batchId: job.batch.batchId, decisions } : null,
          );
        }
        return results;
      },

      async commitLate(jobs) {
        const items = sequenced(partition, jobs);
        return withPgTransaction(database.pool, async (tx) => {
          await lockPartitionCursor(tx, queueName, partition);
          const candidates = await lockCodeCandidates(tx, storeKeysOf(items));
          await lockCampaigns(
            tx,
            uniqueBy(
              candidates.filter(({ campaign }) => campaign.oncePerAccount).map(({ campaign }) => campaign.id),
              (id) => id,
            ).sort(),
          );
          const decisions = await decide(tx, items, candidates);
          return resultsByJob(jobs, decisions);
        });
      },

      async skip(cursor, jobId) {
        await withPgTransaction(database.pool, async (tx) => {
          const recorded = await lockPartitionCursor(tx, queueName, partition);
          if (recorded !== cursor) throw new PartitionFenceError(cursor, recorded);
          await advancePartitionCursor(tx, queueName, partition, jobId);
        });
      },

      jobWillArrive,
    };
  }

  return { forPartition };
}

/** The first answer for an Idempotency-Key again, or a refusal when the key came with another request. */
function replayOf(command: ReservationCommand, record: StoredIdempotency): ReservationDecision {
  if (record.requestHash !== command.requestHash) {
    return { kind: "refused", requestId: command.id, errorCode: "IDEMPOTENCY_KEY_REUSED" };
  }
  const reservation = ReservationOutcomeSchema.parse(record.responseBody);
  return decisionFor(command.id, reservation, true);
}

function toRow(
  command: ReservationCommand,
  reservation: ReservationOutcome,
  candidate: CodeCandidate | null,
  quote: Quote,
  partition: number,
  now: Date,
): NewReservationRow {
  return {
    id: reservation.id,
    store_id: command.storeId,
    code_id: candidate?.code.id ?? null,
    campaign_id: candidate?.campaign.id ?? null,
    code_input: reservation.code,
    code_key: command.codeKey,
    account_id: command.accountId,
    member_groups: command.memberGroups,
    partition,
    sequence: reservation.sequence,
    status: reservation.status === "RESERVED" ? "RESERVED" : "REJECTED",
    error_code: reservation.errorCode,
    ...(reservation.errorDetails ? { error_details: reservation.errorDetails } : {}),
    currency: command.cart.currency,
    cart: command.cart,
    discount: quote.totals.discount,
    ...(reservation.stacksOn.length > 0 ? { stacks_on: reservation.stacksOn } : {}),
    lines: reservation.lines,
    totals: reservation.totals,
    partner_id: reservation.partnerId,
    idempotency_key: command.idempotencyKey,
    client_ip: command.clientIp,
    accepted_at: command.acceptedAt,
    decided_at: now.toISOString(),
    expires_at: reservation.expiresAt,
  };
}

function decisionEvent(
  command: ReservationCommand,
  reservation: ReservationOutcome,
  now: Date,
): NewOutboxRow {
  const common = {
    storeId: command.storeId,
    reservationId: reservation.id,
    code: reservation.code,
    campaignId: reservation.campaignId,
    accountId: command.accountId,
    sequence: reservation.sequence,
  };
  if (reservation.status === "RESERVED" && reservation.expiresAt) {
    return redemptionOutboxRow(
      "reservation.reserved",
      command.codeKey,
      {
        ...common,
        discount: reservation.discount,
        expiresAt: reservation.expiresAt,
        partnerId: reservation.partnerId,
      },
      now,
    );
  }
  return redemptionOutboxRow(
    "reservation.rejected",
    command.codeKey,
    {
      ...common,
      errorCode: reservation.errorCode ?? "INTERNAL_ERROR",
      ...(reservation.errorDetails ? { errorDetails: reservation.errorDetails } : {}),
    },
    now,
  );
}

function storeKeysOf(items: readonly Sequenced[]): { storeId: string; codeKey: string }[] {
  return uniqueBy(
    items.map(({ command }) => ({ storeId: command.storeId, codeKey: command.codeKey })),
    (key) => `${key.storeId}:${key.codeKey}`,
  );
}

function uniqueBy<T>(values: readonly T[], keyOf: (value: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const value of values) if (!seen.has(keyOf(value))) seen.set(keyOf(value), value);
  return [...seen.values()];
}

function groupBy<T>(values: readonly T[], keyOf: (value: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const value of values) {
    const key = keyOf(value);
    const group = groups.get(key);
    if (group) group.push(value);
    else groups.set(key, [value]);
  }
  return groups;
}
