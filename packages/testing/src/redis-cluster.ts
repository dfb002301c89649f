import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { eventually, freePort } from "./processes.ts";

const SLOTS = 16_384;

export type RedisClusterNode = {
  port: number;
  /** The cluster bus port (gossip between nodes), chosen free rather than port + 10000. */
  busPort: number;
  url: string;
  firstSlot: number;
  lastSlot: number;
};

export type LocalRedisCluster = {
  /** Any node will do as the services' REDIS_URL; this is the first. */
  seedUrl: string;
  nodes: RedisClusterNode[];
  /** The node serving `slot`. */
  nodeOf(slot: number): RedisClusterNode;
  stop(): Promise<void>;
};

/**
 * A real Redis Cluster of `size` masters (no replicas) on free local ports, from the machine's
 * `redis-server`, without persistence, in a temporary folder: slots split evenly in ranges, nodes
 * introduced with CLUSTER MEET, ready once every node reports `cluster_state:ok`.
 */
export async function startRedisCluster(size = 3): Promise<LocalRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), "promo-redis-cluster-"));
  const children: ChildProcess[] = [];
  const nodes: RedisClusterNode[] = [];
  const stop = async () => {
    await Promise.all(children.map(stopChild));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let index = 0; index < size; index += 1) {
      const port = await freePort();
      const busPort = await freePort();
      const output: string[] = [];
      const child = spawn(
        "redis-server",
        [
          "--port",
          String(port),
          "--cluster-port",
          String(busPort),
          "--bind",
          "127.0.0.1",
          "--cluster-enabled",
          "yes",
          "--cluster-config-file",
          join(dir, `nodes-${port}.conf`),
          "--cluster-node-timeout",
          "2000",
          "--save",
          "",
          "--appendonly",
          "no",
          "--dir",
          dir,
        ],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      child.stdout?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
      child.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
      let failed = false;
      child.once("error", (error) => {
        failed = true;
        output.push(
          `could not start redis-server (the Redis Cluster tests need it installed): ${error.message}`,
        );
      });
      children.push(child);
      nodes.push({
        port,
        busPort,
        url: `redis://127.0.0.1:${port}`,
        firstSlot: Math.floor((index * SLOTS) / size),
        lastSlot: Math.floor(((index + 1) * SLOTS) / size) - 1,
      });
      await eventually(
        async () =>
          failed || child.exitCode !== null ? Promise.reject(new Error(output.join(""))) : ping(port),
        `redis-server on port ${port} to answer PING`,
        10_000,
      );
    }
    await Promise.all(
      nodes.map((node) =>
        withNode(node.port, (redis) => redis.call("CLUSTER", "ADDSLOTSRANGE", node.firstSlot, node.lastSlot)),
      ),
    );
    const [first, ...others] = nodes;
    if (!first) throw new Error("a cluster needs at least one node");
    await withNode(first.port, async (redis) => {
      for (const node of others) await redis.call("CLUSTER", "MEET", "127.0.0.1", node.port, node.busPort);
    });
    await eventually(
      async () => {
        const states = await Promise.all(
          nodes.map((node) =>
            withNode(node.port, (redis) => redis.call("CLUSTER", "INFO") as Promise<string>),
          ),
        );
        return states.every(
          (info) => info.includes("cluster_state:ok") && info.includes(`cluster_known_nodes:${size}`),
        );
      },
      "every cluster node to report cluster_state:ok",
      30_000,
      200,
    );
    return {
      seedUrl: first.url,
      nodes,
      nodeOf(slot) {
        const node = nodes.find((candidate) => candidate.firstSlot <= slot && slot <= candidate.lastSlot);
        if (!node) throw new Error(`no node serves slot ${slot}`);
        return node;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function ping(port: number): Promise<boolean> {
  return withNode(port, async (redis) => (await redis.ping()) === "PONG").catch(() => false);
}

/** One command session on one node, plain (not cluster-aware). */
export async function withNode<T>(port: number, use: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({ host: "127.0.0.1", port, lazyConnect: true, maxRetriesPerRequest: 0 });
  redis.on("error", () => undefined);
  try {
    await redis.connect();
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}
