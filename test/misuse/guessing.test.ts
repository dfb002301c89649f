// Code guessing (docs/api.md "Misuse monitoring"): failed code attempts are counted per account and per
// client IP; at the limit the next attempt gets 429 RATE_LIMITED with Retry-After before anything
// is queued. Gateway and worker as separate processes; TRUST_PROXY=true so X-Forwarded-For varies
// the client IP.
import { createTestContext, eventually, type TestContext } from "@promo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, createLiveCampaign, FLASH_CART, type System, startSystem } from "../support/system.ts";

const PER_ACCOUNT = 3;
const PER_IP = 5;
const WINDOW_SECONDS = 60;

let ctx: TestContext;
let system: System;
let gatewayUrl: string;
/** Live, unlimited. */
let liveCode: string;
/** Live, its one use already held: every reservation gets USAGE_LIMIT_REACHED. */
let fullCode: string;
let expiredCode: string;

type Answer = {
  status: number;
  retryAfter: string | null;
  body: {
    status?: string;
    refused?: { code: string; error: { code: string; details?: { retryAfterSeconds?: number } } }[];
    error?: { code: string; requestId?: string | null; details?: { retryAfterSeconds?: number } };
  };
};

/** A checkout call as the shopper at `ip` (the checkout service forwards the shopper's address). */
async function checkoutAs(
  ip: string,
  path: string,
  body: unknown,
  url = gatewayUrl,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(`${url}${path}`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${system.store.keys.checkout}`,
      "content-type": "application/json",
      "x-forwarded-for": `${ip}, 10.255.0.1`,
      ...headers,
    },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    retryAfter: response.headers.get("retry-after"),
    body: (await response.json()) as Answer["body"],
  };
}

function reserve(ip: string, accountId: string, code: string, url = gatewayUrl, wait = 5_000) {
  return checkoutAs(ip, `/v1/reservations?wait=${wait}`, { code, accountId, cart: FLASH_CART }, url);
}

function reserveWithKey(ip: string, accountId: string, code: string, idempotencyKey: string) {
  return checkoutAs(ip, "/v1/reservations?wait=5000", { code, accountId, cart: FLASH_CART }, gatewayUrl, {
    "idempotency-key": idempotencyKey,
  });
}

function quote(ip: string, accountId: string, codes: string[]) {
  return checkoutAs(ip, "/v1/checkout/quote", { codes, accountId, cart: FLASH_CART });
}

function expectRateLimited(answer: Answer, windowSeconds = WINDOW_SECONDS): void {
  expect([answer.status, answer.body.error?.code]).toEqual([429, "RATE_LIMITED"]);
  const retryAfter = Number(answer.retryAfter);
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
  expect(answer.body.error?.details?.retryAfterSeconds).toBe(retryAfter);
}

async function reservationCount(accountId: string): Promise<number> {
  return ctx.db.database.prisma.reservation.count({ where: { accountId } });
}

beforeAll(async () => {
  ctx = await createTestContext("misuse-guessing");
  system = await startSystem(ctx, {
    gateways: 1,
    workers: 1,
    env: {
      GUESS_LIMIT_PER_ACCOUNT: String(PER_ACCOUNT),
      GUESS_LIMIT_PER_IP: String(PER_IP),
      GUESS_WINDOW_SECONDS: String(WINDOW_SECONDS),
      TRUST_PROXY: "true",
    },
  });
  gatewayUrl = system.gateways[0]?.url ?? "";
  const stamp = Date.now().toString(36).toUpperCase();
  liveCode = `LIVE${stamp}`;
  fullCode = `FULL${stamp}`;
  expiredCode = `GONE${stamp}`;
  await createLiveCampaign(gatewayUrl, system.store.keys.merchant, {
    code: liveCode,
    usageLimit: null,
    oncePerAccount: false,
  });
  await createLiveCampaign(gatewayUrl, system.store.keys.merchant, {
    code: fullCode,
    usageLimit: 1,
    oncePerAccount: false,
  });
  const holder = await reserve("198.51.100.200", "first-holder", fullCode);
  expect(holder.status).toBe(200);
  await createLiveCampaign(gatewayUrl, system.store.keys.merchant, {
    code: expiredCode,
    usageLimit: null,
    oncePerAccount: false,
  });
  const expired = await api(
    gatewayUrl,
    system.store.keys.merchant,
    "POST",
    `/v1/codes/${expiredCode}/expire`,
  );
  expect(expired.status).toBe(200);
});

afterAll(async () => {
  await system?.stop();
  await ctx?.cleanup();
});

describe("guess rate limit per account", () => {
  it("the N+1th failed attempt of an account gets 429 with Retry-After, before anything is queued", async () => {
    const ip = "198.51.100.1";
    const guesser = "guesser-account";
    // Failed attempts: no such code (twice) and an expired code (CODE_NOT_ACTIVE counts too).
    const first = await reserve(ip, guesser, "NOSUCHCODE1");
    const second = await reserve(ip, guesser, "NOSUCHCODE2");
    const third = await reserve(ip, guesser, expiredCode);
    expect([first.status, first.body.error?.code]).toEqual([404, "CODE_NOT_FOUND"]);
    expect([second.status, second.body.error?.code]).toEqual([404, "CODE_NOT_FOUND"]);
    expect([third.status, third.body.error?.code]).toEqual([422, "CODE_NOT_ACTIVE"]);
    expect(await reservationCount(guesser)).toBe(PER_ACCOUNT);

    // The same answer whatever the code: even the live code is refused now, and nothing is queued.
    expectRateLimited(await reserve(ip, guesser, "NOSUCHCODE3"));
    expectRateLimited(await reserve(ip, guesser, liveCode));
    expectRateLimited(await quote(ip, guesser, [liveCode]));
    expect(await reservationCount(guesser)).toBe(PER_ACCOUNT);

    // The limit is the account's: another account (from another address) still checks out.
    const honest = await reserve("198.51.100.2", "honest-account", liveCode);
    expect([honest.status, honest.body.status]).toEqual([200, "RESERVED"]);
  });

  it("a retry with its Idempotency-Key answers its first result at the limit; another body under the key is limited", async () => {
    const ip = "198.51.100.11";
    const shopper = "retrying-shopper";
    const held = await reserveWithKey(ip, shopper, liveCode, "retry-held");
    expect([held.status, held.body.status]).toEqual([200, "RESERVED"]);
    const miss = await reserveWithKey(ip, shopper, "RETRYMISS1", "retry-miss");
    expect([miss.status, miss.body.error?.code]).toEqual([404, "CODE_NOT_FOUND"]);
    for (const code of ["RETRYMISS2", "RETRYMISS3"]) {
      const another = await reserve(ip, shopper, code);
      expect(another.status).toBe(404);
    }
    expectRateLimited(await reserve(ip, shopper, liveCode));

    // The answers lost on the way are asked for again: the same hold, the same refusal.
    const heldAgain = await reserveWithKey(ip, shopper, liveCode.toLowerCase(), "retry-held");
    expect([heldAgain.status, heldAgain.body]).toEqual([200, held.body]);
    const missAgain = await reserveWithKey(ip, shopper, "RETRYMISS1", "retry-miss");
    // The same refusal of the same reservation; only the answer's own requestId is new.
    expect([missAgain.status, { ...missAgain.body.error, requestId: null }]).toEqual([
      404,
      { ...miss.body.error, requestId: null },
    ]);
    // A key with another body, or one never sent, is a new request: limited, nothing queued.
    expectRateLimited(await reserveWithKey(ip, shopper, "RETRYMISS4", "retry-held"));
    expectRateLimited(await reserveWithKey(ip, shopper, liveCode, "retry-new"));
    expect(await reservationCount(shopper)).toBe(PER_ACCOUNT + 1);
  });

  it("refusals of a real, live code (usage limit reached) are not failed attempts", async () => {
    const ip = "198.51.100.3";
    const shopper = "late-shopper";
    for (let attempt = 0; attempt < PER_ACCOUNT + 2; attempt += 1) {
      const late = await reserve(ip, shopper, fullCode);
      expect([late.status, late.body.error?.code]).toEqual([409, "USAGE_LIMIT_REACHED"]);
    }
    expect(await reservationCount(shopper)).toBe(PER_ACCOUNT + 2);
    // Counted while in flight, they were taken back once decided: with a live code won too, the
    // shopper still has all of its failed attempts left.
    const won = await reserve(ip, shopper, liveCode);
    expect([won.status, won.body.status]).toEqual([200, "RESERVED"]);
    for (let attempt = 0; attempt < PER_ACCOUNT; attempt += 1) {
      const miss = await reserve(ip, shopper, `LATEMISS${attempt}`);
      expect([miss.status, miss.body.error?.code]).toEqual([404, "CODE_NOT_FOUND"]);
    }
    expectRateLimited(await reserve(ip, shopper, "LATEMISSX"));
  });

  it("each refused code of a quote counts; a quote at the limit gets 429 too", async () => {
    const ip = "198.51.100.4";
    const quoter = "quoting-guesser";
    const answer = await quote(ip, quoter, ["GUESSAAAA1", "GUESSAAAA2", fullCode]);
    expect(answer.status).toBe(200);
    expect(answer.body.refused?.map((entry) => entry.error.code)).toEqual([
      "CODE_NOT_FOUND",
      "CODE_NOT_FOUND",
      "USAGE_LIMIT_REACHED",
    ]);
    const third = await quote(ip, quoter, ["GUESSAAAA3"]);
    expect(third.status).toBe(200);
    expectRateLimited(await quote(ip, quoter, ["GUESSAAAA4"]));
    expectRateLimited(await reserve(ip, quoter, "GUESSAAAA5"));
  });

  it("one quote of many codes makes no more failed attempts than the account has left", async () => {
    const ip = "198.51.100.8";
    const quoter = "many-codes-guesser";
    const first = await quote(ip, quoter, ["GUESSBBBB1"]);
    expect(first.body.refused?.map((entry) => entry.error.code)).toEqual(["CODE_NOT_FOUND"]);
    // Two failures left: the third unknown code and the live one after it are not looked at.
    const many = await quote(ip, quoter, ["GUESSBBBB2", fullCode, "GUESSBBBB3", "GUESSBBBB4", liveCode]);
    expect(many.status).toBe(200);
    expect(many.body.refused?.map((entry) => [entry.code, entry.error.code])).toEqual([
      ["GUESSBBBB2", "CODE_NOT_FOUND"],
      ["GUESSBBBB3", "CODE_NOT_FOUND"],
      ["GUESSBBBB4", "RATE_LIMITED"],
      [liveCode, "RATE_LIMITED"],
      [fullCode, "USAGE_LIMIT_REACHED"],
    ]);
    // Each code past the limit says when the shopper may try again, as a 429's Retry-After does.
    for (const entry of many.body.refused?.filter((refused) => refused.error.code === "RATE_LIMITED") ?? []) {
      const seconds = entry.error.details?.retryAfterSeconds ?? 0;
      expect(seconds, entry.code).toBeGreaterThan(0);
      expect(seconds, entry.code).toBeLessThanOrEqual(WINDOW_SECONDS);
    }
    expectRateLimited(await quote(ip, quoter, [liveCode]));
  });

  it("a code refused again in the window counts once: re-quoting an expired code never locks a shopper out", async () => {
    const ip = "198.51.100.9";
    const shopper = "re-quoting-shopper";
    // A checkout quotes the cart again on every change, the expired code still typed in.
    for (let attempt = 0; attempt < PER_ACCOUNT + 3; attempt += 1) {
      const again = await quote(ip, shopper, [expiredCode]);
      expect([again.status, again.body.refused?.[0]?.error.code]).toEqual([200, "CODE_NOT_ACTIVE"]);
    }
    // Reserving it, typed in lower case, is the same code again.
    const reserved = await reserve(ip, shopper, expiredCode.toLowerCase());
    expect([reserved.status, reserved.body.error?.code]).toEqual([422, "CODE_NOT_ACTIVE"]);
    const typo = await reserve(ip, shopper, "TYPOCCCC1");
    expect([typo.status, typo.body.error?.code]).toEqual([404, "CODE_NOT_FOUND"]);

    // One new failure left: a code refused before takes none, the first new one the last, and the
    // second new one and every code after it are not told.
    const mixed = await quote(ip, shopper, ["TYPOCCCC1", "TYPOCCCC2", "TYPOCCCC3", expiredCode, liveCode]);
    expect(mixed.body.refused?.map((entry) => [entry.code, entry.error.code])).toEqual([
      ["TYPOCCCC1", "CODE_NOT_FOUND"],
      ["TYPOCCCC2", "CODE_NOT_FOUND"],
      ["TYPOCCCC3", "RATE_LIMITED"],
      [expiredCode, "RATE_LIMITED"],
      [liveCode, "RATE_LIMITED"],
    ]);
    expectRateLimited(await quote(ip, shopper, [liveCode]));
  });

  it("parallel quotes and reservations of one account cannot pass the limit between them", async () => {
    const ip = "198.51.100.10";
    const burster = "parallel-guesser";
    const quotes = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        quote(
          ip,
          burster,
          Array.from({ length: 5 }, (_, code) => `BURSTQ${index}X${code}`),
        ),
      ),
    );
    const reservations = await Promise.all(
      Array.from({ length: 40 }, (_, index) => reserve(ip, burster, `BURSTR${index}XX`, gatewayUrl, 0)),
    );
    const told =
      quotes
        .flatMap((answer) => answer.body.refused ?? [])
        .filter((entry) => entry.error.code === "CODE_NOT_FOUND").length +
      reservations.filter((answer) => answer.status !== 429).length;
    // Each answer either tells (CODE_NOT_FOUND, or a reservation queued to be told) or is limited:
    // no more than PER_ACCOUNT codes are told between them all.
    expect(told).toBeGreaterThan(0);
    expect(told).toBeLessThanOrEqual(PER_ACCOUNT);
    expect(reservations.every((answer) => [202, 404, 429].includes(answer.status))).toBe(true);
  });

  it("a reservation counts from when it is queued: wait=0 and polling are no way around the limit", async () => {
    const ip = "198.51.100.5";
    const poller = "polling-guesser";
    const answers = await Promise.all(
      ["POLLMISS1", "POLLMISS2", "POLLMISS3"].map((code) => reserve(ip, poller, code, gatewayUrl, 0)),
    );
    for (const answer of answers) {
      // Usually 202 PENDING; 404 when the decision beat the zero wait. Either way it is counted.
      expect([202, 404]).toContain(answer.status);
    }
    // A quote of the live code fails nothing, yet is limited at once: the three are counted while
    // they wait to be decided, and stay counted once refused.
    expectRateLimited(await quote(ip, poller, [liveCode]));
    await eventually(
      async () => ((await reservationCount(poller)) === PER_ACCOUNT ? true : null),
      "the three to be decided",
    );
    expectRateLimited(await quote(ip, poller, [liveCode]));
  });
});

describe("guess rate limit per client IP", () => {
  it("once an IP has N failures, a fresh account from that IP is limited; the same account elsewhere is not", async () => {
    const ip = "203.0.113.7";
    for (let index = 0; index < PER_IP; index += 1) {
      const miss = await reserve(ip, `ip-guesser-${index}`, `IPGUESS${index}XX`);
      expect([miss.status, miss.body.error?.code]).toEqual([404, "CODE_NOT_FOUND"]);
    }
    const fresh = "ip-fresh-account";
    expectRateLimited(await reserve(ip, fresh, "IPGUESSNEXT"));
    expectRateLimited(await quote(ip, fresh, ["IPGUESSNEXT"]));
    expect(await reservationCount(fresh)).toBe(0);

    const elsewhere = await quote("203.0.113.8", fresh, ["IPGUESSNEXT"]);
    expect(elsewhere.status).toBe(200);
    expect(elsewhere.body.refused?.[0]?.error.code).toBe("CODE_NOT_FOUND");
  });
});

describe("the window", () => {
  it("frees up after Retry-After seconds", async () => {
    const shortWindow = await system.startGateway("gateway-short-window", {
      GUESS_LIMIT_PER_ACCOUNT: "1",
      GUESS_WINDOW_SECONDS: "2",
    });
    const ip = "192.0.2.10";
    const miss = await reserve(ip, "patient-guesser", "WINDOWMISS1", shortWindow.url);
    expect(miss.status).toBe(404);
    const limited = await reserve(ip, "patient-guesser", "WINDOWMISS2", shortWindow.url);
    expectRateLimited(limited, 2);
    await new Promise((resolve) => setTimeout(resolve, Number(limited.retryAfter) * 1000 + 200));
    const again = await reserve(ip, "patient-guesser", "WINDOWMISS3", shortWindow.url);
    expect([again.status, again.body.error?.code]).toEqual([404, "CODE_NOT_FOUND"]);
  });
});
