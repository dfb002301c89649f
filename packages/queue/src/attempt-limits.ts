import type { RedisConnection } from "./redis.ts";
import { assertRedisNotLost } from "./unavailable.ts";

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

/** Redis scripts by SHA (EVALSHA, loaded on first use): the script text is not sent every call. */
type LimiterRedis = RedisConnection & {
  promoGuessCheck(keyCount: number, ...keysAndArgs: string[]): Promise<number[]>;
  promoGuessRecord(keyCount: number, ...keysAndArgs: string[]): Promise<number>;
};

function withLimiterScripts(redis: RedisConnection): LimiterRedis {
  const scripted = redis as LimiterRedis;
  if (typeof scripted.promoGuessCheck !== "function") {
    redis.defineCommand("promoGuessCheck", { lua: CHECK_SCRIPT });
    redis.defineCommand("promoGuessRecord", { lua: RECORD_SCRIPT });
  }
  return scripted;
}

/**
 * The guess limiter. `blockedForEach` reads many subjects with one script call per store (the
 * reservation path checks a whole batch at once); `blockedForMs` checks one subject, and checks
 * asked for in the same turn of the event loop go to Redis together.
 */
export function createAttemptLimiter(options: {
  redis: RedisConnection;
  prefix: string;
  limits: AttemptLimits;
}) {
  const { prefix, limits } = options;
  const redis = withLimiterScripts(options.redis);
  const waiting = new Map<string, PendingCheck[]>();
  let flushScheduled = false;

  async function checkTogether(checks: readonly PendingCheck[]): Promise<void> {
    const counters = checks.flatMap((check) => check.counters);
    try {
      // While the connection is lost, refused at once rather than after its reconnect attempts.
      assertRedisNotLost(options.redis);
      const result = await redis.promoGuessCheck(
        counters.length,
        ...counters.map(({ key }) => key),
        String(limits.windowMs),
        ...counters.map(({ limit }) => String(limit)),
      );
      let offset = 0;
      for (const check of checks) {
        let rest = 0;
        for (let index = 0; index < check.counters.length; index += 1)
          rest = Math.max(rest, Number(result[offset + index] ?? 0));
        offset += check.counters.length;
        check.resolve(rest);
      }
    } catch (error) {
      for (const check of checks) check.reject(error);
    }
  }

  /** One script call per store and chunk of at most MAX_KEYS_PER_CHECK counters. */
  function checkGroups(groups: Iterable<readonly PendingCheck[]>): void {
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

  function flush(): void {
    flushScheduled = false;
    const groups = [...waiting.values()];
    waiting.clear();
    checkGroups(groups);
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
    /** `blockedForMs` of many subjects at once, in their order: one script call per store. */
    blockedForEach(subjects: readonly AttemptSubjects[]): Promise<number[]> {
      const groups = new Map<string, PendingCheck[]>();
      const answers = subjects.map((subject) => {
        const counters = attemptKeys(prefix, subject, limits);
        if (counters.length === 0) return Promise.resolve(0);
        return new Promise<number>((resolve, reject) => {
          const tag = hashTag(prefix, subject.storeId);
          const group = groups.get(tag);
          if (group) group.push({ counters, resolve, reject });
          else groups.set(tag, [{ counters, resolve, reject }]);
        });
      });
      checkGroups(groups.values());
      return Promise.all(answers);
    },
    /** Counts `failures` failed attempts against the account and the IP. */
    async recordFailures(subjects: AttemptSubjects, failures: number): Promise<void> {
      const counters = attemptKeys(prefix, subjects, limits);
      if (counters.length === 0 || failures <= 0) return;
      assertRedisNotLost(options.redis);
      await redis.promoGuessRecord(
        counters.length,
        ...counters.map(({ key }) => key),
        String(failures),
        String(limits.windowMs),
      );
    },
  };
}
export type AttemptLimiter = ReturnType<typeof createAttemptLimiter>;
