import type { Redis } from "ioredis";

/**
 * Failed code attempts per account and per client IP, in Redis: one counter per subject and fixed
 * window (the window opens at the subject's first failure and lasts `windowMs`). Every key of one
 * store shares a Redis Cluster hash tag (`{guess:<storeId>}`), so one script reads or bumps several.
 */
export type AttemptSubjects = { storeId: string; accountId: string; clientIp: string | null };

export type AttemptLimits = {
  /** Failures one account may make per window; 0 turns the account limit off. */
  perAccount: number;
  /** Failures one client IP may make per window; 0 turns the IP limit off. */
  perIp: number;
  windowMs: number;
};

/**
 * KEYS: counters; ARGV[1]: window ms, ARGV[1 + i]: the limit of KEYS[i]. Returns, per counter, the
 * rest of its window (ms) when it is at its limit, else 0.
 */
const CHECK_SCRIPT = `
local blocked = {}
for index, key in ipairs(KEYS) do
  local rest = 0
  if tonumber(redis.call('GET', key) or '0') >= tonumber(ARGV[index + 1]) then
    rest = redis.call('PTTL', key)
    if rest < 0 then rest = tonumber(ARGV[1]) end
  end
  blocked[index] = rest
end
return blocked`;

/** KEYS: counters; ARGV: failures to add, window ms. A counter's window opens with its first failure. */
const RECORD_SCRIPT = `
for _, key in ipairs(KEYS) do
  local count = redis.call('INCRBY', key, ARGV[1])
  if count == tonumber(ARGV[1]) or redis.call('PTTL', key) < 0 then
    redis.call('PEXPIRE', key, ARGV[2])
  end
end
return 0`;

/** Most counters read by one script call. */
const MAX_KEYS_PER_CHECK = 1_000;

type Counter = { key: string; limit: number };

type PendingCheck = {
  counters: Counter[];
  resolve: (blockedForMs: number) => void;
  reject: (error: unknown) => void;
};

function hashTag(prefix: string, storeId: string): string {
  return `${prefix}:{guess:${storeId}}`;
}

export function attemptKeys(prefix: string, subjects: AttemptSubjects, limits: AttemptLimits): Counter[] {
  const tag = hashTag(prefix, subjects.storeId);
  const keys: Counter[] = [];
  if (limits.perAccount > 0)
    keys.push({ key: `${tag}:account:${subjects.accountId}`, limit: limits.perAccount });
  if (limits.perIp > 0 && subjects.clientIp !== null)
    keys.push({ key: `${tag}:ip:${subjects.clientIp}`, limit: limits.perIp });
  return keys;
}

/**
 * The guess limiter. Checks asked for in the same turn of the event loop go to Redis together, one
 * script call per store (the checkout path runs one per request: under load, one per many).
 */
export function createAttemptLimiter(options: { redis: Redis; prefix: string; limits: AttemptLimits }) {
  const { redis, prefix, limits } = options;
  const waiting = new Map<string, PendingCheck[]>();
  let flushScheduled = false;

  async function checkTogether(checks: readonly PendingCheck[]): Promise<void> {
    const counters = checks.flatMap((check) => check.counters);
    try {
      const result = (await redis.eval(
        CHECK_SCRIPT,
        counters.length,
        ...counters.map(({ key }) => key),
        String(limits.windowMs),
        ...counters.map(({ limit }) => String(limit)),
      )) as number[];
      let offset = 0;
      for (const check of checks) {
        const rests = result.slice(offset, offset + check.counters.length).map(Number);
        offset += check.counters.length;
        check.resolve(Math.max(0, ...rests));
      }
    } catch (error) {
      for (const check of checks) check.reject(error);
    }
  }

  function flush(): void {
    flushScheduled = false;
    const groups = [...waiting.values()];
    waiting.clear();
    for (const group of groups) {
      let chunk: PendingCheck[] = [];
      let keys = 0;
      for (const check of group) {
        if (keys + check.counters.length > MAX_KEYS_PER_CHECK && chunk.length > 0) {
          void checkTogether(chunk);
          chunk = [];
          keys = 0;
        }
        chunk.push(check);
        keys += check.counters.length;
      }
      if (chunk.length > 0) void checkTogether(chunk);
    }
  }

  return {
    limits,
    /** How long (ms) the account or the IP is still blocked: 0 when both may try again. */
    blockedForMs(subjects: AttemptSubjects): Promise<number> {
      const counters = attemptKeys(prefix, subjects, limits);
      if (counters.length === 0) return Promise.resolve(0);
      return new Promise((resolve, reject) => {
        const tag = hashTag(prefix, subjects.storeId);
        const group = waiting.get(tag);
        if (group) group.push({ counters, resolve, reject });
        else waiting.set(tag, [{ counters, resolve, reject }]);
        if (!flushScheduled) {
          flushScheduled = true;
          setImmediate(flush);
        }
      });
    },
    /** Counts `failures` failed attempts against the account and the IP. */
    async recordFailures(subjects: AttemptSubjects, failures: number): Promise<void> {
      const counters = attemptKeys(prefix, subjects, limits);
      if (counters.length === 0 || failures <= 0) return;
      await redis.eval(
        RECORD_SCRIPT,
        counters.length,
        ...counters.map(({ key }) => key),
        String(failures),
        String(limits.windowMs),
      );
    },
  };
}
export type AttemptLimiter = ReturnType<typeof createAttemptLimiter>;
