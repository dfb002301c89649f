export const RESERVATION_STATUSES = [
  "PENDING",
  "RESERVED",
  "REJECTED",
  "RELEASED",
  "EXPIRED",
  "CONFIRMED",
  "CANCELLED",
] as const;
export type ReservationStatus = (typeof RESERVATION_STATUSES)[number];

/** The statuses that hold a slot (SPEC §2 rule 1); a RESERVED hold only until it expires. */
export const LIVE_STATUSES = ["RESERVED", "CONFIRMED"] as const satisfies readonly ReservationStatus[];
export type LiveStatus = (typeof LIVE_STATUSES)[number];

/** Does this reservation hold a slot at `now`? CONFIRMED always; RESERVED while expiresAt > now. */
export function isLiveHold(
  reservation: { status: ReservationStatus; expiresAt: Date | null },
  now: Date,
): boolean {
  if (reservation.status === "CONFIRMED") return true;
  return reservation.status === "RESERVED" && reservation.expiresAt !== null && reservation.expiresAt > now;
}

/**
 * SPEC §1's lifecycle: PENDING -> RESERVED | REJECTED; RESERVED -> RELEASED | EXPIRED | CONFIRMED;
 * CONFIRMED -> CANCELLED. Nothing else.
 */
export const RESERVATION_TRANSITIONS: Readonly<Record<ReservationStatus, readonly ReservationStatus[]>> = {
  PENDING: ["RESERVED", "REJECTED"],
  RESERVED: ["RELEASED", "EXPIRED", "CONFIRMED"],
  REJECTED: [],
  RELEASED: [],
  EXPIRED: [],
  CONFIRMED: ["CANCELLED"],
  CANCELLED: [],
};

export function canTransition(from: ReservationStatus, to: ReservationStatus): boolean {
  return RESERVATION_TRANSITIONS[from].includes(to);
}

/**
 * Late confirmation, outside SPEC §1's table: an order placed for a hold that already expired or
 * was released may still confirm it when the code would grant it again now (room under the usage
 * limit, account allowed, campaign live; decided by decideAttempt). These are the statuses it may
 * start from.
 */
export const LATE_CONFIRMABLE_STATUSES = [
  "RELEASED",
  "EXPIRED",
] as const satisfies readonly ReservationStatus[];

export function canConfirmLate(status: ReservationStatus): boolean {
  return (LATE_CONFIRMABLE_STATUSES as readonly ReservationStatus[]).includes(status);
}

export function isLiveStatus(status: ReservationStatus): status is LiveStatus {
  return (LIVE_STATUSES as readonly ReservationStatus[]).includes(status);
}
