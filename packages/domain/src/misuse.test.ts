import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  alertWindowOf,
  exceedsVelocity,
  isFailedCodeAttempt,
  mostlyOutsideGroups,
  outsideGroupsPercent,
  retryAfterSeconds,
} from "./misuse.ts";

describe("isFailedCodeAttempt", () => {
  it("counts the answers a guesser probes with, not the ones honest shoppers of a live code get", () => {
    for (const code of ["CODE_NOT_FOUND", "CODE_NOT_ACTIVE", "CODE_CONFLICT", "NOT_ELIGIBLE_MEMBER_GROUP"]) {
      expect(isFailedCodeAttempt(code)).toBe(true);
    }
    for (const code of [
      "USAGE_LIMIT_REACHED",
      "ACCOUNT_LIMIT_REACHED",
      "NO_ELIGIBLE_ITEMS",
      "CURRENCY_MISMATCH",
      "NOT_COMBINABLE",
      "IDEMPOTENCY_KEY_REUSED",
    ]) {
      expect(isFailedCodeAttempt(code)).toBe(false);
    }
  });
});

describe("retryAfterSeconds", () => {
  it("rounds up to whole seconds, at least 1", () => {
    expect(retryAfterSeconds(0)).toBe(1);
    expect(retryAfterSeconds(1)).toBe(1);
    expect(retryAfterSeconds(1000)).toBe(1);
    expect(retryAfterSeconds(1001)).toBe(2);
    expect(retryAfterSeconds(59_500)).toBe(60);
  });
});

describe("alertWindowOf", () => {
  const anchor = new Date("2026-11-11T00:00:00.000Z");

  it("lays fixed windows end to end from the anchor", () => {
    expect(alertWindowOf(anchor, new Date("2026-11-11T00:00:00.000Z"), 60)).toEqual({
      start: new Date("2026-11-11T00:00:00.000Z"),
      end: new Date("2026-11-11T00:01:00.000Z"),
    });
    expect(alertWindowOf(anchor, new Date("2026-11-11T00:01:59.999Z"), 60)).toEqual({
      start: new Date("2026-11-11T00:01:00.000Z"),
      end: new Date("2026-11-11T00:02:00.000Z"),
    });
    expect(alertWindowOf(anchor, new Date("2026-11-11T00:02:00.000Z"), 60).start).toEqual(
      new Date("2026-11-11T00:02:00.000Z"),
    );
  });

  it("keeps the same grid before the anchor (a campaign whose start moved later)", () => {
    expect(alertWindowOf(anchor, new Date("2026-11-10T23:59:30.000Z"), 60)).toEqual({
      start: new Date("2026-11-10T23:59:00.000Z"),
      end: new Date("2026-11-11T00:00:00.000Z"),
    });
  });
});

describe("exceedsVelocity", () => {
  it("alerts strictly above the limit", () => {
    expect(exceedsVelocity(5, { limit: 5, windowSeconds: 60 })).toBe(false);
    expect(exceedsVelocity(6, { limit: 5, windowSeconds: 60 })).toBe(true);
  });
});

describe("mostlyOutsideGroups", () => {
  const settings = { windowSeconds: 3600, minAccounts: 10, outsidePercent: 50 };

  it("needs a minimum of accounts", () => {
    expect(mostlyOutsideGroups({ accounts: 9, outsideAccounts: 9 }, settings)).toBe(false);
    expect(mostlyOutsideGroups({ accounts: 10, outsideAccounts: 10 }, settings)).toBe(true);
  });

  it("needs strictly more than the share from outside", () => {
    expect(mostlyOutsideGroups({ accounts: 10, outsideAccounts: 5 }, settings)).toBe(false);
    expect(mostlyOutsideGroups({ accounts: 10, outsideAccounts: 6 }, settings)).toBe(true);
  });
});

describe("outsideGroupsPercent", () => {
  it("rounds up, so an alert's observed share is above its threshold whenever the rule raised it", () => {
    expect(outsideGroupsPercent({ accounts: 201, outsideAccounts: 101 })).toBe(51);
    expect(outsideGroupsPercent({ accounts: 6, outsideAccounts: 4 })).toBe(67);
    expect(outsideGroupsPercent({ accounts: 10, outsideAccounts: 5 })).toBe(50);
    expect(outsideGroupsPercent({ accounts: 0, outsideAccounts: 0 })).toBe(0);
  });

  it("reads observed > threshold exactly when the rule alerts, for any counts and threshold", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 99 }),
        (accounts, share, outsidePercent) => {
          const counts = { accounts, outsideAccounts: Math.floor(accounts * share) };
          const alerts = mostlyOutsideGroups(counts, { windowSeconds: 3600, minAccounts: 1, outsidePercent });
          expect(outsideGroupsPercent(counts) > outsidePercent).toBe(alerts);
        },
      ),
    );
  });
});
