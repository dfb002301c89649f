import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { isLocalHost } from "./addresses.ts";
import { findPortOwner, formatPortTakenMessage, isPortOpen } from "./ports.ts";
import { REPO_ROOT } from "./repo-root.ts";
import type { ServiceReport } from "./report.ts";
import { pollUntil, resolveWithin } from "./wait.ts";

const execFileAsync = promisify(execFile);

const PING_TIMEOUT_MS = 1_500;
const START_TIMEOUT_MS = 10_000;
const DEFAULT_PORT = 6379;

export type RedisProbe = { ok: true } | { ok: false; unreachable: boolean; message: string };

/** PINGs the Redis at `url` with a short timeout. */
export async function probeRedis(url: string): Promise<RedisProbe> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: PING_TIMEOUT_MS,
    commandTimeout: PING_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    enableReadyCheck: false,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  redis.on("error", () => undefined);
  let connected = false;
  const attempt = (async (): Promise<RedisProbe> => {
    try {
      await redis.connect();
      connected = true;
      const answer = await redis.ping();
      return answer === "PONG"
        ? { ok: true }
        : { ok: false, unreachable: false, message: `answered PING with ${answer}` };
    } catch (error) {
      return { ok: false, unreachable: !connected, message: (error as Error).message };
    }
  })();
  try {
    return await resolveWithin(attempt, PING_TIMEOUT_MS * 2, {
      ok: false,
      unreachable: !connected,
      message: "no answer to PING",
    });
  } finally {
    redis.disconnect();
  }
}

export async function isRedisReachable(url: string): Promise<boolean> {
  return (await probeRedis(url)).ok;
}

/**
 * Makes Redis answer at `url`: uses it when it answers PING; when it is local and down, starts
 * `redis-server` daemonized, without persistence, on the URL's port.
 */
export async function ensureRedis(url: string, rootDir: string = REPO_ROOT): Promise<ServiceReport> {
  const probe = await probeRedis(url);
  if (probe.ok) return { name: "redis", target: url, note: "already running" };
  const { hostname } = new URL(url);
  const host = hostname.replace(/^\[(.*)\]$/, "$1");
  const port = Number(new URL(url).port || DEFAULT_PORT);
  if (!probe.unreachable) {
    throw new Error(`Redis at ${url} does not answer PING (${probe.message}); check REDIS_URL.`);
  }
  if (!isLocalHost(host)) {
    throw new Error(
      `Redis is not reachable at ${url}; it is not on this machine, so it is not started here. Start it or fix REDIS_URL.`,
    );
  }
  if (await isPortOpen(host, port)) {
    throw new Error(
      formatPortTakenMessage({
        port,
        role: "REDIS_URL",
        owner: await findPortOwner(port),
        expected: "a Redis answering PING",
        remedy: "stop it or point REDIS_URL at another port",
      }),
    );
  }
  const logDir = join(rootDir, ".services", "redis");
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, "redis.log");
  try {
    await execFileAsync("redis-server", [
      "--daemonize",
      "yes",
      "--bind",
      ...(host === "::1" ? ["::1"] : ["127.0.0.1", "-::1"]),
      "--port",
      String(port),
      "--save",
      "",
      "--appendonly",
      "no",
      "--dir",
      logDir,
      "--logfile",
      logFile,
    ]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new Error(
        `Redis is not reachable at ${url} and redis-server is not installed: install it (apt-get install redis-server) or point REDIS_URL at a running Redis.`,
      );
    }
    throw new Error(`Redis is not reachable at ${url} and redis-server failed: ${(error as Error).message}`);
  }
  if (await pollUntil(() => isRedisReachable(url), { timeoutMs: START_TIMEOUT_MS, intervalMs: 100 })) {
    return { name: "redis", target: url, note: "started redis-server without persistence" };
  }
  const log = existsSync(logFile)
    ? readFileSync(logFile, "utf8").trim().split("\n").slice(-10).join("\n")
    : "";
  throw new Error(
    `redis-server was started but ${url} does not answer PING. Last lines of ${logFile}:\n${log}`,
  );
}
