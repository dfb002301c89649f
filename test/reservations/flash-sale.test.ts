import { createTestContext, type TestContext } from "@promo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ReservationAnswer, readAnswer, shuffle } from "../support/reservations.ts";
import { api, createLiveCampaign, FLASH_CART, type System, startSystem } from "../support/system.ts";

const ACCOUNTS = 1_000;
const LIMIT = 11;

let ctx: TestContext;
let system: System;

beforeAll(async () => {
  ctx = await createTestContext("flash");
  system = await startSystem(ctx, { gateways: 2, workers: 2 });
});

afterAll(async () => {
  await system?.stop();
  await ctx?.cleanup();
});

/** 2,000 requests (each account twice) fired at once, spread over both gateways in random order. */
async function burst(code: string, seed: number): Promise<ReservationAnswer[]> {
  const accounts = Array.from({ length: ACCOUNTS }, (_, index) => `acct-${seed}-${index}`);
  const requests = shuffle([...accounts, ...accounts], seed);
  return Promise.all(
    requests.map(async (accountId, index) => {
      const gateway = system.gateways[index % system.gateways.length];
      if (!gateway) throw new Error("no gateway");
      const response = await api(
        gateway.url,
        system.store.keys.checkout,
        "POST",
        "/v1/reservations?wait=30000",
        {
          code,
          accountId,
          cart: FLASH_CART,
        },
      );
      return readAnswer(accountId, response);
    }),
  );
}

describe("flash sale: usageLimit 11, once per account, 2 gateways, 2 workers", () => {
  for (const round of [1, 2, 3]) {
    it(`round ${round}: exactly the first 11 distinct accounts by sequence win`, async () => {
      const code = `FLASH${round}X${Date.now().toString(36).toUpperCase()}`;
      const { codeId } = await createLiveCampaign(system.gateways[0]?.url ?? "", system.store.keys.merchant, {
        code,
        usageLimit: LIMIT,
        oncePerAccount: true,
      });

      const answers = await burst(code, round * 7_919);
      expect(answers).toHaveLength(2 * ACCOUNTS);
      expect(answers.filter((answer) => answer.outcome === "PENDING")).toEqual([]);

      const bySequence = [...answers].sort((a, b) => a.sequence - b.sequence);
      expect(new Set(answers.map((answer) => answer.sequence)).size).toBe(answers.length);
      expect(new Set(answers.map((answer) => answer.id)).size).toBe(answers.length);

      const firstDistinct: string[] = [];
      for (const answer of bySequence) {
        if (firstDistinct.length === LIMIT) break;
        if (!firstDistinct.includes(answer.accountId)) firstDistinct.push(answer.accountId);
      }
      const winners = answers.filter((answer) => answer.outcome === "RESERVED");
      expect(winners.map((answer) => answer.status)).toEqual(new Array(LIMIT).fill(200));
      expect(new Set(winners.map((answer) => answer.accountId))).toEqual(new Set(firstDistinct));

      const winnerSet = new Set(firstDistinct);
      const winningIds = new Set(winners.map((answer) => answer.id));
      for (const answer of answers) {
        if (winningIds.has(answer.id)) continue;
        expect(answer.status).toBe(409);
        expect(answer.outcome).toBe(
          winnerSet.has(answer.accountId) ? "ACCOUNT_LIMIT_REACHED" : "USAGE_LIMIT_REACHED",
        );
      }

      const rows = await ctx.db.database.prisma.reservation.findMany({ where: { codeId } });
      expect(rows).toHaveLength(2 * ACCOUNTS);
      const stored = new Map(rows.map((row) => [row.id, row]));
      for (const answer of answers) {
        const row = stored.get(answer.id);
        expect(row?.accountId).toBe(answer.accountId);
        expect(Number(row?.sequence)).toBe(answer.sequence);
        if (answer.outcome === "RESERVED") expect(row?.status).toBe("RESERVED");
        else expect([row?.status, row?.errorCode]).toEqual(["REJECTED", answer.outcome]);
      }
    });
  }
});
