// The same services on a real Redis Cluster (three masters from the machine's redis-server): every
// key of a partition, a queue or a store carries its hash tag, so BullMQ's scripts, the leases, the
// job-id floor and the guess limits each stay in one slot while the partitions spread over the nodes.
import { normalizeCodeKey } from "@promo/domain";
import { partitionKey, partitionOf } from "@promo/queue";
import {
  createTestContext,
  type LocalRedisCluster,
  startRedisCluster,
  type TestContext,
  withNode,
} from "@promo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmptyCampaign, waitForJob } from "../support/code-jobs.ts";
import { expectFirstDistinctAccountsWon, expectRecordAgrees, flashBurst } from "../support/reservations.ts";
import { api, createLiveCampaign, SYSTEM_PARTITIONS, type System, startSystem } from "../support/system.ts";

const ACCOUNTS = 500;
const LIMIT = 11;

let ctx: TestContext;
let cluster: LocalRedisCluster;
let system: System;

beforeAll(async () => {
  ctx = await createTestContext("redis-cluster");
  cluster = await startRedisCluster(3);
  // Registered first, so it runs after the system (stopped in afterAll) and before the database drop.
  ctx.onCleanup(() => cluster.stop());
  system = await startSystem(ctx, {
    gateways: 2,
    workers: 2,
    env: { REDIS_URL: cluster.seedUrl, REDIS_CLUSTER: "true" },
  });
}, 120_000);

afterAll(async () => {
  await system?.stop();
  await ctx?.cleanup();
});

/** Keys under the test's prefix on each node (SCAN on that node alone). */
async function keysPerNode(): Promise<Map<number, string[]>> {
  const perNode = new Map<number, string[]>();
  for (const node of cluster.nodes) {
    const keys = await withNode(node.port, async (redis) => {
      const found: string[] = [];
      let cursor = "0";
      do {
        const [next, batch] = await redis.scan(cursor, "MATCH", `${ctx.queuePrefix}:*`, "COUNT", 1_000);
        found.push(...batch);
        cursor = next;
      } while (cursor !== "0");
      return found;
    });
    perNode.set(node.port, keys);
  }
  return perNode;
}

describe("on a Redis Cluster (REDIS_CLUSTER=true): 2 gateways, 2 workers, 3 masters", () => {
  it("decides a flash sale for exactly the first 11 distinct accounts, with the queues spread over the nodes", async () => {
    const code = `CLUSTER${Date.now().toString(36).toUpperCase()}`;
    const { codeId } = await createLiveCampaign(system.gateways[0]?.url ?? "", system.store.keys.merchant, {
      code,
      usageLimit: LIMIT,
      oncePerAccount: true,
    });

    const answers = await flashBurst(system, code, ACCOUNTS, 104_729);
    expect(answers).toHaveLength(2 * ACCOUNTS);
    expectFirstDistinctAccountsWon(answers, LIMIT);
    await expectRecordAgrees(ctx.db.database, codeId, answers, LIMIT);

    // The code's partition queue lives on the node that serves its hash tag's slot, and only there.
    const partition = partitionOf(system.store.storeId, normalizeCodeKey(code), Number(SYSTEM_PARTITIONS));
    const idKey = partitionKey(ctx.queuePrefix, partition, "id");
    const slot = Number(
      await withNode(cluster.nodes[0]?.port ?? 0, (redis) => redis.call("CLUSTER", "KEYSLOT", idKey)),
    );
    const perNode = await keysPerNode();
    const home = cluster.nodeOf(slot).port;
    for (const [port, keys] of perNode)
      expect(keys.includes(idKey), `${idKey} on node ${port}`).toBe(port === home);
    // The partitions' leases, queues and the store's guess counters are spread: no node holds them all.
    const used = [...perNode.values()].filter((keys) => keys.length > 0).length;
    expect(used).toBeGreaterThanOrEqual(2);
  });

  it("runs a code generation job through the code jobs worker's queue", async () => {
    system.startProcess("code-jobs-worker", "code-jobs", { GENERATION_BATCH_SIZE: "1000" });
    const gateway = system.gateways[1]?.url ?? "";
    const campaignId = await createEmptyCampaign(gateway, system.store.keys.merchant, "Cluster generation");
    const started = await api<{ id: string }>(
      gateway,
      system.store.keys.merchant,
      "POST",
      `/v1/campaigns/${campaignId}/codes/generate`,
      { count: 5_000 },
    );
    expect(started.status).toBe(202);
    const { job } = await waitForJob(gateway, system.store.keys.merchant, started.body.id);
    expect(job.state).toBe("succeeded");
    expect(await ctx.db.database.prisma.code.count({ where: { campaignId } })).toBe(5_000);
  });
});
