import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CampaignTerms } from "./campaign.ts";
import { type Cart, quoteCart } from "./discount.ts";
import {
  type AttemptOutcome,
  type CapLedger,
  type CodeCandidate,
  decideAttempt,
  grantedAsHeld,
  type HeldStackEntry,
  resolveCode,
  type StackedHold,
  type StackRefusalReason,
} from "./reservation-decision.ts";
import { campaignFixture, SPEC_WORKED_CART } from "./test-fixtures.ts";

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

  it("refuses a code that would give nothing on the cart (NO_ELIGIBLE_ITEMS) without taking a slot", () => {
    const ledger = emptyLedger();
    const code = [candidate({ usageLimit: 1 })];
    const free: Cart = { ...cart, items: [{ productId: "A", unitPrice: 0, quantity: 1 }] };
    expect(decideAttempt(ledger, code, { ...attempt("x"), cart: free }, now, 1_000)).toMatchObject({
      status: "REJECTED",
      errorCode: "NO_ELIGIBLE_ITEMS",
    });
    expect(ledger).toEqual(emptyLedger());
    expect(decideAttempt(ledger, code, attempt("y"), now, 1_000)).toMatchObject({ status: "RESERVED" });
    // Told so once the code is full too, not USAGE_LIMIT_REACHED ("contact the shop").
    expect(decideAttempt(ledger, code, { ...attempt("z"), cart: free }, now, 1_000)).toMatchObject({
      errorCode: "NO_ELIGIBLE_ITEMS",
    });
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

describe("a reservation stacked on the checkout's earlier holds (SPEC §3)", () => {
  const worked = SPEC_WORKED_CART;
  const tenPercent = campaignFixture({
    id: "ten-percent",
    discount: { type: "percentage", basisPoints: 1_000 },
    combinesWith: "*",
    priority: 0,
  });
  const fixed500 = campaignFixture({ id: "fixed-500", combinesWith: "*", priority: 1 });

  /** The first hold, decided alone, as the worker would load it for the next attempt. */
  function heldBy(campaign: CampaignTerms, overrides: Partial<StackedHold> = {}): StackedHold {
    const outcome = decideAttempt(
      emptyLedger(),
      [{ code: { id: `code-${campaign.id}`, code: "FIRST1", state: "active", partnerId: null }, campaign }],
      { ...attempt("amy", "FIRST1"), cart: worked },
      now,
      60_000,
    );
    if (outcome.status !== "RESERVED") throw new Error(outcome.errorCode);
    return {
      id: `held-${campaign.id}`,
      accountId: "amy",
      status: "RESERVED",
      expiresAt: outcome.expiresAt,
      stacksOn: [],
      cart: worked,
      lineDiscounts: outcome.quote.lines.map((line) => line.discount),
      campaign,
      ...overrides,
    };
  }

  /** The attempt of a code stacked on these holds; a hold given by id only is not in the store. */
  function stackedAttempt(campaign: CampaignTerms, stacksOn: (StackedHold | string)[], accountId = "amy") {
    return decideAttempt(
      emptyLedger(),
      [{ code: { id: `code-${campaign.id}`, code: "SECOND1", state: "active", partnerId: null }, campaign }],
      {
        ...attempt(accountId, "SECOND1"),
        cart: worked,
        stacksOn: stacksOn.map((hold) =>
          typeof hold === "string" ? { id: hold, hold: null } : { id: hold.id, hold },
        ),
      },
      now,
      60_000,
    );
  }

  /** The refusal a stacked attempt gets: its error code and details. */
  function refusalOf(outcome: AttemptOutcome) {
    if (outcome.status !== "REJECTED") throw new Error("reserved");
    return { errorCode: outcome.errorCode, details: outcome.details };
  }

  const invalid = (stackedReservationId: string, reason: StackRefusalReason, missing?: string[]) => ({
    errorCode: "STACKED_RESERVATION_INVALID",
    details: { stackedReservationId, reason, ...(missing ? { missingReservationIds: missing } : {}) },
  });

  it("prices its code on what the earlier holds left of each line, as the quote does", () => {
    const outcome = stackedAttempt(fixed500, [heldBy(tenPercent)]);
    const quote = quoteCart(worked, [
      { code: "FIRST1", campaign: tenPercent },
      { code: "SECOND1", campaign: fixed500 },
    ]);
    expect(outcome.status).toBe("RESERVED");
    // 10 % took 10 + 20 + 49 = 79 of the 789 eligible; the 500 comes from what is left.
    expect(outcome.quote.applied[0]?.lines).toEqual(quote.applied[1]?.lines);
    expect(outcome.quote.totals.discount).toBe(500);
    expect(outcome.quote.lines.map((line) => line.discount)).toEqual([90, 179, 231, 0]);
  });

  it("refuses a hold that is not this account's live hold on this cart, or applies after this code, and says which and why", () => {
    const id = "held-ten-percent";
    const cases: [StackedHold | string, StackRefusalReason][] = [
      ["no-such-hold", "NOT_FOUND"],
      [heldBy(tenPercent, { accountId: "bob" }), "OTHER_ACCOUNT"],
      // Another account's, whatever its state: its state is none of this checkout's business.
      [heldBy(tenPercent, { accountId: "bob", status: "RELEASED" }), "OTHER_ACCOUNT"],
      [heldBy(tenPercent, { status: "RELEASED" }), "NOT_HELD"],
      [heldBy(tenPercent, { status: "CONFIRMED" }), "NOT_HELD"],
      [heldBy(tenPercent, { expiresAt: now }), "NOT_HELD"],
      [heldBy(tenPercent, { cart: { ...worked, shipping: 0 } }), "OTHER_CART"],
      [heldBy(tenPercent, { campaign: null }), "CAMPAIGN_DELETED"],
      [heldBy(tenPercent, { lineDiscounts: [1_000, 0, 0, 0] }), "LINES_OVERTAKEN"],
    ];
    for (const [hold, reason] of cases) {
      const named = typeof hold === "string" ? hold : id;
      expect(refusalOf(stackedAttempt(fixed500, [hold])), reason).toEqual(invalid(named, reason));
    }
    // The 10 % campaign applies first (priority 0): it cannot stack on the fixed 500.
    expect(refusalOf(stackedAttempt(tenPercent, [heldBy(fixed500)]))).toEqual(
      invalid("held-fixed-500", "APPLIES_AFTER"),
    );
    // Holds that do not stack with each other are no stack to build on: the second named is refused.
    const lone = campaignFixture({ id: "lone", combinesWith: [], priority: 0 });
    const third = campaignFixture({ id: "third", combinesWith: "*", priority: 2 });
    expect(refusalOf(stackedAttempt(third, [heldBy(tenPercent), heldBy(lone)]))).toEqual(
      invalid("held-lone", "HOLDS_DO_NOT_COMBINE"),
    );
    // The first hold in the request's order that breaks a rule is the one named.
    expect(refusalOf(stackedAttempt(third, ["gone", heldBy(tenPercent, { accountId: "bob" })]))).toEqual(
      invalid("gone", "NOT_FOUND"),
    );
  });

  it("refuses holds that are not one stack: each must have been priced after exactly the ones named before it", () => {
    const third = campaignFixture({ id: "third", combinesWith: "*", priority: 2 });
    const first = heldBy(tenPercent);
    // The fixed 500 priced after the 10 % (the same shares as the worked example).
    const second = { ...heldBy(fixed500), stacksOn: [first.id], lineDiscounts: [90, 179, 231, 0] };
    expect(stackedAttempt(third, [first, second])).toMatchObject({ status: "RESERVED" });
    // In any order.
    expect(stackedAttempt(third, [second, first])).toMatchObject({ status: "RESERVED" });
    // Leaving the first out would price the third on more than is left: the details say what is missing.
    expect(refusalOf(stackedAttempt(third, [second]))).toEqual(
      invalid(second.id, "NOT_ONE_STACK", [first.id]),
    );
    // Two holds each priced alone are no stack either (both named, so nothing is missing).
    const alsoAlone = { ...heldBy(fixed500), id: "held-alone" };
    expect(refusalOf(stackedAttempt(third, [first, alsoAlone]))).toEqual(
      invalid(alsoAlone.id, "NOT_ONE_STACK"),
    );
  });

  it("refuses a code whose campaign does not combine with a hold's, either way round, naming the hold", () => {
    const picky = campaignFixture({ id: "picky", combinesWith: ["someone-else"], priority: 1 });
    const notCombinable = (stackedReservationId: string) => ({
      errorCode: "NOT_COMBINABLE",
      details: { stackedReservationId, reason: "CAMPAIGNS_DO_NOT_COMBINE" },
    });
    expect(refusalOf(stackedAttempt(picky, [heldBy(tenPercent)]))).toEqual(notCombinable("held-ten-percent"));
    const closed = campaignFixture({ id: "closed", combinesWith: [], priority: 0 });
    expect(refusalOf(stackedAttempt(fixed500, [heldBy(closed)]))).toEqual(notCombinable("held-closed"));
  });

  it("codes reserved one by one, each stacked on the ones before, are priced as one quote prices them all", () => {
    const rule = fc.oneof(
      fc.record({ type: fc.constant<"fixed">("fixed"), amount: fc.integer({ min: 0, max: 3_000 }) }),
      fc.record({
        type: fc.constant<"percentage">("percentage"),
        basisPoints: fc.integer({ min: 100, max: 10_000 }),
      }),
    );
    const line = fc.record({
      productId: fc.constantFrom("A", "B", "C", "Z"),
      unitPrice: fc.integer({ min: 0, max: 5_000 }),
      quantity: fc.integer({ min: 1, max: 5 }),
    });
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 5 }),
        fc.array(fc.record({ discount: rule, priority: fc.integer({ min: 0, max: 3 }) }), {
          minLength: 1,
          maxLength: 4,
        }),
        (items, rules) => {
          // One line of a product the campaigns cover, so every code is eligible.
          const cart: Cart = {
            currency: "TWD",
            items: [{ productId: "A", unitPrice: 1_000, quantity: 1 }, ...items],
            shipping: 0,
          };
          const campaigns = rules
            .map((terms, index) => campaignFixture({ ...terms, id: `c${index}`, combinesWith: "*" }))
            .sort((a, b) => a.priority - b.priority);
          const quote = quoteCart(
            cart,
            campaigns.map((campaign, index) => ({ code: `STACK${index}X`, campaign })),
          );
          const holds: StackedHold[] = [];
          campaigns.forEach((campaign, index) => {
            const outcome = decideAttempt(
              emptyLedger(),
              [
                {
                  code: { id: `k${index}`, code: `STACK${index}X`, state: "active", partnerId: null },
                  campaign,
                },
              ],
              {
                ...attempt("amy", `STACK${index}X`),
                cart,
                stacksOn: holds.map((hold) => ({ id: hold.id, hold })),
              },
              now,
              60_000,
            );
            const code = `STACK${index}X`;
            // A code the quote leaves out for giving nothing takes no hold either.
            if (quote.skipped.some((skipped) => skipped.code === code)) {
              expect(outcome).toMatchObject({ status: "REJECTED", errorCode: "NO_ELIGIBLE_ITEMS" });
              return;
            }
            if (outcome.status !== "RESERVED") throw new Error(outcome.errorCode);
            expect(outcome.quote.applied[0]?.lines).toEqual(
              quote.applied.find((applied) => applied.code === code)?.lines,
            );
            holds.push({
              id: `hold-${index}`,
              accountId: "amy",
              status: "RESERVED",
              expiresAt: outcome.expiresAt,
              stacksOn: holds.map((earlier) => earlier.id),
              cart,
              lineDiscounts: outcome.quote.lines.map((quoted) => quoted.discount),
              campaign,
            });
          });
        },
      ),
    );
  });
});

