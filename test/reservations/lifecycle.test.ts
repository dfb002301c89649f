import { randomBytes } from "node:crypto";
import { createTestContext, eventually, type TestContext } from "@promo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, createLiveCampaign, FLASH_CART, type System, startSystem } from "../support/system.ts";

const HOLD_MS = 1_500;

let ctx: TestContext;
let system: System;
let gatewayUrl: string;

beforeAll(async () => {
  ctx = await createTestContext("lifecycle");
  system = await startSystem(ctx, {
    gateways: 1,
    workers: 1,
    env: { RESERVATION_TTL_MS: String(HOLD_MS), EXPIRY_SWEEP_INTERVAL_MS: "200" },
  });
  gatewayUrl = system.gateways[0]?.url ?? "";
});

afterAll(async () => {
  await system?.stop();
  await ctx?.cleanup();
});

type Answer = {
  id: string;
  code: string;
  status: string;
  sequence: number;
  expiresAt: string | null;
  acceptedAt: string | null;
  orderNumber: string | null;
  orderTotal: number | null;
  releasedAt?: string | null;
  expiredAt?: string | null;
  confirmedAt?: string | null;
  cancelledAt?: string | null;
  error?: {
    code: string;
    details?: {
      id?: string;
      sequence?: number;
      fields?: { path: string; message: string }[];
      stackedReservationId?: string;
      reason?: string;
      missingReservationIds?: string[];
    };
  };
};

function reserve(code: string, accountId: string, headers: Record<string, string> = {}, cart = FLASH_CART) {
  return api<Answer>(
    gatewayUrl,
    system.store.keys.checkout,
    "POST",
    "/v1/reservations",
    { code, accountId, cart },
    headers,
  );
}

function checkout<T = Answer>(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  return api<T>(gatewayUrl, system.store.keys.checkout, method, path, body, headers);
}

async function singleSlotCode(prefix: string, oncePerAccount = false): Promise<string> {
  const code = `${prefix}${Date.now().toString(36).toUpperCase()}`;
  await createLiveCampaign(gatewayUrl, system.store.keys.merchant, { code, usageLimit: 1, oncePerAccount });
  return code;
}

