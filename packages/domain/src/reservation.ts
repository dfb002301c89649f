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
export const LIVE_STATUSES: readonly ReservationStatus[] = ["RESERVED", "CONFIRMED"];

export function isLiveHold(
  reservation: { status: ReservationStatus; expiresAt: Date | null },
  now: Date,
): boolean {
  if (reservation.status === "CONFIRMED") return true;
  return reservation.status === "RESERVED" && reservation.expiresAt !== null && reservation.expiresAt > now;
}

/**
 * SPEC §1's lifecycle, plus late confirmation: an order placed for a hold that already expired or
 * was released confirms it when the code would still grant it (room left, account allowed).
 */
export const RESERVATION_TRANSITIONS: Readonly<Record<ReservationStatus, readonly ReservationStatus[]>> = {
  PENDING: ["RESERVED", "REJECTED"],
  RESERVED: ["RELEASED", "EXPIRED", "CONFIRMED"],
  REJECTED: [],
  RELEASED: ["CONFIRMED"],
  EXPIRED: ["CONFIRMED"],
  CONFIRMED: ["CANCELLED"],
  CANCELLED: [],
};

export function canTransition(from: ReservationStatus, to: ReservationStatus): boolean {
  return RESERVATION_TRANSITIONS[from].includes(to);
}
