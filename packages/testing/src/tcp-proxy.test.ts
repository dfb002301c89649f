import { connect } from "node:net";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { startTcpProxy, type TcpProxy } from "./tcp-proxy.ts";
import { readTestEnv } from "./test-env.ts";

let proxy: TcpProxy | undefined;
const clients: Redis[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.disconnect();
  await proxy?.close();
});

/** A Redis client through the proxy that does not reconnect or queue, so each outcome shows. */
function clientVia(port: number): Redis {
  const client = new Redis(port, "127.0.0.1", {
    lazyConnect: true,
    retryStrategy: () => null,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
  });
  client.on("error", () => undefined);
  clients.push(client);
  return client;
}

describe("startTcpProxy", () => {
  it("forwards to the real server, cuts every connection and refuses new ones, then forwards again", async () => {
    const target = new URL(readTestEnv().REDIS_URL);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
    const before = clientVia(proxy.port);
    await before.connect();
    expect(await before.ping()).toBe("PONG");

    const closed = new Promise((resolve) => before.once("close", resolve));
    await proxy.cut();
    expect(proxy.open).toBe(false);
    await closed;
    const refused = await new Promise<string>((resolve) => {
      const socket = connect(proxy?.port ?? 0, "127.0.0.1");
      socket.once("connect", () => resolve("connected"));
      socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    });
    expect(refused).toBe("ECONNREFUSED");

    await proxy.restore();
    expect(proxy.open).toBe(true);
    const after = clientVia(proxy.port);
    await after.connect();
    expect(await after.ping()).toBe("PONG");
  });
});
