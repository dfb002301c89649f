import type { RedisConnection } from "./redis.ts";
import { assertRedisNotLost } from "./unavailable.ts";

/**
 * Failed code attempts per account and per client IP, in Redis: one set per subject and fixed
 * window holding the distinct codes it was refused (the window opens at the subject's first failure
 * and lasts `windowMs`). A code refused again counts once: a checkout that quotes the same expired
 * code on every change to the cart learns nothing new, and is not locked out for it; a guesser
 * needs a new code for every probe. Every key of one store shares a Redis Cluster hash tag
 * (`{guess:<storeId>}`), so one script reads or adds to several.
 */
export type AttemptSubjects = { storeId: string; accountId: string; clientIp: string | null };

export type AttemptLimits = {
  /** Distinct failed codes one account may try per window; 0 turns the account limit off. */
  perAccount: number;
  /** Distinct failed codes one client IP may try per window; 0 turns the IP limit off. */
  perIp: number;
  windowMs: number;
};

/**
 * KEYS: failed-code sets; ARGV[1]: window ms, ARGV[1 + i]: the limit of KEYS[i]. Returns, per set,
 * the rest of its window (ms) when it is at its limit, else 0.
 */
const CHECK_SCRIPT = `
local blocked = {}
for index, key in ipairs(KEYS) do
  local rest = 0
  if redis.call('SCARD', key) >= tonumber(ARGV[index + 1]) then
    rest = redis.call('PTTL', key)
    if rest < 0 then rest = tonumber(ARGV[1]) end
  end
  blocked[index] = rest
end
return blocked`;

/** KEYS: failed-code sets; ARGV[1]: window ms, ARGV[2..]: the codes refused. A set's window opens with its first code. */
const RECORD_SCRIPT = `
for _, key in ipairs(KEYS) do
  redis.call('SADD', key, unpack(ARGV, 2))
  if redis.call('PTTL', key) < 0 then
    redis.call('PEXPIRE', key, ARGV[1])
  end
end
return 0`;

/**
 * KEYS: failed-code sets; ARGV[i]: the limit of KEYS[i], then the codes about to be tried. Returns,
 * per set, the failures it still allows and, when none, the rest of its window (ms; -1 when the key
 * has no expiry); then, per code, 1 when every set holds it already (refused again, it adds nothing).
 */
const ALLOWANCE_SCRIPT = `
local answer = {}
for index, key in ipairs(KEYS) do
  local left = tonumber(ARGV[index]) - redis.call('SCARD', key)
  if left < 0 then left = 0 end
  answer[index * 2 - 1] = left
  answer[index * 2] = left == 0 and redis.call('PTTL', key) or 0
end
for position = #KEYS + 1, #ARGV do
  local counted = 1
  for _, key in ipairs(KEYS) do
    if redis.call('SISMEMBER', key, ARGV[position]) == 0 then counted = 0 end
  end
  answer[#answer + 1] = counted
end
return answer`;

/**
 * What a subject may still try: failures left in its window, or how long it is blocked; and which
 * of the codes asked about it was refused already in its window (trying one again adds nothing).
 */
export type AttemptAllowance = { remaining: number; blockedForMs: number; counted: ReadonlySet<string> };

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
    keys.push({ key: `${tag}:failed:account:${subjects.accountId}`, limit: limits.perAccount });
  if (limits.perIp > 0 && subjects.clientIp !== null)
    keys.push({ key: `${tag}:failed:ip:${subjects.clientIp}`, limit: limits.perIp });
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
     * How many codes the account and the IP (the tighter of the two) may still be refused in their
     * windows, for a request that tries several at once (a quote of many codes), and which of
     * `codes` (code keys) both were refused already; with none left, how long they are blocked.
     * Unlimited when both limits are off.
     */
    async allowance(subjects: AttemptSubjects, codes: readonly string[] = []): Promise<AttemptAllowance> {
      const counters = attemptKeys(prefix, subjects, limits);
      if (counters.length === 0)
        return { remaining: Number.POSITIVE_INFINITY, blockedForMs: 0, counted: new Set() };
      assertRedisNotLost(options.redis);
      const answer = await redis.promoGuessAllowance(
        counters.length,
        ...counters.map(({ key }) => key),
        ...counters.map(({ limit }) => String(limit)),
        ...codes,
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
      const counted = new Set(codes.filter((_, index) => Number(answer[counters.length * 2 + index]) === 1));
      return { remaining, blockedForMs, counted };
    },
    /** Counts the refused `codes` (code keys) against the account and the IP, each code once per window. */
    async recordFailures(subjects: AttemptSubjects, codes: readonly string[]): Promise<void> {
      const counters = attemptKeys(prefix, subjects, limits);
      if (counters.length === 0 || codes.length === 0) return;
      assertRedisNotLost(options.redis);
      await redis.promoGuessRecord(
        counters.length,
        ...counters.map(({ key }) => key),
        String(limits.windowMs),
        ...codes,
      );
    },
  };
}
export type AttemptLimiter = ReturnType<typeof createAttemptLimiter>;
