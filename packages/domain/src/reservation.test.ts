import { describe, expect, it } from "vitest";
import {
  canConfirmLate,
  canTransition,
  isLiveHold,
  isLiveStatus,
  LIVE_STATUSES,
  RESERVATION_STATUSES,
  type ReservationStatus,
} from "./reservation.ts";

const now = new Date("2026-11-11T12:00:00Z");
const later = new Date("2026-11-11T12:15:00Z");

describe("live holds (SPEC §2 rule 1)", () => {
  it("are CONFIRMED, or RESERVED until expiresAt", () => {
    expect(LIVE_STATUSES).toEqual(["RESERVED", "CONFIRMED"]);
    expect(isLiveHold({ status: "RESERVED", expiresAt: later }, now)).toBe(true);
    expect(isLiveHold({ status: "RESERVED", expiresAt: now }, now)).toBe(false);
    expect(isLiveHold({ status: "RESERVED", expiresAt: null }, now)).toBe(false);
    expect(isLiveHold({ status: "CONFIRMED", expiresAt: now }, later)).toBe(true);
    for (const status of ["PENDING", "REJECTED", "RELEASED", "EXPIRED", "CANCELLED"] as const) {
      expect(isLiveHold({ status, expiresAt: later }, now)).toBe(false);
      expect(isLiveStatus(status)).toBe(false);
    }
  });
});

describe("lifecycle (SPEC §1)", () => {
  const allowed: readonly (readonly [ReservationStatus, ReservationStatus])[] = [
    ["PENDING", "RESERVED"],
    ["PENDING", "REJECTED"],
    ["RESERVED", "RELEASED"],
    ["RESERVED", "EXPIRED"],
    ["RESERVED", "CONFIRMED"],
    ["CONFIRMED", "CANCELLED"],
  ];

  it("allows exactly the SPEC's transitions", () => {
    for (const from of RESERVATION_STATUSES) {
      for (const to of RESERVATION_STATUSES) {
        const expected = allowed.some(([a, b]) => a === from && b === to);
        expect([from, to, canTransition(from, to)]).toEqual([from, to, expected]);
      }
    }
  });

  it("lets only released or expired holds try a late confirmation", () => {
    expect(RESERVATION_STATUSES.filter(canConfirmLate)).toEqual(["RELEASED", "EXPIRED"]);
  });
});
