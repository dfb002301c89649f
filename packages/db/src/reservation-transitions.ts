// State changes of a decided reservation (SPEC §1): release, confirm, cancel. Each runs inside the
// caller's transaction, locks the code row(s) first like every writer of a code's reservations,
// and writes exactly one outbox row per change.
import { TotalsSchema } from "@promo/contracts";
import {
  checkOrderLink,
  decideAttempt,
  type ErrorCode,
  grantedAsHeld,
  type HeldStackEntry,
  type OrderClashReason,
} from "@promo/domain";
import { combinesWithOf } from "./campaigns.ts";
import type { Db } from "./client.ts";
import type { Reservation as ReservationRow } from "./generated/prisma/client.ts";
import { redemptionOutboxRow } from "./outbox.ts";
import { attributePartners, findDirectPartners } from "./partners.ts";
import {
  countLiveHolds,
  findAccountHolds,
  insertOutboxEvents,
  lockCampaigns,
  lockCodeCandidates,
} from "./reservation-ledger.ts";
import {
  forgetUnconfirmedOrders,
  loadOrderLink,
  lockOrders,
  markSharedOrders,
  orderKey,
} from "./shared-orders.ts";
import { prismaSql, type Sql } from "./sql.ts";

export type TransitionResult =
  | { kind: "changed"; reservation: ReservationRow }
  | { kind: "unchanged"; reservation: ReservationRow }
  | {
      kind: "refused";
      errorCode: ErrorCode;
      reservation: ReservationRow;
      /** The reservation of the order this one may not join (checkOrderLink). */
      conflictsWith?: string;
      /** NOT_COMBINABLE: the campaigns' terms, or two codes priced apart (checkOrderLink). */
      reason?: OrderClashReason;
    };

/** Locks the reservation's code row(s) and reads the reservation; null when not in the store. */
async function lockReservation(db: Db, storeId: string, id: string): Promise<ReservationRow | null> {
  const found = await db.reservation.findFirst({
    where: { id, storeId },
    select: { codeId: true, codeKey: true },
  });
  if (!found) return null;
  if (found.codeId) await lockCodeCandidates(prismaSql(db), [{ storeId, codeKey: found.codeKey }]);
  return db.reservation.findUnique({ where: { id } });
}

function eventBase(row: ReservationRow) {
  return {
    storeId: row.storeId,
    reservationId: row.id,
    code: row.codeInput,
    campaignId: row.campaignId,
    accountId: row.accountId,
    sequence: Number(row.sequence),
  };
}

async function markExpired(db: Db, row: ReservationRow, now: Date): Promise<ReservationRow> {
  const expired = await db.reservation.update({
    where: { id: row.id },
    data: { status: "EXPIRED", expiredAt: now },
  });
  await insertOutboxEvents(prismaSql(db), [
    redemptionOutboxRow("reservation.expired", row.codeKey, eventBase(row), now),
  ]);
  return expired;
}

/**
 * The checkout gives a hold back: RESERVED -> RELEASED and the slot is free again. Releasing an
 * already released or expired hold changes nothing; a confirmed, cancelled or rejected one is
 * refused (RESERVATION_NOT_RESERVED).
 */
export async function releaseReservation(
  db: Db,
  input: { storeId: string; id: string; now: Date },
): Promise<TransitionResult | null> {
  const row = await lockReservation(db, input.storeId, input.id);
  if (!row) return null;
  if (row.status === "RELEASED" || row.status === "EXPIRED") return { kind: "unchanged", reservation: row };
  if (row.status !== "RESERVED")
    return { kind: "refused", errorCode: "RESERVATION_NOT_RESERVED", reservation: row };
  if (row.expiresAt && row.expiresAt <= input.now) {
    return { kind: "changed", reservation: await markExpired(db, row, input.now) };
  }
  const released = await db.reservation.update({
    where: { id: row.id },
    data: { status: "RELEASED", releasedAt: input.now },
  });
  await insertOutboxEvents(prismaSql(db), [
    redemptionOutboxRow("reservation.released", row.codeKey, eventBase(row), input.now),
  ]);
  return { kind: "changed", reservation: released };
}