describe("reservation lifecycle", () => {
  it("answers 200 RESERVED with the quote, and GET shows the same reservation", async () => {
    const code = await singleSlotCode("SHOW");
    const before = Date.now();
    const reserved = await reserve(code, "shopper-1");
    expect(reserved.status).toBe(200);
    // The instant the gateway accepted it, at which the campaign's window was judged.
    const acceptedAt = new Date(String(reserved.body.acceptedAt)).getTime();
    expect(acceptedAt).toBeGreaterThanOrEqual(before);
    expect(acceptedAt).toBeLessThanOrEqual(Date.now());
    expect(reserved.body).toMatchObject({
      status: "RESERVED",
      code,
      accountId: "shopper-1",
      discount: 111,
      totals: { itemsSubtotal: 990, discount: 111, shipping: 60, total: 939 },
      orderNumber: null,
    });
    expect(new Date(String(reserved.body.expiresAt)).getTime()).toBeGreaterThan(Date.now());
    const fetched = await checkout("GET", `/v1/reservations/${reserved.body.id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toMatchObject({
      id: reserved.body.id,
      sequence: reserved.body.sequence,
      status: "RESERVED",
      acceptedAt: reserved.body.acceptedAt,
    });
    const refused = await reserve(code, "shopper-2");
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: "USAGE_LIMIT_REACHED",
      details: { id: expect.any(String), sequence: expect.any(Number) },
    });
    expect(Number(refused.body.error?.details?.sequence)).toBeGreaterThan(reserved.body.sequence);
  });

  it("a checkout re-quoting the code it holds, naming its hold, sees it applied; a hold that is not the account's live one changes nothing", async () => {
    const code = await singleSlotCode("REQUOTE", true);
    const held = await reserve(code, "requoter");
    expect(held.body.status).toBe("RESERVED");
    type Quoted = {
      applied: { code: string; discount: number }[];
      refused: { code: string; error: { code: string } }[];
    };
    const quoteAs = async (accountId: string, reservationIds?: unknown[]) => {
      const quoted = await checkout<Quoted>("POST", "/v1/checkout/quote", {
        codes: [code],
        accountId,
        cart: FLASH_CART,
        ...(reservationIds ? { reservationIds } : {}),
      });
      expect(quoted.status).toBe(200);
      return [
        ...quoted.body.applied.map((applied) => [applied.code, applied.discount]),
        ...quoted.body.refused.map((refused) => [refused.code, refused.error.code]),
      ];
    };
    // Without its hold named, the shopper's own hold makes the code look used up.
    expect(await quoteAs("requoter")).toEqual([[code, "ACCOUNT_LIMIT_REACHED"]]);
    expect(await quoteAs("requoter", [held.body.id, held.body.id.toUpperCase()])).toEqual([[code, 111]]);
    // Another account naming that hold still finds the one slot taken.
    expect(await quoteAs("someone-else", [held.body.id])).toEqual([[code, "USAGE_LIMIT_REACHED"]]);
    expect(await quoteAs("requoter", [crypto.randomUUID()])).toEqual([[code, "ACCOUNT_LIMIT_REACHED"]]);

    // A confirmed hold is a redemption, not the checkout's to give back.
    expect(
      (await checkout("POST", `/v1/reservations/${held.body.id}/confirm`, { orderNumber: `RQ-${code}` }))
        .status,
    ).toBe(200);
    expect(await quoteAs("requoter", [held.body.id])).toEqual([[code, "ACCOUNT_LIMIT_REACHED"]]);

    const malformed = await checkout<{ error: { details: { fields: { path: string }[] } } }>(
      "POST",
      "/v1/checkout/quote",
      { codes: [code], accountId: "requoter", cart: FLASH_CART, reservationIds: ["not-a-uuid"] },
    );
    expect([malformed.status, malformed.body.error.details.fields.map((field) => field.path)]).toEqual([
      400,
      ["reservationIds.0"],
    ]);
  });

  it("a code typed in another letter case is answered and sent in events as the merchant entered it", async () => {
    const code = `MixedCase${Date.now().toString(36)}`;
    await createLiveCampaign(gatewayUrl, system.store.keys.merchant, {
      code,
      usageLimit: 1,
      oncePerAccount: false,
    });
    const reserved = await reserve(code.toLowerCase(), "typed-lower");
    expect([reserved.status, reserved.body.code]).toEqual([200, code]);
    expect((await checkout("GET", `/v1/reservations/${reserved.body.id}`)).body.code).toBe(code);
    const refused = await reserve(code.toUpperCase(), "typed-upper");
    expect([refused.status, refused.body.error?.code]).toEqual([409, "USAGE_LIMIT_REACHED"]);
    expect((await checkout("POST", `/v1/reservations/${reserved.body.id}/release`)).status).toBe(200);
    // A code that matched nothing keeps the text the request named.
    const unknown = await reserve("NoSuchCode42", "typed-unknown");
    expect(unknown.body.error?.code).toBe("CODE_NOT_FOUND");

    const events = await ctx.db.database.prisma.outboxEvent.findMany({
      where: {
        payload: { path: ["reservationId"], equals: reserved.body.id },
      },
      orderBy: { id: "asc" },
    });
    expect(events.map((event) => [event.eventType, (event.payload as { code: string }).code])).toEqual([
      ["reservation.reserved", code],
      ["reservation.released", code],
    ]);
    const refusal = await ctx.db.database.prisma.outboxEvent.findFirst({
      where: { payload: { path: ["reservationId"], equals: refused.body.error?.details?.id ?? "" } },
    });
    expect((refusal?.payload as { code: string } | undefined)?.code).toBe(code);
    const notFound = await ctx.db.database.prisma.outboxEvent.findFirst({
      where: { payload: { path: ["reservationId"], equals: unknown.body.error?.details?.id ?? "" } },
    });
    expect((notFound?.payload as { code: string } | undefined)?.code).toBe("NoSuchCode42");
  });

  it("a code typed in full-width letters and digits is found and answered as the merchant entered it", async () => {
    const code = `Wide${Date.now().toString(36)}`;
    await createLiveCampaign(gatewayUrl, system.store.keys.merchant, {
      code,
      usageLimit: 1,
      oncePerAccount: false,
    });
    const typed = code.replace(/[!-~]/g, (char) => String.fromCharCode(char.charCodeAt(0) + 0xfee0));
    const reserved = await reserve(typed, "typed-wide");
    expect([reserved.status, reserved.body.code]).toEqual([200, code]);
  });

  it("an unconfirmed hold expires at expiresAt and its slot goes to the next account", async () => {
    const code = await singleSlotCode("TTL");
    const first = await reserve(code, "early");
    expect(first.status).toBe(200);
    expect((await reserve(code, "late")).status).toBe(409);
    await new Promise((resolve) =>
      setTimeout(resolve, Date.parse(String(first.body.expiresAt)) - Date.now() + 50),
    );
    // It ran out at expiresAt: GET says so from then on, marked by the sweeper or not yet.
    const ranOut = await checkout("GET", `/v1/reservations/${first.body.id}`);
    expect([ranOut.body.status, ranOut.body.expiredAt]).toEqual(["EXPIRED", first.body.expiresAt]);
    const next = await reserve(code, "late");
    expect(next.status).toBe(200);
    const expired = await eventually(async () => {
      const polled = await checkout("GET", `/v1/reservations/${first.body.id}`);
      return polled.body.status === "EXPIRED" ? polled : null;
    }, "the first hold to be marked EXPIRED");
    expect([expired.body.status, expired.body.expiredAt]).toEqual(["EXPIRED", first.body.expiresAt]);
    const events = await ctx.db.database.prisma.outboxEvent.findMany({
      where: { eventType: "reservation.expired" },
      select: { payload: true },
    });
    expect(
      events.filter((event) => (event.payload as { reservationId: string }).reservationId === first.body.id),
    ).toHaveLength(1);
  });

  it("release frees the slot; releasing again changes nothing", async () => {
    const code = await singleSlotCode("REL");
    const held = await reserve(code, "giver");
    expect(held.body).toMatchObject({
      releasedAt: null,
      expiredAt: null,
      confirmedAt: null,
      cancelledAt: null,
    });
    // A body that is not a JSON object is refused, and the hold stays.
    for (const body of ['{"reason": "abandoned"', '["abandoned"]']) {
      const refused = await fetch(`${gatewayUrl}/v1/reservations/${held.body.id}/release`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${system.store.keys.checkout}`,
          "content-type": "application/json",
        },
        body,
      });
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as Answer).error?.code).toBe("VALIDATION_ERROR");
    }
    expect((await checkout("GET", `/v1/reservations/${held.body.id}`)).body.status).toBe("RESERVED");
    // A reason sent along is taken, and not read.
    const released = await checkout("POST", `/v1/reservations/${held.body.id}/release`, {
      reason: "abandoned",
    });
    expect(released.status).toBe(200);
    expect(released.body.status).toBe("RELEASED");
    // When it was released, in the answer and in GET alike.
    expect(Date.parse(released.body.releasedAt ?? "")).toBeGreaterThanOrEqual(
      Date.parse(held.body.acceptedAt ?? ""),
    );
    expect((await checkout("GET", `/v1/reservations/${held.body.id}`)).body.releasedAt).toBe(
      released.body.releasedAt,
    );
    const again = await checkout("POST", `/v1/reservations/${held.body.id}/release`);
    expect([again.body.status, again.body.releasedAt]).toEqual(["RELEASED", released.body.releasedAt]);
    expect((await reserve(code, "taker")).status).toBe(200);
  });

  it("confirm keeps the slot past the hold time and links the order number", async () => {
    const code = await singleSlotCode("CONF");
    const held = await reserve(code, "buyer");
    const confirmed = await checkout("POST", `/v1/reservations/${held.body.id}/confirm`, {
      orderNumber: "WVQP8DYGV",
    });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ status: "CONFIRMED", orderNumber: "WVQP8DYGV", releasedAt: null });
    expect((await checkout("GET", `/v1/reservations/${held.body.id}`)).body.confirmedAt).toBe(
      confirmed.body.confirmedAt,
    );
    expect(confirmed.body.confirmedAt).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT/));
    await new Promise((resolve) => setTimeout(resolve, HOLD_MS + 300));
    const refused = await reserve(code, "other");
    expect(refused.status).toBe(409);
    expect(refused.body.error?.code).toBe("USAGE_LIMIT_REACHED");
    const again = await checkout("POST", `/v1/reservations/${held.body.id}/confirm`, {
      orderNumber: "WVQP8DYGV",
    });
    expect(again.body.status).toBe("CONFIRMED");
    const otherOrder = await checkout("POST", `/v1/reservations/${held.body.id}/confirm`, {
      orderNumber: "ANOTHER1",
    });
    expect(otherOrder.status).toBe(409);
    expect((await checkout("POST", `/v1/reservations/${held.body.id}/release`)).status).toBe(409);
    const lookup = await api<{ items: { reservations: { id: string; orderNumber: string | null }[] }[] }>(
      gatewayUrl,
      system.store.keys.merchant,
      "GET",
      `/v1/codes/${code}`,
    );
    expect(lookup.body.items[0]?.reservations).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: held.body.id, orderNumber: "WVQP8DYGV" })]),
    );
  });

  it("a code reserved stacked on the checkout's earlier hold is priced on what that one left, as the quote prices both", async () => {
    // SPEC §3's worked products: A 100, B 199, C 490, and a sweatshirt no campaign covers.
    const cart = {
      currency: "TWD",
      items: [
        { productId: "A", unitPrice: 100, quantity: 1 },
        { productId: "B", unitPrice: 199, quantity: 1 },
        { productId: "C", unitPrice: 490, quantity: 1 },
        { productId: "SWEATSHIRT", unitPrice: 1_250, quantity: 1 },
      ],
      shipping: 60,
    };
    const stamp = Date.now().toString(36).toUpperCase();
    const codes = {
      tenPercent: `TENPC${stamp}`,
      fixed: `FIXED${stamp}`,
      alone: `ALONE${stamp}`,
      third: `THIRD${stamp}`,
    };
    const products = { productIds: ["A", "B", "C"] };
    const campaignIds = new Map<string, string>();
    for (const [code, terms] of [
      [codes.tenPercent, { discount: { type: "percentage", percent: 10 }, priority: 0, combinesWith: "*" }],
      [codes.fixed, { discount: { type: "fixed", amount: 500 }, priority: 1, combinesWith: "*" }],
      [codes.third, { discount: { type: "percentage", percent: 50 }, priority: 2, combinesWith: "*" }],
      [codes.alone, { priority: 2 }],
    ] as const) {
      const { campaignId } = await createLiveCampaign(gatewayUrl, system.store.keys.merchant, {
        code,
        usageLimit: null,
        oncePerAccount: false,
        terms: { ...products, ...terms },
      });
      campaignIds.set(code, campaignId);
    }
    type Priced = Answer & { discount: number; lines: { discount: number }[]; stacksOn: string[] };
    const quote = await checkout<{ applied: { code: string; discount: number; lines: unknown[] }[] }>(
      "POST",
      "/v1/checkout/quote",
      { codes: [codes.fixed, codes.tenPercent], accountId: "stacker", cart },
    );
    expect(quote.body.applied.map((applied) => [applied.code, applied.discount])).toEqual([
      [codes.tenPercent, 79],
      [codes.fixed, 500],
    ]);
    const reserveWith = (code: string, body: Record<string, unknown> = {}, accountId = "stacker") =>
      checkout<Priced>("POST", "/v1/reservations", { code, accountId, cart, ...body });

    const first = await reserveWith(codes.tenPercent);
    expect([first.status, first.body.discount]).toEqual([200, 79]);
    const second = await reserveWith(codes.fixed, { stacksOn: [first.body.id] });
    expect([second.status, second.body.discount]).toEqual([200, 500]);
    expect([first.body.stacksOn, second.body.stacksOn]).toEqual([[], [first.body.id]]);
    expect((await checkout<Priced>("GET", `/v1/reservations/${second.body.id}`)).body.stacksOn).toEqual([
      first.body.id,
    ]);
    expect(second.body.lines.map((line) => line.discount)).toEqual([90, 179, 231, 0]);
    // Alone it would have taken 100 + 199 + 201.
    expect((await reserveWith(codes.fixed)).body.lines.map((line) => line.discount)).toEqual([
      100, 199, 201, 0,
    ]);

    const unknownHold = crypto.randomUUID();
    const refusals = [
      await reserveWith(codes.alone, { stacksOn: [first.body.id] }),
      await reserveWith(codes.fixed, { stacksOn: [first.body.id] }, "someone-else"),
      await reserveWith(codes.fixed, { stacksOn: [unknownHold] }),
      await reserveWith(codes.tenPercent, { stacksOn: [second.body.id] }),
      // A third code must name both holds: the second was priced after the first.
      await reserveWith(codes.third, { stacksOn: [second.body.id] }),
    ];
    // Each names the hold it was refused for, and why.
    expect(
      refusals.map((refused) => [
        refused.status,
        refused.body.error?.code,
        refused.body.error?.details?.stackedReservationId,
        refused.body.error?.details?.reason,
        refused.body.error?.details?.missingReservationIds,
      ]),
    ).toEqual([
      [422, "NOT_COMBINABLE", first.body.id, "CAMPAIGNS_DO_NOT_COMBINE", undefined],
      [422, "STACKED_RESERVATION_INVALID", first.body.id, "OTHER_ACCOUNT", undefined],
      [422, "STACKED_RESERVATION_INVALID", unknownHold, "NOT_FOUND", undefined],
      [422, "STACKED_RESERVATION_INVALID", second.body.id, "APPLIES_AFTER", undefined],
      [422, "STACKED_RESERVATION_INVALID", second.body.id, "NOT_ONE_STACK", [first.body.id]],
    ]);
    // GET of a refused one and its reservation.rejected event say the same, and so does the
    // replay of a refusal sent with an Idempotency-Key.
    const missingFirst = {
      stackedReservationId: second.body.id,
      reason: "NOT_ONE_STACK",
      missingReservationIds: [first.body.id],
    };
    const refusedId = String(refusals.at(-1)?.body.error?.details?.id);
    const shown = await checkout<{ status: string; error: { code: string; details?: unknown } | null }>(
      "GET",
      `/v1/reservations/${refusedId}`,
    );
    expect([shown.body.status, shown.body.error?.code, shown.body.error?.details]).toEqual([
      "REJECTED",
      "STACKED_RESERVATION_INVALID",
      missingFirst,
    ]);
    const events = await ctx.db.database.prisma.outboxEvent.findMany({
      where: { eventType: "reservation.rejected", payload: { path: ["reservationId"], equals: refusedId } },
    });
    expect(events.map((event) => (event.payload as { errorDetails?: unknown }).errorDetails)).toEqual([
      missingFirst,
    ]);
    const keyed = () =>
      checkout(
        "POST",
        "/v1/reservations",
        { code: codes.tenPercent, accountId: "stacker", cart, stacksOn: [second.body.id] },
        {
          "idempotency-key": `stack-refused-${stamp}`,
        },
      );
    const [firstAnswer, replayed] = [await keyed(), await keyed()];
    expect(firstAnswer.body.error?.details).toMatchObject({
      stackedReservationId: second.body.id,
      reason: "APPLIES_AFTER",
    });
    expect([replayed.status, replayed.body.error?.details]).toEqual([422, firstAnswer.body.error?.details]);
    const third = await reserveWith(codes.third, { stacksOn: [second.body.id, first.body.id] });
    // Half of what the two left: C 490 − 49 − 231 = 210.
    expect([third.status, third.body.discount]).toEqual([200, 105]);
    const repeated = await reserveWith(codes.fixed, { stacksOn: [first.body.id, first.body.id] });
    expect([repeated.status, repeated.body.error?.details?.fields?.[0]?.path]).toEqual([400, "stacksOn"]);

    // Both confirmed onto one order: its discount is the quote's.
    const orderNumber = `STACKED-${stamp}`;
    for (const id of [first.body.id, second.body.id]) {
      expect((await checkout("POST", `/v1/reservations/${id}/confirm`, { orderNumber })).status).toBe(200);
    }
    const stored = await ctx.db.database.prisma.reservation.findMany({
      where: { orderNumber },
      select: { discount: true },
    });
    expect(stored.reduce((sum, row) => sum + Number(row.discount), 0)).toBe(579);
    // A code priced alone on the same cart took its half of the whole cart, not of what the two
    // left: it does not join their order.
    const pricedAlone = await reserveWith(codes.third);
    const apart = await checkout("POST", `/v1/reservations/${pricedAlone.body.id}/confirm`, { orderNumber });
    expect([apart.status, apart.body.error?.code, apart.body.error?.details?.reason]).toEqual([
      422,
      "NOT_COMBINABLE",
      "PRICED_APART",
    ]);
    // The third, released and then confirmed late onto the order, is granted again on its terms:
    // half of what the two it was stacked on took, not half of the whole cart.
    expect((await checkout("POST", `/v1/reservations/${third.body.id}/release`)).body.status).toBe(
      "RELEASED",
    );
    // Not while its campaign would now apply before the two (a new reservation: APPLIES_AFTER).
    const setPriority = (priority: number) =>
      api(gatewayUrl, system.store.keys.merchant, "PATCH", `/v1/campaigns/${campaignIds.get(codes.third)}`, {
        priority,
      });
    expect((await setPriority(-1)).status).toBe(200);
    const reordered = await checkout<Priced>("POST", `/v1/reservations/${third.body.id}/confirm`, {
      orderNumber,
    });
    expect([reordered.status, reordered.body.error?.code]).toEqual([409, "RESERVATION_EXPIRED"]);
    expect((await setPriority(2)).status).toBe(200);
    const late = await checkout<Priced>("POST", `/v1/reservations/${third.body.id}/confirm`, { orderNumber });
    expect([late.status, late.body.status, late.body.discount]).toEqual([200, "CONFIRMED", 105]);
  });

  it("confirm keeps an order to one account and to codes that stack, naming the reservation in the way", async () => {
    // Two campaigns created without combinesWith: a quote would apply only one of them.
    const [first, second, third] = [
      await singleSlotCode("ORDA"),
      await singleSlotCode("ORDB"),
      await singleSlotCode("ORDC"),
    ];
    const held = await reserve(first, "one-shopper");
    const notStacking = await reserve(second, "one-shopper");
    const stranger = await reserve(third, "another-shopper");
    const orderNumber = `ORD-${Date.now()}`;
    expect((await checkout("POST", `/v1/reservations/${held.body.id}/confirm`, { orderNumber })).status).toBe(
      200,
    );
    const refusedStack = await checkout("POST", `/v1/reservations/${notStacking.body.id}/confirm`, {
      orderNumber,
    });
    expect([refusedStack.status, refusedStack.body.error?.code]).toEqual([422, "NOT_COMBINABLE"]);
    expect(refusedStack.body.error?.details).toEqual({
      id: notStacking.body.id,
      status: "RESERVED",
      conflictsWith: held.body.id,
      reason: "CAMPAIGNS_DO_NOT_COMBINE",
    });
    const refusedAccount = await checkout("POST", `/v1/reservations/${stranger.body.id}/confirm`, {
      orderNumber,
    });
    expect([refusedAccount.status, refusedAccount.body.error?.code]).toEqual([409, "ORDER_ACCOUNT_MISMATCH"]);
    // Both holds stand, for orders of their own.
    const other = await checkout("POST", `/v1/reservations/${notStacking.body.id}/confirm`, {
      orderNumber: `${orderNumber}-2`,
    });
    expect([other.status, other.body.status]).toEqual([200, "CONFIRMED"]);
    expect((await checkout<Answer>("GET", `/v1/reservations/${stranger.body.id}`)).body.status).toBe(
      "RESERVED",
    );
  });

  it("confirms of many holds of one code at once all succeed: they take turns on the code, none fails waiting", async () => {
    const code = `BURST${Date.now().toString(36).toUpperCase()}`;
    await createLiveCampaign(gatewayUrl, system.store.keys.merchant, {
      code,
      usageLimit: 1_000,
      oncePerAccount: false,
    });
    const held = await Promise.all(
      Array.from({ length: 300 }, (_, index) => reserve(code, `burst-${index}`, {}, FLASH_CART)),
    );
    expect(held.map((answer) => answer.status)).toEqual(held.map(() => 200));
    // More confirms than the gateway has connections (10), each waiting on the code's row lock with
    // one: Prisma's default 2 s wait for a connection failed about a fifth of them with 500.
    const confirmed = await Promise.all(
      held.map((answer, index) =>
        checkout("POST", `/v1/reservations/${answer.body.id}/confirm`, { orderNumber: `BURST-${index}` }),
      ),
    );
    const statuses = confirmed.map(
      (answer) => `${answer.status} ${answer.body.status ?? answer.body.error?.code}`,
    );
    expect(statuses).toEqual(held.map(() => "200 CONFIRMED"));
  });

  it("confirm records the order's total: the one sent, else the quoted total after the discount; reports and the action listing carry it", async () => {
    const from = new Date(Date.now() - 60_000).toISOString();
    const code = `TOTAL${Date.now().toString(36).toUpperCase()}`;
    const { campaignId } = await createLiveCampaign(gatewayUrl, system.store.keys.merchant, {
      code,
      usageLimit: null,
      oncePerAccount: false,
    });
    const [sent, quoted, keyed] = await Promise.all(
      ["total-sent", "total-quoted", "total-keyed"].map((accountId) => reserve(code, accountId)),
    );
    for (const held of [sent, quoted, keyed]) expect(held?.body.status).toBe("RESERVED");
    const ids = {
      sent: String(sent?.body.id),
      quoted: String(quoted?.body.id),
      keyed: String(keyed?.body.id),
    };

    const withTotal = await checkout("POST", `/v1/reservations/${ids.sent}/confirm`, {
      orderNumber: "ORD-TOTAL-SENT",
      orderTotal: 1_234,
    });
    expect([withTotal.status, withTotal.body.status]).toEqual([200, "CONFIRMED"]);
    // FLASH_CART quoted 990 - 111 + 60 shipping = 939.
    const withoutTotal = await checkout("POST", `/v1/reservations/${ids.quoted}/confirm`, {
      orderNumber: "ORD-TOTAL-QUOTED",
    });
    expect([withoutTotal.status, withoutTotal.body.status]).toEqual([200, "CONFIRMED"]);
    // The answers carry the total, and so do GET and the code lookup.
    expect([withTotal.body.orderTotal, withoutTotal.body.orderTotal, sent?.body.orderTotal]).toEqual([
      1_234,
      939,
      null,
    ]);
    expect((await checkout("GET", `/v1/reservations/${ids.quoted}`)).body.orderTotal).toBe(939);
    const lookup = await api<{ items: { reservations: { id: string; orderTotal: number | null }[] }[] }>(
      gatewayUrl,
      system.store.keys.merchant,
      "GET",
      `/v1/codes/${code}`,
    );
    expect(
      Object.fromEntries(lookup.body.items[0]?.reservations.map((item) => [item.id, item.orderTotal]) ?? []),
    ).toEqual({ [ids.sent]: 1_234, [ids.quoted]: 939, [ids.keyed]: null });
    // The same order number again answers the confirmed reservation; the first total stands.
    const replay = await checkout("POST", `/v1/reservations/${ids.sent}/confirm`, {
      orderNumber: "ORD-TOTAL-SENT",
      orderTotal: 5,
    });
    expect({ status: replay.status, body: replay.body }).toEqual({ status: 200, body: withTotal.body });
    // With an Idempotency-Key, another total is another request.
    const key = { "idempotency-key": `confirm-total-${Date.now()}` };
    const keyedBody = { orderNumber: "ORD-TOTAL-KEYED", orderTotal: 1_000 };
    const keyedConfirm = await checkout("POST", `/v1/reservations/${ids.keyed}/confirm`, keyedBody, key);
    expect([keyedConfirm.status, keyedConfirm.body.status]).toEqual([200, "CONFIRMED"]);
    const keyedReplay = await checkout("POST", `/v1/reservations/${ids.keyed}/confirm`, keyedBody, key);
    expect({ status: keyedReplay.status, body: keyedReplay.body }).toEqual({
      status: 200,
      body: keyedConfirm.body,
    });
    const keyedOther = await checkout(
      "POST",
      `/v1/reservations/${ids.keyed}/confirm`,
      { ...keyedBody, orderTotal: 1_001 },
      key,
    );
    expect([keyedOther.status, keyedOther.body.error?.code]).toEqual([422, "IDEMPOTENCY_KEY_REUSED"]);

    const stored = await ctx.db.database.prisma.reservation.findMany({
      where: { id: { in: Object.values(ids) } },
      select: { id: true, orderTotal: true },
    });
    expect(Object.fromEntries(stored.map((row) => [row.id, row.orderTotal]))).toEqual({
      [ids.sent]: 1_234n,
      [ids.quoted]: 939n,
      [ids.keyed]: 1_000n,
    });
    // One reservation.confirmed each (replays emit none), carrying the same total.
    const confirmedEvents = await ctx.db.database.prisma.outboxEvent.findMany({
      where: { eventType: "reservation.confirmed", key: code },
      select: { payload: true },
    });
    expect(
      Object.fromEntries(
        confirmedEvents.map(({ payload }) => {
          const event = payload as { reservationId: string; orderTotal: number };
          return [event.reservationId, event.orderTotal];
        }),
      ),
    ).toEqual({ [ids.sent]: 1_234, [ids.quoted]: 939, [ids.keyed]: 1_000 });
    expect(confirmedEvents).toHaveLength(3);

    const range = new URLSearchParams({ from, to: new Date(Date.now() + 60_000).toISOString(), campaignId });
    const report = await api<{ rows: Record<string, unknown>[]; totals: Record<string, unknown>[] }>(
      gatewayUrl,
      system.store.keys.merchant,
      "GET",
      `/v1/reports/codes?${range}`,
    );
    expect(report.status).toBe(200);
    const measures = {
      currency: "TWD",
      orders: 3,
      confirmed: 3,
      revenue: 1_234 + 939 + 1_000,
      discount: 333,
    };
    expect(report.body.rows).toEqual([expect.objectContaining({ code, ...measures })]);
    expect(report.body.totals).toEqual([expect.objectContaining(measures)]);
    const actions = await api<{ items: { orderNumber: string; orderTotal: number | null }[] }>(
      gatewayUrl,
      system.store.keys.merchant,
      "GET",
      `/v1/reports/actions?${range}`,
    );
    expect(actions.status).toBe(200);
    expect(Object.fromEntries(actions.body.items.map((item) => [item.orderNumber, item.orderTotal]))).toEqual(
      {
        "ORD-TOTAL-SENT": 1_234,
        "ORD-TOTAL-QUOTED": 939,
        "ORD-TOTAL-KEYED": 1_000,
      },
    );
  });

  it("refuses an orderTotal that is not a non-negative safe integer, naming it, and confirms nothing", async () => {
    const code = await singleSlotCode("BADTOTAL");
    const held = await reserve(code, "careful-buyer");
    for (const orderTotal of [-1, 12.5, "939", Number.MAX_SAFE_INTEGER + 1, null]) {
      const refused = await checkout<{ error: { code: string; details: { fields: { path: string }[] } } }>(
        "POST",
        `/v1/reservations/${held.body.id}/confirm`,
        { orderNumber: "ORD-BAD-TOTAL", orderTotal },
      );
      expect([refused.status, refused.body.error.code], String(orderTotal)).toEqual([
        400,
        "VALIDATION_ERROR",
      ]);
      expect(new Set(refused.body.error.details.fields.map((field) => field.path))).toEqual(
        new Set(["orderTotal"]),
      );
    }
    expect((await checkout("GET", `/v1/reservations/${held.body.id}`)).body.status).toBe("RESERVED");
    // Unknown fields are still ignored, as before.
    const confirmed = await checkout("POST", `/v1/reservations/${held.body.id}/confirm`, {
      orderNumber: "ORD-BAD-TOTAL",
      orderTotal: 0,
      note: "not a field",
    });
    expect([confirmed.status, confirmed.body.status]).toEqual([200, "CONFIRMED"]);
  });

  it("a late confirm after expiry succeeds only while the code still has room", async () => {
    const code = await singleSlotCode("LATE");
    const held = await reserve(code, "slow-buyer");
    await new Promise((resolve) => setTimeout(resolve, HOLD_MS + 300));
    const lateButFree = await checkout("POST", `/v1/reservations/${held.body.id}/confirm`, {
      orderNumber: "ORDER-LATE-1",
    });
    expect(lateButFree.status).toBe(200);
    expect(lateButFree.body.status).toBe("CONFIRMED");

    const code2 = await singleSlotCode("LATE2");
    const first = await reserve(code2, "slow");
    await new Promise((resolve) => setTimeout(resolve, HOLD_MS + 300));
    expect((await reserve(code2, "fast")).status).toBe(200);
    const tooLate = await checkout("POST", `/v1/reservations/${first.body.id}/confirm`, {
      orderNumber: "ORDER-LATE-2",
    });
    expect(tooLate.status).toBe(409);
    expect(tooLate.body.error?.code).toBe("USAGE_LIMIT_REACHED");
  });

  it("a late confirm is refused when the campaign would now give the hold another discount", async () => {
    const code = `TERMS${Date.now().toString(36).toUpperCase()}`;
    const { campaignId } = await createLiveCampaign(gatewayUrl, system.store.keys.merchant, {
      code,
      usageLimit: 1,
      oncePerAccount: false,
      amount: 500,
      terms: { productIds: ["P-1", "P-2"] },
    });
    const cart = {
      currency: "TWD",
      items: [
        { productId: "P-1", unitPrice: 990, quantity: 1 },
        { productId: "P-2", unitPrice: 50, quantity: 1 },
      ],
      shipping: 0,
    };
    const held = await reserve(code, "terms-buyer", {}, cart);
    expect([held.status, (held.body as Answer & { discount?: number }).discount]).toEqual([200, 500]);
    expect((await checkout("POST", `/v1/reservations/${held.body.id}/release`)).body.status).toBe("RELEASED");
    const patch = (productIds: string[]) =>
      api(gatewayUrl, system.store.keys.merchant, "PATCH", `/v1/campaigns/${campaignId}`, { productIds });
    const confirm = () =>
      checkout<Answer & { discount?: number }>("POST", `/v1/reservations/${held.body.id}/confirm`, {
        orderNumber: `ORDER-${code}`,
      });

    // Now only P-2 (50) is eligible: the code would give 50 off, not the 500 the hold carries.
    expect((await patch(["P-2"])).status).toBe(200);
    const changed = await confirm();
    expect([changed.status, changed.body.error?.code]).toEqual([409, "RESERVATION_EXPIRED"]);
    // On its terms again, it is confirmed with the discount it holds.
    expect((await patch(["P-1", "P-2"])).status).toBe(200);
    const same = await confirm();
    expect([same.status, same.body.status, same.body.discount]).toEqual([200, "CONFIRMED", 500]);
  });

  it("Idempotency-Key replays the first answer and never takes a second hold", async () => {
    const code = await singleSlotCode("IDEM");
    const key = { "idempotency-key": `idem-${Date.now()}` };
    const first = await reserve(code, "retrier", key);
    const second = await reserve(code, "retrier", key);
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    // Codes match in any letter case: the same code typed in lower case is the same request.
    const lowerCase = await reserve(code.toLowerCase(), "retrier", key);
    expect([lowerCase.status, lowerCase.body]).toEqual([200, first.body]);
    // Member groups are a set: in another order, or one named twice, the request is the same.
    const groupsKey = { "idempotency-key": `groups-${Date.now()}` };
    const withGroups = (memberGroups: string[]) =>
      checkout(
        "POST",
        "/v1/reservations",
        { code, accountId: "grouped", memberGroups, cart: FLASH_CART },
        groupsKey,
      );
    const grouped = await withGroups(["gold", "staff"]);
    const regrouped = await withGroups(["staff", "gold", "staff"]);
    // The one slot is held: the retry replays the first refusal (not IDEMPOTENCY_KEY_REUSED).
    expect([regrouped.status, regrouped.body.error?.code, regrouped.body.error?.details]).toEqual([
      409,
      "USAGE_LIMIT_REACHED",
      grouped.body.error?.details,
    ]);
    const concurrent = await Promise.all(
      [1, 2, 3].map(() => reserve(code, "racer", { "idempotency-key": "race-key" })),
    );
    const ids = new Set(concurrent.map((response) => response.body.id ?? response.body.error?.details?.id));
    expect(ids.size).toBe(1);
    const reused = await reserve(code, "someone-else", key);
    expect(reused.status).toBe(422);
    expect(reused.body.error?.code).toBe("IDEMPOTENCY_KEY_REUSED");
    // Like every refusal, it names the request by id and acceptance sequence (a later one).
    expect(reused.body.error?.details).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      sequence: expect.any(Number),
      idempotencyKey: key["idempotency-key"],
    });
    expect(reused.body.error?.details?.id).not.toBe(first.body.id);
    expect(reused.body.error?.details?.sequence).toBeGreaterThan(first.body.sequence ?? 0);
    // The id it names answers the same refusal, as it would had the request been answered 202.
    const named = await checkout("GET", `/v1/reservations/${reused.body.error?.details?.id}`);
    expect([named.status, named.body.error?.code]).toEqual([422, "IDEMPOTENCY_KEY_REUSED"]);
    const holds = await ctx.db.database.prisma.reservation.count({ where: { accountId: "retrier" } });
    expect(holds).toBe(1);

    const releaseKey = { "idempotency-key": `rel-${Date.now()}` };
    const released = await checkout(
      "POST",
      `/v1/reservations/${first.body.id}/release`,
      undefined,
      releaseKey,
    );
    const replayed = await checkout(
      "POST",
      `/v1/reservations/${first.body.id}/release`,
      undefined,
      releaseKey,
    );
    expect({ status: replayed.status, body: replayed.body }).toEqual({
      status: released.status,
      body: released.body,
    });
  });

  it("an Idempotency-Key sent to release or confirm another reservation is refused, not applied", async () => {
    const [a, b] = await Promise.all([singleSlotCode("KEYA"), singleSlotCode("KEYB")]);
    const [heldA, heldB] = await Promise.all([reserve(a, "key-a"), reserve(b, "key-b")]);
    const confirmKey = { "idempotency-key": `confirm-${Date.now()}` };
    const confirm = (id: string) =>
      checkout("POST", `/v1/reservations/${id}/confirm`, { orderNumber: "O-1" }, confirmKey);
    expect((await confirm(heldA.body.id)).status).toBe(200);
    const other = await confirm(heldB.body.id);
    expect([other.status, other.body.error?.code]).toEqual([422, "IDEMPOTENCY_KEY_REUSED"]);
    expect((await confirm(heldA.body.id)).body.status).toBe("CONFIRMED");

    const releaseKey = { "idempotency-key": `release-${Date.now()}` };
    const [heldC, heldD] = await Promise.all([
      reserve(await singleSlotCode("KEYC"), "key-c"),
      reserve(await singleSlotCode("KEYD"), "key-d"),
    ]);
    const release = (id: string) => checkout("POST", `/v1/reservations/${id}/release`, undefined, releaseKey);
    expect((await release(heldC.body.id)).body.status).toBe("RELEASED");
    const otherRelease = await release(heldD.body.id);
    expect([otherRelease.status, otherRelease.body.error?.code]).toEqual([422, "IDEMPOTENCY_KEY_REUSED"]);
    const statuses = await ctx.db.database.prisma.reservation.findMany({
      where: { id: { in: [heldB.body.id, heldD.body.id] } },
      select: { status: true },
    });
    expect(statuses.map((row) => row.status)).toEqual(["RESERVED", "RESERVED"]);
  });

  it("refuses an Idempotency-Key over 255 characters, empty, not ASCII or holding a comma on reserve, release and confirm with 400, changing nothing", async () => {
    const held = await reserve(await singleSlotCode("LONGKEY"), "long-key");
    expect(held.status).toBe(200);
    // Random text does not compress: a key this long once made release and confirm answer 500 (the
    // key is part of a primary key, which PostgreSQL cannot index beyond about 2,700 bytes).
    const random = randomBytes(2_400).toString("base64");
    const refused = [
      [`${"k".repeat(255)}x`, "at most 255 characters"],
      [random, "at most 255 characters"],
      // A client whose key was unset: retries would not be safe, and nothing would say so.
      ["", "must not be empty (leave the header out to send none)"],
      ["  ", "must not be empty (leave the header out to send none)"],
      // Sent as its Latin-1 byte; a UTF-8 key's length would count bytes.
      ["clé-1", "must be printable ASCII"],
      // The header sent twice reaches the gateway as its values joined by ", ": a retry that sent
      // one of them would be another request.
      ["key-a, key-b", "must not hold a comma: send the header once, with one key"],
    ] as const;
    for (const [key, message] of refused) {
      const headers = { "idempotency-key": key };
      const answers = [
        await reserve(await singleSlotCode("LONGKEY2"), "long-key-2", headers),
        await checkout("POST", `/v1/reservations/${held.body.id}/release`, undefined, headers),
        await checkout(
          "POST",
          `/v1/reservations/${held.body.id}/confirm`,
          { orderNumber: "O-LONG" },
          headers,
        ),
      ];
      for (const answer of answers) {
        expect([answer.status, answer.body.error?.details?.fields]).toEqual([
          400,
          [{ path: "Idempotency-Key", message }],
        ]);
      }
    }
    const kept = await checkout("POST", `/v1/reservations/${held.body.id}/release`, undefined, {
      "idempotency-key": "k".repeat(255),
    });
    expect([kept.status, kept.body.status]).toEqual([200, "RELEASED"]);
  });

  it("a retry with the same Idempotency-Key that answered 202 resolves, by GET, to the first request's answer", async () => {
    const code = await singleSlotCode("IDEMPEND");
    const key = { "idempotency-key": `idem-pending-${Date.now()}` };
    const pendingReserve = (accountId: string) =>
      api<Answer>(
        gatewayUrl,
        system.store.keys.checkout,
        "POST",
        "/v1/reservations?wait=0",
        { code, accountId, cart: FLASH_CART },
        key,
      );
    // With no worker running, all three are queued before any is decided: the gateway finds no
    // decision for the key yet, and the worker decides the second and third as repeats of the first.
    await Promise.all(system.workers.map((worker) => worker.stop()));
    const first = await pendingReserve("patient");
    const retry = await pendingReserve("patient");
    const reused = await pendingReserve("someone-else");
    for (const answer of [first, retry, reused]) expect(answer.status).toBe(202);
    expect(new Set([first.body.id, retry.body.id, reused.body.id]).size).toBe(3);
    system.startWorker("worker-after-pause");

    const decided = (id: string) =>
      eventually(
        async () => {
          const polled = await checkout("GET", `/v1/reservations/${id}`);
          return polled.status === 202 ? null : polled;
        },
        `reservation ${id} decided`,
        20_000,
      );
    const firstDecided = await decided(first.body.id);
    expect([firstDecided.status, firstDecided.body.id, firstDecided.body.status]).toEqual([
      200,
      first.body.id,
      "RESERVED",
    ]);
    const retryDecided = await decided(retry.body.id);
    expect({ status: retryDecided.status, body: retryDecided.body }).toEqual({
      status: 200,
      body: firstDecided.body,
    });
    const reusedDecided = await decided(reused.body.id);
    expect([reusedDecided.status, reusedDecided.body.error?.code]).toEqual([422, "IDEMPOTENCY_KEY_REUSED"]);
    expect(reusedDecided.body.error?.details).toEqual({
      id: reused.body.id,
      sequence: reused.body.sequence,
      idempotencyKey: key["idempotency-key"],
    });
    expect(await ctx.db.database.prisma.reservation.count({ where: { codeInput: code } })).toBe(1);

    // Confirm and release through the repeat's id act on the reservation its GET answers with.
    const confirmed = await checkout("POST", `/v1/reservations/${retry.body.id}/confirm`, {
      orderNumber: "ORDER-IDEMPEND",
    });
    expect([confirmed.status, confirmed.body.id, confirmed.body.status, confirmed.body.orderNumber]).toEqual([
      200,
      first.body.id,
      "CONFIRMED",
      "ORDER-IDEMPEND",
    ]);
    const released = await checkout("POST", `/v1/reservations/${retry.body.id}/release`);
    expect([released.status, released.body.error?.code]).toEqual([409, "RESERVATION_NOT_RESERVED"]);
    expect(released.body.error?.details?.id).toBe(first.body.id);
    const byFirstId = await checkout("GET", `/v1/reservations/${first.body.id}`);
    expect([byFirstId.body.status, byFirstId.body.orderNumber]).toEqual(["CONFIRMED", "ORDER-IDEMPEND"]);
    const reusedRelease = await checkout("POST", `/v1/reservations/${reused.body.id}/release`);
    expect([reusedRelease.status, reusedRelease.body.error?.code]).toEqual([422, "IDEMPOTENCY_KEY_REUSED"]);
  });

  it("a keyed release refused while the request was PENDING is not replayed: the same key releases it once decided", async () => {
    const code = await singleSlotCode("RELPEND");
    await Promise.all(system.workers.map((worker) => worker.stop()));
    const pending = await api<Answer>(
      gatewayUrl,
      system.store.keys.checkout,
      "POST",
      "/v1/reservations?wait=0",
      { code, accountId: "early-release", cart: FLASH_CART },
    );
    expect(pending.status).toBe(202);
    const key = { "idempotency-key": `release-pending-${Date.now()}` };
    const tooEarly = await checkout("POST", `/v1/reservations/${pending.body.id}/release`, undefined, key);
    expect([tooEarly.status, tooEarly.body.error?.code, tooEarly.body.error?.details]).toEqual([
      409,
      "RESERVATION_NOT_RESERVED",
      { id: pending.body.id, status: "PENDING" },
    ]);
    system.startWorker("worker-after-release");
    await eventually(
      async () => (await checkout("GET", `/v1/reservations/${pending.body.id}`)).body.status === "RESERVED",
      "the reservation decided",
      20_000,
    );

    const released = await checkout("POST", `/v1/reservations/${pending.body.id}/release`, undefined, key);
    expect([released.status, released.body.id, released.body.status]).toEqual([
      200,
      pending.body.id,
      "RELEASED",
    ]);
    const replayed = await checkout("POST", `/v1/reservations/${pending.body.id}/release`, undefined, key);
    expect({ status: replayed.status, body: replayed.body }).toEqual({ status: 200, body: released.body });
  });

  it("another store's reservation answers 404", async () => {
    const code = await singleSlotCode("ISO");
    const held = await reserve(code, "owner");
    const { seedStore } = await import("@promo/testing");
    const stranger = await seedStore(ctx.db.database.prisma, "stranger");
    const peek = await api(gatewayUrl, stranger.keys.checkout, "GET", `/v1/reservations/${held.body.id}`);
    expect(peek.status).toBe(404);
    const release = await api(
      gatewayUrl,
      stranger.keys.checkout,
      "POST",
      `/v1/reservations/${held.body.id}/release`,
    );
    expect(release.status).toBe(404);
  });
});
