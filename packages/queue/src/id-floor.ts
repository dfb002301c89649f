import type { RedisConnection } from "./redis.ts";

const RAISE_FLOOR_SCRIPT = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local floor = tonumber(ARGV[1])
if current < floor then
  redis.call('SET', KEYS[1], ARGV[1])
  return floor
end
return current`;

/**
 * BullMQ numbers a queue's jobs with an INCR counter (`<queue>:id`), atomically with the push, so
 * a job id is its position in the queue. If Redis loses its data (a restart without persistence,
 * FLUSHALL) the counter restarts at 0. Before adding, the producer checks the counter exists and,
 * if not, raises it to the last job id PostgreSQL recorded as decided, so positions keep growing
 * and workers (which decide strictly in id order from that point) see no gap.
 */
export async function ensureJobIdFloor(
  redis: RedisConnection,
  idKey: string,
  readFloor: () => Promise<number>,
): Promise<void> {
  if ((await redis.exists(idKey)) === 1) return;
  const floor = await readFloor();
  await redis.eval(RAISE_FLOOR_SCRIPT, 1, idKey, String(floor));
}