/** A reservation to confirm onto an order (HTTP confirm, or an order.placed one by one). */
type Confirmation = {
  storeId: string;
  id: string;
  orderNumber: string;
  /** What the order came to; undefined (HTTP confirm without one): assumedOrderTotal. */
  orderTotal: number | undefined;
  now: Date;
  /** When the order says whose it is (order.placed), it must be the reservation's account. */
  accountId?: string;
};

/**
 * An order used the hold: RESERVED -> CONFIRMED with the order number and the order's total (when
 * not given, assumedOrderTotal: the quoted total less the order's other codes' discounts). The same
 * order number again changes nothing, whatever total it comes with (the first confirmation's
 * stands); another one is refused. A hold that already ran out, expired or was
 * released is confirmed only if the code would still grant it now (room under the usage limit,
 * account allowed, campaign live), decided by the same rules as a new reservation; otherwise
 * RESERVATION_EXPIRED. An order is one account's, in one currency, and its redemptions must stack
 * (checkOrderLink): joining an order that carries another account's reservation is
 * ORDER_ACCOUNT_MISMATCH, one in another currency CURRENCY_MISMATCH, one whose confirmed campaign
 * does not combine with this one's NOT_COMBINABLE. The order's `order_link` row
 * is locked first, so two confirmations onto one order are checked one after the other.
 */
export async function confirmReservation(db: Db, input: Confirmation): Promise<TransitionResult | null> {
  const order = { storeId: input.storeId, orderNumber: input.orderNumber };
  await lockOrders(prismaSql(db), [order]);
  const result = await confirmOntoLockedOrder(db, input);
  // One that did not take leaves no order behind (an unknown reservation, a refusal): no
  // `order_link` row for an order number nothing was confirmed onto.
  if (result?.kind !== "changed") await forgetUnconfirmedOrders(prismaSql(db), [order]);
  return result;
}

/** confirmReservation, once the order's `order_link` row is locked. */
async function confirmOntoLockedOrder(db: Db, input: Confirmation): Promise<TransitionResult | null> {
  const row = await lockReservation(db, input.storeId, input.id);
  if (!row) return null;
  if (input.accountId !== undefined && input.accountId !== row.accountId) {
    return { kind: "refused", errorCode: "ORDER_ACCOUNT_MISMATCH", reservation: row };
  }
  if (row.status === "CONFIRMED") {
    return row.orderNumber === input.orderNumber
      ? { kind: "unchanged", reservation: row }
      : { kind: "refused", errorCode: "RESERVATION_NOT_RESERVED", reservation: row };
  }
  if (row.status === "REJECTED" || row.status === "CANCELLED" || row.status === "PENDING") {
    return { kind: "refused", errorCode: "RESERVATION_NOT_RESERVED", reservation: row };
  }
  const live = row.status === "RESERVED" && row.expiresAt !== null && row.expiresAt > input.now;
  let current = row;
  if (!live) {
    if (row.status === "RESERVED") current = await markExpired(db, row, input.now);
    const refusal = await checkRoomAgain(db, current, input.now);
    if (refusal) return { kind: "refused", errorCode: refusal, reservation: current };
  }
  const link = await loadOrderLink(prismaSql(db), {
    storeId: input.storeId,
    orderNumber: input.orderNumber,
    reservationId: row.id,
  });
  const clash = link && checkOrderLink(link.candidate, link.order);
  if (clash) {
    return {
      kind: "refused",
      errorCode: clash.errorCode,
      reservation: current,
      conflictsWith: clash.conflictsWith,
      ...("reason" in clash ? { reason: clash.reason } : {}),
    };
  }
  const direct = await findDirectPartners(prismaSql(db), row);
  const partners = await attributePartners(prismaSql(db), [
    { reservationId: row.id, storeId: row.storeId, codeKey: row.codeKey, ...direct },
  ]);
  const orderTotal = input.orderTotal ?? (await assumedOrderTotal(db, row, input.orderNumber));
  const confirmed = await db.reservation.update({
    where: { id: row.id },
    data: {
      status: "CONFIRMED",
      confirmedAt: input.now,
      orderNumber: input.orderNumber,
      orderTotal: BigInt(orderTotal),
      orderTotalGiven: input.orderTotal !== undefined,
      partnerId: partners.get(row.id) ?? null,
    },
  });
  await markSharedOrders(prismaSql(db), [{ storeId: row.storeId, orderNumber: input.orderNumber }]);
  await insertOutboxEvents(prismaSql(db), [
    redemptionOutboxRow(
      "reservation.confirmed",
      row.codeKey,
      {
        ...eventBase(row),
        orderNumber: input.orderNumber,
        orderTotal,
        discount: Number(confirmed.discount),
        partnerId: confirmed.partnerId,
      },
      input.now,
    ),
  ]);
  return { kind: "changed", reservation: confirmed };
}