describe("a hold granted again stands as it holds (late confirm)", () => {
  const tenPercent = campaignFixture({
    id: "c-10",
    discount: { type: "percentage", basisPoints: 1_000 },
    combinesWith: "*",
  });
  const fixed = campaignFixture({ id: "c-500", discount: { type: "fixed", amount: 500 }, combinesWith: "*" });
  const half = campaignFixture({
    id: "c-50",
    discount: { type: "percentage", basisPoints: 5_000 },
    priority: 1,
    combinesWith: "*",
  });
  const discountsOf = (quote: ReturnType<typeof quoteCart>) => quote.lines.map((line) => line.discount);
  const heldOn = (campaign: typeof tenPercent, cart: Cart, taken: readonly number[] = []) => ({
    lineDiscounts: discountsOf(quoteCart(cart, [{ code: campaign.id, campaign }], taken)),
    campaign,
  });

  it("holds for any hold priced alone or after another, on its own campaign's terms", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            unitPrice: fc.integer({ min: 0, max: 5_000 }),
            quantity: fc.integer({ min: 1, max: 3 }),
          }),
          { minLength: 1, maxLength: 5 },
        ),
        fc.boolean(),
        (lines, stacked) => {
          const cart: Cart = {
            currency: "TWD",
            items: lines.map((line, index) => ({ productId: "ABCD"[index % 4] ?? "A", ...line })),
            shipping: 60,
          };
          const stack = stacked ? [heldOn(tenPercent, cart)] : [];
          const held = heldOn(fixed, cart, stack[0]?.lineDiscounts ?? []).lineDiscounts;
          expect(grantedAsHeld(cart, { code: "FIXED", campaign: fixed }, stack, held)).toBe(true);
        },
      ),
    );
  });

  it("fails when the campaign would now price it otherwise, or the stack it was priced after is left out", () => {
    const held = heldOn(fixed, SPEC_WORKED_CART).lineDiscounts;
    expect(grantedAsHeld(SPEC_WORKED_CART, { code: "FIXED", campaign: fixed }, [], held)).toBe(true);
    const narrowed = { ...fixed, productIds: ["C"] };
    expect(grantedAsHeld(SPEC_WORKED_CART, { code: "FIXED", campaign: narrowed }, [], held)).toBe(false);

    const base = heldOn(tenPercent, SPEC_WORKED_CART);
    const stackedHeld = heldOn(half, SPEC_WORKED_CART, base.lineDiscounts).lineDiscounts;
    expect(grantedAsHeld(SPEC_WORKED_CART, { code: "HALF", campaign: half }, [base], stackedHeld)).toBe(true);
    expect(grantedAsHeld(SPEC_WORKED_CART, { code: "HALF", campaign: half }, [], stackedHeld)).toBe(false);
  });

  it("fails when the holds it was stacked on no longer apply before it or stack with it", () => {
    const base = heldOn(tenPercent, SPEC_WORKED_CART);
    const held = heldOn(half, SPEC_WORKED_CART, base.lineDiscounts).lineDiscounts;
    const granted = (application: typeof half, stack: HeldStackEntry[]) =>
      grantedAsHeld(SPEC_WORKED_CART, { code: "HALF", campaign: application }, stack, held);
    expect(granted(half, [base])).toBe(true);
    // Its campaign now applies first (APPLIES_AFTER for a new reservation).
    expect(granted({ ...half, priority: -1 }, [base])).toBe(false);
    // It or the base no longer stacks with the other (CAMPAIGNS_DO_NOT_COMBINE).
    expect(granted({ ...half, combinesWith: [] }, [base])).toBe(false);
    expect(granted(half, [{ ...base, campaign: { ...tenPercent, combinesWith: ["c-500"] } }])).toBe(false);
    // The base's campaign is deleted: nothing says how it stacks.
    expect(granted(half, [{ ...base, campaign: null }])).toBe(false);
    // Two holds under it that no longer stack with each other (HOLDS_DO_NOT_COMBINE).
    const second = {
      lineDiscounts: SPEC_WORKED_CART.items.map(() => 0),
      campaign: { ...fixed, combinesWith: ["c-50"] },
    };
    expect(granted(half, [base, second])).toBe(false);
  });
});
