// The outbox relay after PostgreSQL dropped its connections (a restart, a failover): its leader
// connection, and the advisory lock with it, are gone, so it connects again at once instead of
// failing more rounds on the broken connection first; and while PostgreSQL stays away it says so once,
// not at every attempt. Real processes, real PostgreSQL and Kafka.
import {
  createTestContext,
  eventually,
  logLines,
  startTcpProxyFor,
  type TestContext,
  waitForOutput,
} from "@promo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, createLiveCampaign, FLASH_CART, type System, startSystem } from "../support/system.ts";

let ctx: TestContext;
let system: System;

beforeAll(async () => {
  ctx = await createTestContext("relay-reconnect");
  system = await startSystem(ctx, { gateways: 1, workers: 1 });
});

afterAll(async () => {
  await system?.stop();
  await ctx?.cleanup();
});

const FAILED_ROUND = "relay round failed";
const LEADER = "outbox relay is the publisher";

function count(text: string, phrase: string): number {
  return text.split(phrase).length - 1;
}

describe("the outbox relay", () => {
  it("connects again at once when PostgreSQL drops its connection: one failed round, then the rows go out", async () => {
    const relay = system.startProcess("outbox-relay", "outbox-relay", { LOG_LEVEL: "info" });
    await waitForOutput(relay, LEADER);
    const dropped = await ctx.db.database.pool.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    );
    expect(dropped.rowCount).toBeGreaterThan(0);

    const gatewayUrl = system.gateways[0]?.url ?? "";
    const code = `RECONNECT${Date.now().toString(36).toUpperCase()}`;
    await createLiveCampaign(gatewayUrl, system.store.keys.merchant, {
      code,
      usageLimit: 5,
      oncePerAccount: false,
    });
    const held = await api(gatewayUrl, system.store.keys.checkout, "POST", "/v1/reservations", {
      code,
      accountId: "after-the-drop",
      cart: FLASH_CART,
    });
    expect(held.status).toBe(200);
    await eventually(
      async () => (await ctx.db.database.prisma.outboxEvent.count({ where: { publishedAt: null } })) === 0,
      "the outbox published",
      30_000,
    );
    expect(count(relay.output(), FAILED_ROUND)).toBe(1);
    expect(count(relay.output(), LEADER)).toBe(2);
    await relay.stop();
  });

  it("warns once while PostgreSQL stays away, however many seconds it tries, and says once when it is back", async () => {
    const { proxy, url } = await startTcpProxyFor(ctx.db.url, 5432);
    try {
      const relay = system.startProcess("outbox-relay", "outbox-relay-behind-proxy", {
        LOG_LEVEL: "info",
        DATABASE_URL: url,
      });
      await waitForOutput(relay, LEADER);
      await proxy.cut();
      // The relay tries to connect again every second.
      await new Promise((resolve) => setTimeout(resolve, 4_500));
      await proxy.restore();
      await waitForOutput(relay, "postgresql reachable again");
      await eventually(async () => count(relay.output(), LEADER) === 2, "the relay publishing again");
      const lines = logLines(relay);
      expect(lines.filter((line) => line.msg.startsWith("postgresql unreachable"))).toHaveLength(1);
      const back = lines.filter((line) => line.msg === "postgresql reachable again");
      expect(back).toHaveLength(1);
      expect(back[0]?.failedAttempts).toBeGreaterThanOrEqual(4);
      // The attempts in between are at debug, below this process's level.
      expect(lines.filter((line) => line.level === "warn" && /reach PostgreSQL/.test(line.msg))).toEqual([]);
    } finally {
      await proxy.close();
    }
  });
});