/**
 * What an order came to when its order system did not say: the reservation's quoted total less the
 * discounts of the codes already confirmed on the order. Those are its own stack (checkOrderLink),
 * priced on the same cart, so once every code of the order is confirmed, the last one's total
 * is the cart's with every discount of the order; reports count an order no one gave a total for at
 * its lowest (performance-reports.ts). Call with the order locked (lockOrders).
 */
async function assumedOrderTotal(db: Db, row: ReservationRow, orderNumber: string): Promise<number> {
  const [others] = await db.$queryRaw<{ discount: bigint }[]>`
    SELECT coalesce(sum(discount), 0)::bigint AS discount FROM reservation
    WHERE store_id = ${row.storeId}::uuid AND order_number = ${orderNumber} AND status = 'CONFIRMED'
      AND id <> ${row.id}::uuid`;
  return Math.max(0, TotalsSchema.parse(row.totals).total - Number(others?.discount ?? 0n));
}

/** Would the code grant this reservation's attempt again now? null when yes, else why not. */
async function checkRoomAgain(db: Db, row: ReservationRow, now: Date): Promise<ErrorCode | null> {
  const candidates = await lockCodeCandidates(prismaSql(db), [
    { storeId: row.storeId, codeKey: row.codeKey },
  ]);
  const own = candidates.find((candidate) => candidate.code.id === row.codeId);
  if (!own) return "RESERVATION_EXPIRED";
  if (own.campaign.oncePerAccount) await lockCampaigns(prismaSql(db), [own.campaign.id]);
  const [liveHolds, accountHolds] = await Promise.all([
    countLiveHolds(prismaSql(db), [own.code.id], now),
    findAccountHolds(prismaSql(db), [{ campaignId: own.campaign.id, accountId: row.accountId }], now),
  ]);
  const cart = row.cart as {
    currency: string;
    items: { productId: string; unitPrice: number; quantity: number }[];
    shipping: number;
  };
  const outcome = decideAttempt(
    { liveHolds, accountHolds },
    candidates,
    // Granted again now, so judged by the window as it stands now.
    {
      codeInput: row.codeInput,
      accountId: row.accountId,
      memberGroups: row.memberGroups,
      cart,
      acceptedAt: now,
    },
    now,
    0,
  );
  if (outcome.status === "RESERVED" && outcome.candidate.code.id === own.code.id) {
    const application = { code: own.code.code, campaign: own.campaign };
    const stack = await heldStack(db, row);
    return grantedAsHeld(cart, application, stack, lineDiscounts(row.lines)) ? null : "RESERVATION_EXPIRED";
  }
  return outcome.status === "REJECTED" &&
    (outcome.errorCode === "USAGE_LIMIT_REACHED" || outcome.errorCode === "ACCOUNT_LIMIT_REACHED")
    ? outcome.errorCode
    : "RESERVATION_EXPIRED";
}

/** What each hold's lines say it took, per line in cart order: discounts stored as its `lines`. */
function lineDiscounts(lines: unknown): number[] {
  return (lines as { discount: number }[]).map((line) => line.discount);
}

/** The holds a reservation was stacked on: their line discounts as priced, their campaigns as now. */
async function heldStack(db: Db, row: ReservationRow): Promise<HeldStackEntry[]> {
  if (row.stacksOn.length === 0) return [];
  const stackedOn = await db.reservation.findMany({
    where: { storeId: row.storeId, id: { in: row.stacksOn } },
    select: {
      lines: true,
      campaign: { select: { id: true, priority: true, combinesWithAll: true, combinesWith: true } },
    },
  });
  return stackedOn.map((hold) => ({
    lineDiscounts: lineDiscounts(hold.lines),
    campaign: hold.campaign && {
      id: hold.campaign.id,
      priority: hold.campaign.priority,
      combinesWith: combinesWithOf(hold.campaign.combinesWithAll, hold.campaign.combinesWith),
    },
  }));
}

