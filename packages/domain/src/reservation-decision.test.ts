import { describe, expect, it } from "vitest";
import type { Cart } from "./discount.ts";
import { type CapLedger, type CodeCandidate, decideAttempt, resolveCode } from "./reservation-decision.ts";
import { campaignFixture } from "./test-fixtures.ts";

const now = new Date("2026-11-11T12:00:00Z");
const cart: Cart = {
  currency: "TWD",
  items: [{ productId: "A", unitPrice: 990, quantity: 1 }],
  shipping: 60,
};

function candidate(
  overrides: Parameters<typeof campaignFixture>[0] = {},
  codeState: "active" | "expired" = "active",
): CodeCandidate {
  const campaign = campaignFixture({ discount: { type: "fixed", amount: 111 }, ...overrides });
  return {
    code: { id: `code-${campaign.id}`, code: "Double11", state: codeState, partnerId: null },
    campaign,
  };
}

function emptyLedger(): CapLedger {
  return { liveHolds: new Map(), accountHolds: new Map() };
}

const attempt = (accountId: string, codeInput = "DOUBLE11", acceptedAt = now) => ({
  codeInput,
  accountId,
  memberGroups: [],
  cart,
  acceptedAt,
});

describe("resolving a typed code", () => {
  it("finds the one live campaign among those sharing the code", () => {
    const past = candidate({
      id: "past",
      endsAt: new Date("2026-01-01T00:00:00Z"),
      startsAt: new Date("2025-01-01T00:00:00Z"),
    });
    const live = candidate({ id: "live" });
    expect(resolveCode([past, live], now)).toEqual({ kind: "found", candidate: live });
  });

  it("answers CODE_CONFLICT when two live campaigns share it, CODE_NOT_FOUND when none has it", () => {
    expect(resolveCode([candidate({ id: "a" }), candidate({ id: "b" })], now)).toMatchObject({
      errorCode: "CODE_CONFLICT",
    });
    expect(resolveCode([], now)).toMatchObject({ errorCode: "CODE_NOT_FOUND" });
    expect(resolveCode([candidate({ state: "archived" })], now)).toMatchObject({
      errorCode: "CODE_NOT_ACTIVE",
    });
  });
});

describe("deciding in order (SPEC §2)", () => {
  it("judges the campaign's window when the gateway accepted the request, not when it is decided", () => {
    const startsAt = new Date("2026-11-11T12:00:00.000Z");
    const endsAt = new Date("2026-11-11T13:00:00.000Z");
    const code = [candidate({ startsAt, endsAt })];
    const decidedLate = new Date(endsAt.getTime() + 5_000);
    const beforeEnd = decideAttempt(
      emptyLedger(),
      code,
      attempt("x", "DOUBLE11", new Date(endsAt.getTime() - 1)),
      decidedLate,
      1_000,
    );
    expect(beforeEnd).toMatchObject({
      status: "RESERVED",
      expiresAt: new Date(decidedLate.getTime() + 1_000),
    });
    expect(
      decideAttempt(emptyLedger(), code, attempt("y", "DOUBLE11", endsAt), decidedLate, 1_000),
    ).toMatchObject({
      status: "REJECTED",
      errorCode: "CODE_NOT_ACTIVE",
    });
    const decidedAfterStart = new Date(startsAt.getTime() + 5_000);
    const beforeStart = attempt("z", "DOUBLE11", new Date(startsAt.getTime() - 2));
    expect(decideAttempt(emptyLedger(), code, beforeStart, decidedAfterStart, 1_000)).toMatchObject({
      status: "REJECTED",
      errorCode: "CODE_NOT_ACTIVE",
    });
    expect(
      decideAttempt(emptyLedger(), code, attempt("w", "DOUBLE11", startsAt), decidedAfterStart, 1_000),
    ).toMatchObject({
      status: "RESERVED",
    });
  });

  it("gives the first N distinct accounts the slots; a winner's retry gets ACCOUNT_LIMIT_REACHED", () => {
    const ledger = emptyLedger();
    const code = [candidate({ usageLimit: 3, oncePerAccount: true })];
    const accounts = ["a", "b", "a", "c", "d", "b", "e"];
    const outcomes = accounts.map((account) => decideAttempt(ledger, code, attempt(account), now, 60_000));
    expect(
      outcomes.map((outcome) => (outcome.status === "RESERVED" ? "RESERVED" : outcome.errorCode)),
    ).toEqual([
      "RESERVED",
      "RESERVED",
      "ACCOUNT_LIMIT_REACHED",
      "RESERVED",
      "USAGE_LIMIT_REACHED",
      "ACCOUNT_LIMIT_REACHED",
      "USAGE_LIMIT_REACHED",
    ]);
  });

  it("counts holds already in the record and sets expiresAt = now + hold time", () => {
    const code = [candidate({ usageLimit: 2 })];
    const ledger: CapLedger = {
      liveHolds: new Map([[`code-${code[0]?.campaign.id}`, 1]]),
      accountHolds: new Map(),
    };
    const first = decideAttempt(ledger, code, attempt("x"), now, 15 * 60_000);
    expect(first).toMatchObject({ status: "RESERVED", expiresAt: new Date("2026-11-11T12:15:00Z") });
    expect(decideAttempt(ledger, code, attempt("y"), now, 15 * 60_000)).toMatchObject({
      errorCode: "USAGE_LIMIT_REACHED",
    });
  });

  it("quotes the discount of a winning attempt and none for a refusal", () => {
    const code = [candidate({ usageLimit: 1 })];
    const ledger = emptyLedger();
    const won = decideAttempt(ledger, code, attempt("x"), now, 1_000);
    const lost = decideAttempt(ledger, code, attempt("y"), now, 1_000);
    expect(won.quote.totals).toEqual({ itemsSubtotal: 990, discount: 111, shipping: 60, total: 939 });
    expect(lost.quote.totals.discount).toBe(0);
  });

  it("refuses malformed codes as CODE_NOT_FOUND and checks eligibility before caps", () => {
    const code = [candidate({ usageLimit: 1, memberGroups: ["vip"] })];
    expect(decideAttempt(emptyLedger(), code, attempt("x", "DOUBLE 11"), now, 1_000)).toMatchObject({
      errorCode: "CODE_NOT_FOUND",
    });
    expect(decideAttempt(emptyLedger(), code, attempt("x"), now, 1_000)).toMatchObject({
      errorCode: "NOT_ELIGIBLE_MEMBER_GROUP",
    });
    expect(decideAttempt(emptyLedger(), [candidate({}, "expired")], attempt("x"), now, 1_000)).toMatchObject({
      errorCode: "CODE_NOT_ACTIVE",
    });
  });
});
