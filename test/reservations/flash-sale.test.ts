import { createTestContext, type TestContext } from "@promo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectFirstDistinctAccountsWon, flashBurst } from "../support/reservations.ts";
import { createLiveCampaign, type System, startSystem } from "../support/system.ts";

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

describe("flash sale: usageLimit 11, once per account, 2 gateways, 2 workers", () => {
  for (const round of [1, 2, 3]) {
    it(`round ${round}: exactly the first 11 distinct accounts by sequence win`, async () => {
      const code = `FLASH${round}X${Date.now().toString(36).toUpperCase()}`;
      const { codeId } = await createLiveCampaign(system.gateways[0]?.url ?? "", system.store.keys.merchant, {
        code,
        usageLimit: LIMIT,
        oncePerAccount: true,
      });

      const answers = await flashBurst(system, code, ACCOUNTS, round * 7_919);
      expect(answers).toHaveLength(2 * ACCOUNTS);
      expectFirstDistinctAccountsWon(answers, LIMIT);

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
