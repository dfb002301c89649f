import type { RedisConnection } from "./redis.ts";

const RENEW_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0`;

const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

/**
 * A named, expiring lease in Redis (SET NX PX). Leases only keep workers from stepping on each
 * other's partitions; correctness never depends on them (PostgreSQL fences every commit).
 */
export async function acquireLease(
  redis: RedisConnection,
  key: string,
  owner: string,
  ttlMs: number,
): Promise<boolean> {
  return (await redis.set(key, owner, "PX", ttlMs, "NX")) === "OK";
}

export async function renewLease(
  redis: RedisConnection,
  key: string,
  owner: string,
  ttlMs: number,
): Promise<boolean> {
  return (await redis.eval(RENEW_SCRIPT, 1, key, owner, String(ttlMs))) === 1;
}

export async function releaseLease(redis: RedisConnection, key: string, owner: string): Promise<void> {
  await redis.eval(RELEASE_SCRIPT, 1, key, owner);
}

const REGISTRY_TTL_FACTOR = 3;

/** Heartbeat of a worker process; returns how many workers are alive (including this one). */
export async function heartbeatWorker(
  redis: RedisConnection,
  registryKey: string,
  workerId: string,
  now: number,
  heartbeatMs: number,
): Promise<number> {
  const staleBefore = now - heartbeatMs * REGISTRY_TTL_FACTOR;
  const [, , alive] = (await redis
    .multi()
    .zadd(registryKey, now, workerId)
    .zremrangebyscore(registryKey, "-inf", staleBefore)
    .zcard(registryKey)
    .exec()) ?? [null, null, [null, 1]];
  const count = Array.isArray(alive) ? Number(alive[1]) : 1;
  return Math.max(1, count);
}

/** How many workers have beaten within the registry's window, without beating for this one. */
export async function countLiveWorkers(
  redis: RedisConnection,
  registryKey: string,
  now: number,
  heartbeatMs: number,
): Promise<number> {
  return await redis.zcount(registryKey, `(${now - heartbeatMs * REGISTRY_TTL_FACTOR}`, "+inf");
}

export async function leaveRegistry(
  redis: RedisConnection,
  registryKey: string,
  workerId: string,
): Promise<void> {
  await redis.zrem(registryKey, workerId);
}
