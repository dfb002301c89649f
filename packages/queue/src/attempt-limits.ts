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

/**
 * KEYS: counters; ARGV[i]: the limit of KEYS[i]. Returns, per counter, the failures it still allows
 * and, when none, the rest of its window (ms; -1 when the key has no expiry).
 */
const ALLOWANCE_SCRIPT = `
local answer = {}
for index, key in ipairs(KEYS) do
  local left = tonumber(ARGV[index]) - tonumber(redis.call('GET', key) or '0')
  if left < 0 then left = 0 end
  answer[index * 2 - 1] = left
  answer[index * 2] = left == 0 and redis.call('PTTL', key) or 0
end
return answer`;

/** What a subject may still try: failures left in its window, or how long it is blocked. */
export type AttemptAllowance = { remaining: number; blockedForMs: number };

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
  promoGuessAllowance(keyCount: number, ...keysAndArgs: string[]): Promise<number[]>;
};

function withLimiterScripts(redis: RedisConnection): LimiterRedis {
  const scripted = redis as LimiterRedis;
  if (typeof scripted.promoGuessCheck !== "function") {
    redis.defineCommand("promoGuessCheck", { lua: CHECK_SCRIPT });
    redis.defineCommand("promoGuessRecord", { lua: RECORD_SCRIPT });
    redis.defineCommand("promoGuessAllowance", { lua: ALLOWANCE_SCRIPT });
  }
  return scripted;
}

/**
 * The guess limiter. `blockedForEach` reads many subjects with one script call per store (the
 * reservation path checks a whole batch at once); `allowance` reads what one subject has left (a
 * quote, which may make several failed attempts at once).
 */
export function createAttemptLimiter(options: {
  redis: RedisConnection;
  prefix: string;
  limits: AttemptLimits;
}) {
  const { prefix, limits } = options;
  const redis = withLimiterScripts(options.redis);

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

  return {
    limits,
    /**
     * Per subject, in their order, how long (ms) its account or IP is still blocked (0 when both may
     * try again): one script call per store.
     */
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
    /**
     * How many failed attempts the account and the IP (the tighter of the two) may still make in
     * their windows, for a request that makes several at once (a quote of many codes); with none
     * left, how long they are blocked. Unlimited when both limits are off.
     */
    async allowance(subjects: AttemptSubjects): Promise<AttemptAllowance> {
      const counters = attemptKeys(prefix, subjects, limits);
      if (counters.length === 0) return { remaining: Number.POSITIVE_INFINITY, blockedForMs: 0 };
      assertRedisNotLost(options.redis);
      const answer = await redis.promoGuessAllowance(
        counters.length,
        ...counters.map(({ key }) => key),
        ...counters.map(({ limit }) => String(limit)),
      );
      let remaining = Number.POSITIVE_INFINITY;
      let blockedForMs = 0;
      counters.forEach((_, index) => {
        const left = Number(answer[index * 2] ?? 0);
        remaining = Math.min(remaining, left);
        if (left === 0) {
          const rest = Number(answer[index * 2 + 1] ?? -1);
          blockedForMs = Math.max(blockedForMs, rest < 0 ? limits.windowMs : rest);
        }
      });
      return { remaining, blockedForMs };
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