/**
 * The order was cancelled: every CONFIRMED reservation with that order number -> CANCELLED. The
 * order's row is taken as a confirmation takes it, so a confirmation onto the order in flight, its
 * first too, is waited for and cancelled too. Null when the store has no such order (none was ever
 * confirmed under that number), and then no row is left.
 */
export async function cancelOrderReservations(
  db: Db,
  input: { storeId: string; orderNumber: string; now: Date },
): Promise<ReservationRow[] | null> {
  const sql = prismaSql(db);
  const confirmations = await lockOrders(sql, [input]);
  if ((confirmations.get(orderKey(input)) ?? 0) === 0) {
    await forgetUnconfirmedOrders(sql, [input]);
    return null;
  }
  const linked = await db.reservation.findMany({
    where: { storeId: input.storeId, orderNumber: input.orderNumber, status: "CONFIRMED" },
    select: { id: true },
    orderBy: { id: "asc" },
  });
  const cancelled: ReservationRow[] = [];
  for (const { id } of linked) {
    const row = await lockReservation(db, input.storeId, id);
    if (row?.status !== "CONFIRMED") continue;
    const updated = await db.reservation.update({
      where: { id },
      data: { status: "CANCELLED", cancelledAt: input.now },
    });
    await insertOutboxEvents(prismaSql(db), [
      redemptionOutboxRow(
        "reservation.cancelled",
        row.codeKey,
        {
          ...eventBase(row),
          orderNumber: input.orderNumber,
          // As its reservation.confirmed said them (a CONFIRMED row always has its order total).
          orderTotal: Number(row.orderTotal ?? 0n),
          discount: Number(row.discount),
          partnerId: row.partnerId,
        },
        input.now,
      ),
    ]);
    cancelled.push(updated);
  }
  return cancelled;
}

export type HeldConfirmation = {
  reservationId: string;
  storeId: string;
  accountId: string;
  orderNumber: string;
  orderTotal: number;
};

type ConfirmedRow = {
  id: string;
  storeId: string;
  codeKey: string;
  codeInput: string;
  campaignId: string | null;
  accountId: string;
  sequence: string;
  discount: string;
  partnerId: string | null;
  orderNumber: string;
  orderTotal: string;
};

/**
 * The common case of many order.placed at once: every reservation still RESERVED, not run out,
 * held by the order's account, the first of its order, confirmed in three statements (the orders'
 * `order_link` rows locked first, then the code rows, then one UPDATE), with one
 * `reservation.confirmed` outbox row each. Returns the ids it confirmed; the others (a hold that ran
 * out, an order that already carries a reservation, which must be checked against it) need the
 * one-by-one path (confirmReservation).
 *
 * The UPDATE credits the code's or the campaign's partner as they are now; redemptions with
 * neither are matched against their stores' tracking rules (loaded once for the batch, and only
 * then) and, when a rule matches, updated in one more statement. Each confirmation is counted in
 * its order's `order_link` row (markSharedOrders: one more statement; none is shared here).
 */
