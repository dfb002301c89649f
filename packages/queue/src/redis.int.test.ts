import { createOutageLog, type OutageLog } from "@promo/observability";
import { readTestEnv, startTcpProxyFor, type TcpProxy } from "@promo/testing";
import { afterEach, describe, expect, it } from "vitest";
import { createRedisConnection, type RedisConnection, watchRedisConnection } from "./redis.ts";

let proxy: TcpProxy | undefined;
const connections: RedisConnection[] = [];

afterEach(async () => {
  for (const connection of connections.splice(0)) connection.disconnect();
  await proxy?.close();
});

/** An outage log that records what it was told and what it logged, by level. */
function recordingOutages() {
  const calls: string[] = [];
  const levels: string[] = [];
  const record = (level: string) => () => void levels.push(level);
  const log = createOutageLog({
    logger: { warn: record("warn"), info: record("info"), debug: record("debug") } as never,
    dependency: "redis",
  });
  const outages: OutageLog = {
    failed: (source, error) => {
      calls.push(`failed ${source}`);
      log.failed(source, error);
    },
    recovered: (source) => {
      calls.push(`recovered ${source}`);
      log.recovered(source);
    },
    forget: (source) => {
      calls.push(`forget ${source}`);
      log.forget(source);
    },
  };
  return { outages, calls, levels };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("watchRedisConnection", () => {
  it("reports a real outage once at warn, its retries at debug, and the return once", async () => {
    const proxied = await startTcpProxyFor(readTestEnv().REDIS_URL, 6379);
    proxy = proxied.proxy;
    const connection = createRedisConnection({ url: proxied.url, cluster: false }, "blocking");
    connections.push(connection);
    const { outages, calls, levels } = recordingOutages();
    const otherErrors: Error[] = [];
    watchRedisConnection(connection, outages, "control", (error) => otherErrors.push(error));
    expect(await connection.ping()).toBe("PONG");

    await proxy.cut();
    await until(() => calls.filter((call) => call === "failed control").length >= 3, "three failed attempts");
    expect(levels[0]).toBe("warn");
    expect(levels.slice(1).every((level) => level === "debug")).toBe(true);

    await proxy.restore();
    await until(() => levels.includes("info"), "the return to be logged");
    expect(await connection.ping()).toBe("PONG");
    expect(levels.filter((level) => level !== "debug")).toEqual(["warn", "info"]);
    expect(otherErrors).toEqual([]);

    connection.disconnect();
    await until(() => calls.includes("forget control"), "the closed connection to be forgotten");
  });

  it("passes an error that is not a failure to connect to its own handler", async () => {
    const connection = createRedisConnection({ url: readTestEnv().REDIS_URL, cluster: false }, "producer");
    connections.push(connection);
    const { outages, calls } = recordingOutages();
    const otherErrors: Error[] = [];
    watchRedisConnection(connection, outages, "producer", (error) => otherErrors.push(error));
    connection.emit("error", new Error("ERR something Redis said"));
    expect(otherErrors.map((error) => error.message)).toEqual(["ERR something Redis said"]);
    expect(calls.filter((call) => call.startsWith("failed"))).toEqual([]);
  });
});
