import type { Redis } from "ioredis";

/** Commands Redis has run so far (all clients), and how many of them were Lua scripts. */
export type RedisCalls = { commands: number; scripts: number };

/** Sums `INFO commandstats`; the bench's own INFO calls are a handful per scenario. */
export async function readRedisCalls(redis: Redis): Promise<RedisCalls> {
  const text = await redis.info("commandstats");
  let commands = 0;
  let scripts = 0;
  for (const line of text.split("\n")) {
    const match = /^cmdstat_([a-z|]+):calls=(\d+),/.exec(line.trim());
    if (!match) continue;
    const calls = Number(match[2]);
    commands += calls;
    if (match[1] === "evalsha" || match[1] === "eval") scripts += calls;
  }
  return { commands, scripts };
}
