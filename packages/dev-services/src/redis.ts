import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { isLocalHost } from "./ports.ts";
import type { ServiceReport } from "./report.ts";

const run = promisify(execFile);

export async function pingRedis(url: string): Promise<boolean> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 1_500,
    retryStrategy: () => null,
  });
  redis.on("error", () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

/** Uses the Redis at `url`; when it is local and down, starts redis-server (no persistence) on its port. */
export async function ensureRedis(url: string): Promise<ServiceReport> {
  if (await pingRedis(url)) return { name: "redis", target: url, note: "already running" };
  const { hostname, port } = new URL(url);
  if (!isLocalHost(hostname)) {
    throw new Error(`Redis is not reachable at ${url} (not local, so not started here). Check REDIS_URL.`);
  }
  try {
    await run("redis-server", [
      "--daemonize",
      "yes",
      "--bind",
      "127.0.0.1",
      "--port",
      port || "6379",
      "--save",
      "",
      "--appendonly",
      "no",
    ]);
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
    throw new Error(
      missing
        ? `Redis is not reachable at ${url} and redis-server is not installed (apt-get install redis-server).`
        : `Redis is not reachable at ${url} and redis-server did not start: ${(error as Error).message}`,
    );
  }
  for (let attempt = 0; attempt < 50; attempt += 1) {
    if (await pingRedis(url)) return { name: "redis", target: url, note: "started redis-server" };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`redis-server was started but ${url} does not answer (port taken by something else?).`);
}