export async function confirmHeldReservations(
  sql: Sql,
  confirmations: readonly HeldConfirmation[],
  now: Date,
): Promise<Set<string>> {
  if (confirmations.length === 0) return new Set();
  // An order that already has a reservation, or comes twice here, is checked one by one
  // (confirmReservation, checkOrderLink); only its first confirmation of a new order goes here.
  const linkedBefore = await lockOrders(sql, confirmations);
  const firstOfOrder = new Set<string>();
  const alone = confirmations.filter((confirmation) => {
    const key = orderKey(confirmation);
    if ((linkedBefore.get(key) ?? 0) > 0 || firstOfOrder.has(key)) return false;
    firstOfOrder.add(key);
    return true;
  });
  if (alone.length === 0) return new Set();
  const wanted = JSON.stringify(
    alone.map((confirmation) => ({
      reservation_id: confirmation.reservationId,
      store_id: confirmation.storeId,
      account_id: confirmation.accountId,
      order_number: confirmation.orderNumber,
      order_total: confirmation.orderTotal,
    })),
  );
  await sql.query(
    `SELECT k.id FROM code k
     WHERE k.id IN (SELECT r.code_id FROM reservation r
                    JOIN jsonb_to_recordset($1::jsonb) AS w(reservation_id uuid, store_id uuid)
                      ON r.id = w.reservation_id AND r.store_id = w.store_id)
     ORDER BY k.id
     FOR NO KEY UPDATE`,
    [wanted],
  );
  const { rows } = await sql.query<ConfirmedRow>(
    `UPDATE reservation r
     SET status = 'CONFIRMED', order_number = w.order_number, order_total = w.order_total, confirmed_at = $2,
       partner_id = COALESCE((SELECT k.partner_id FROM code k WHERE k.id = r.code_id),
                             (SELECT c.partner_id FROM campaign c WHERE c.id = r.campaign_id))
     FROM jsonb_to_recordset($1::jsonb)
       AS w(reservation_id uuid, store_id uuid, account_id text, order_number text, order_total bigint)
     WHERE r.id = w.reservation_id AND r.store_id = w.store_id AND r.account_id = w.account_id
       AND r.status = 'RESERVED' AND r.expires_at > $2
     RETURNING r.id, r.store_id AS "storeId", r.code_key AS "codeKey", r.code_input AS "codeInput",
       r.campaign_id AS "campaignId", r.account_id AS "accountId", r.sequence::text AS sequence,
       r.discount::text AS discount, r.partner_id AS "partnerId", r.order_number AS "orderNumber",
       r.order_total::text AS "orderTotal"`,
    [wanted, now],
  );
  await creditRuleMatches(sql, rows);
  await markSharedOrders(sql, rows);
  await insertOutboxEvents(
    sql,
    rows.map((row) =>
      redemptionOutboxRow(
        "reservation.confirmed",
        row.codeKey,
        {
          storeId: row.storeId,
          reservationId: row.id,
          code: row.codeInput,
          campaignId: row.campaignId,
          accountId: row.accountId,
          sequence: Number(row.sequence),
          orderNumber: row.orderNumber,
          orderTotal: Number(row.orderTotal),
          discount: Number(row.discount),
          partnerId: row.partnerId,
        },
        now,
      ),
    ),
  );
  return new Set(rows.map((row) => row.id));
}

/** Redemptions without a code or campaign partner: the first matching tracking rule's partner, if any. */
async function creditRuleMatches(sql: Sql, rows: ConfirmedRow[]): Promise<void> {
  const unattributed = rows.filter((row) => row.partnerId === null);
  if (unattributed.length === 0) return;
  const partners = await attributePartners(
    sql,
    unattributed.map((row) => ({
      reservationId: row.id,
      storeId: row.storeId,
      codeKey: row.codeKey,
      codePartnerId: null,
      campaignPartnerId: null,
    })),
  );
  const credited = unattributed.flatMap((row) => {
    const partnerId = partners.get(row.id) ?? null;
    if (partnerId === null) return [];
    row.partnerId = partnerId;
    return [{ id: row.id, partner_id: partnerId }];
  });
  if (credited.length === 0) return;
  await sql.query(
    `UPDATE reservation r SET partner_id = w.partner_id
     FROM jsonb_to_recordset($1::jsonb) AS w(id uuid, partner_id uuid)
     WHERE r.id = w.id`,
    [JSON.stringify(credited)],
  );
}

/**
 * The event an order system gets when its order.placed could not confirm the reservation: the
 * error code, and for a clash with the order (checkOrderLink) the reservation in the way and, for
 * NOT_COMBINABLE, why, as HTTP confirm's details say.
 */
export function confirmationRefusedOutboxRow(
  refusal: Extract<TransitionResult, { kind: "refused" }>,
  orderNumber: string,
  now: Date,
) {
  const { reservation, errorCode, conflictsWith, reason } = refusal;
  return redemptionOutboxRow(
    "reservation.confirmation_refused",
    reservation.codeKey,
    {
      ...eventBase(reservation),
      orderNumber,
      status: reservation.status,
      errorCode,
      ...(conflictsWith === undefined ? {} : { conflictsWith }),
      ...(reason === undefined ? {} : { reason }),
    },
    now,
  );
}
