import type { RedisConnection } from "./redis.ts";
import { assertRedisNotLost } from "./unavailable.ts";

/**
 * Failed code attempts per account and per client IP, in Redis: one set per subject and fixed
 * window holding the distinct codes it was refused (the window opens with the set's first code and
 * lasts `windowMs`). A code refused again counts once: a checkout that quotes the same expired code
 * on every change to the cart learns nothing new, and is not locked out for it; a guesser needs a
 * new code for every probe. Every key of one store shares a Redis Cluster hash tag
 * (`{guess:<storeId>}`), so one script reads or changes several.
 *
 * Parallel requests cannot pass the limit: a reservation's code goes into its sets when it is
 * admitted, before it is decided (so requests in flight count), and comes back out once decided if
 * it was no failed attempt; a quote, which looks its codes up itself, records its failures in one
 * step that takes no more than the sets have room for.
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
 * A reservation's attempt: who tries, and the code (its key). `count: false` only checks the limit
 * (a code the caller knows to be live, whose refusal it counts once decided).
 */
export type CodeAttempt = AttemptSubjects & { codeKey: string; count?: boolean };

/**
 * What admitting an attempt did: how long (ms) its account or IP is still blocked (0: let
 * through), and the sets its code was added to (to take it out again should it not fail).
 */
export type AttemptAdmission = { blockedForMs: number; addedTo: readonly string[] };

/** An admitted attempt's code to take out of the sets it was added to (it was no failed attempt). */
export type AttemptWithdrawal = { addedTo: readonly string[]; codeKey: string };

/**
 * KEYS: every attempt's sets, in order; ARGV[1]: window ms, ARGV[2]: the number of attempts, then per
 * attempt: its number of sets, 1 to count it (0 to check only), its code, each set's limit. An attempt
 * whose sets have one at its limit is blocked: the rest of that set's window. Otherwise, counted, its
 * code is added to each set (a set's window opens with its first code). Returns per attempt: the ms it
 * is blocked (0 when admitted), and a bit per set its code was added to (not there before).
 */
const ADMIT_SCRIPT = `
local window = tonumber(ARGV[1])
local answer = {}
local key = 1
local arg = 3
for attempt = 1, tonumber(ARGV[2]) do
  local sets = tonumber(ARGV[arg])
  local count = ARGV[arg + 1] == '1'
  local code = ARGV[arg + 2]
  local blocked = 0
  local sizes = {}
  for index = 0, sets - 1 do
    sizes[index] = redis.call('SCARD', KEYS[key + index])
    if sizes[index] >= tonumber(ARGV[arg + 3 + index]) then
      local rest = redis.call('PTTL', KEYS[key + index])
      if rest < 0 then rest = window end
      if rest > blocked then blocked = rest end
    end
  end
  local added = 0
  if blocked == 0 and count then
    for index = 0, sets - 1 do
      if redis.call('SADD', KEYS[key + index], code) == 1 then
        added = added + 2 ^ index
        -- A set this script made opens its window (in a script nothing runs between the two).
        if sizes[index] == 0 then redis.call('PEXPIRE', KEYS[key + index], window) end
      end
    end
  end
  answer[#answer + 1] = blocked
  answer[#answer + 1] = added
  key = key + sets
  arg = arg + 3 + sets
end
return answer`;

/** KEYS: sets; ARGV[i]: the code to take out of KEYS[i]. */
const WITHDRAW_SCRIPT = `
for index, key in ipairs(KEYS) do redis.call('SREM', key, ARGV[index]) end
return 0`;

/**
 * KEYS: one subject's sets; ARGV[1]: window ms, ARGV[1 + i]: the limit of KEYS[i], then the codes it
 * was refused, in order. Records them in order while every set has room (a code a set holds already
 * takes none) and stops at the first it cannot take. Returns how many were recorded.
 */
const RECORD_SCRIPT = `
local window = tonumber(ARGV[1])
local recorded = 0
for position = #KEYS + 2, #ARGV do
  local code = ARGV[position]
  for index, key in ipairs(KEYS) do
    if redis.call('SISMEMBER', key, code) == 0 and redis.call('SCARD', key) >= tonumber(ARGV[index + 1]) then
      return recorded
    end
  end
  for _, key in ipairs(KEYS) do
    redis.call('SADD', key, code)
    if redis.call('PTTL', key) < 0 then redis.call('PEXPIRE', key, window) end
  end
  recorded = recorded + 1
end
return recorded`;

/**
 * KEYS: one subject's sets; ARGV[i]: the limit of KEYS[i]. Returns, per set, the failures it still
 * allows and, when none, the rest of its window (ms; -1 when the key has no expiry).
 */
const ALLOWANCE_SCRIPT = `
local answer = {}
for index, key in ipairs(KEYS) do
  local left = tonumber(ARGV[index]) - redis.call('SCARD', key)
  if left < 0 then left = 0 end
  answer[index * 2 - 1] = left
  answer[index * 2] = left == 0 and redis.call('PTTL', key) or 0
end
return answer`;

/** What a subject may still try: failures left in its window, or how long it is blocked. */
export type AttemptAllowance = { remaining: number; blockedForMs: number };

/** Most sets one script call reads or changes. */
const MAX_KEYS_PER_CALL = 1_000;

type AttemptSet = { key: string; limit: number };

type PendingAdmission = {
  codeKey: string;
  count: boolean;
  sets: AttemptSet[];
  resolve: (admission: AttemptAdmission) => void;
  reject: (error: unknown) => void;
};

function hashTag(prefix: string, storeId: string): string {
  return `${prefix}:{guess:${storeId}}`;
}

/** The store's hash tag a set's key carries: sets of one tag go in one script call. */
function hashTagOf(key: string): string {
  return key.slice(0, key.indexOf("}") + 1);
}

export function attemptKeys(prefix: string, subjects: AttemptSubjects, limits: AttemptLimits): AttemptSet[] {
  const tag = hashTag(prefix, subjects.storeId);
  const keys: AttemptSet[] = [];
  if (limits.perAccount > 0)
    keys.push({ key: `${tag}:failed:account:${subjects.accountId}`, limit: limits.perAccount });
  if (limits.perIp > 0 && subjects.clientIp !== null)
    keys.push({ key: `${tag}:failed:ip:${subjects.clientIp}`, limit: limits.perIp });
  return keys;
}

/** Redis scripts by SHA (EVALSHA, loaded on first use): the script text is not sent every call. */
type LimiterRedis = RedisConnection & {
  promoGuessAdmit(keyCount: number, ...keysAndArgs: string[]): Promise<number[]>;
  promoGuessWithdraw(keyCount: number, ...keysAndArgs: string[]): Promise<number>;
  promoGuessRecord(keyCount: number, ...keysAndArgs: string[]): Promise<number>;
  promoGuessAllowance(keyCount: number, ...keysAndArgs: string[]): Promise<number[]>;
};

function withLimiterScripts(redis: RedisConnection): LimiterRedis {
  const scripted = redis as LimiterRedis;
  if (typeof scripted.promoGuessAdmit !== "function") {
    redis.defineCommand("promoGuessAdmit", { lua: ADMIT_SCRIPT });
    redis.defineCommand("promoGuessWithdraw", { lua: WITHDRAW_SCRIPT });
    redis.defineCommand("promoGuessRecord", { lua: RECORD_SCRIPT });
    redis.defineCommand("promoGuessAllowance", { lua: ALLOWANCE_SCRIPT });
  }
  return scripted;
}

/** `items` in runs whose sets add up to at most MAX_KEYS_PER_CALL (an item larger alone is a run). */
function chunkBySets<T>(items: readonly T[], setsOf: (item: T) => number): T[][] {
  const chunks: T[][] = [];
  let chunk: T[] = [];
  let keys = 0;
  for (const item of items) {
    if (keys + setsOf(item) > MAX_KEYS_PER_CALL && chunk.length > 0) {
      chunks.push(chunk);
      chunk = [];
      keys = 0;
    }
    chunk.push(item);
    keys += setsOf(item);
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/**
 * The guess limiter. `admitEach` admits a batch of reservations with one script call per store,
 * and `withdraw` takes back the codes of those that were no failed attempt; `allowance` reads what
 * one subject has left and `recordFailures` records a quote's refused codes.
 */
export function createAttemptLimiter(options: {
  redis: RedisConnection;
  prefix: string;
  limits: AttemptLimits;
}) {
  const { prefix, limits } = options;
  const redis = withLimiterScripts(options.redis);

  async function admitTogether(pending: readonly PendingAdmission[]): Promise<void> {
    try {
      // While the connection is lost, refused at once rather than after its reconnect attempts.
      assertRedisNotLost(options.redis);
      const keys = pending.flatMap(({ sets }) => sets.map(({ key }) => key));
      const args = pending.flatMap(({ codeKey, count, sets }) => [
        String(sets.length),
        count ? "1" : "0",
        codeKey,
        ...sets.map(({ limit }) => String(limit)),
      ]);
      const answer = await redis.promoGuessAdmit(
        keys.length,
        ...keys,
        String(limits.windowMs),
        String(pending.length),
        ...args,
      );
      pending.forEach(({ sets, resolve }, index) => {
        const added = Number(answer[index * 2 + 1] ?? 0);
        resolve({
          blockedForMs: Number(answer[index * 2] ?? 0),
          addedTo: sets.filter((_, set) => (added >> set) & 1).map(({ key }) => key),
        });
      });
    } catch (error) {
      for (const { reject } of pending) reject(error);
    }
  }

  return {
    limits,
    /**
     * Per attempt, in their order: blocked (its account or IP at its limit: for how long), or let
     * through with its code added to its sets (unless `count: false`). One script call per store.
     */
    admitEach(attempts: readonly CodeAttempt[]): Promise<AttemptAdmission[]> {
      const groups = new Map<string, PendingAdmission[]>();
      const answers = attempts.map((attempt) => {
        const sets = attemptKeys(prefix, attempt, limits);
        if (sets.length === 0) return Promise.resolve({ blockedForMs: 0, addedTo: [] });
        return new Promise<AttemptAdmission>((resolve, reject) => {
          const tag = hashTag(prefix, attempt.storeId);
          const pending = { codeKey: attempt.codeKey, count: attempt.count ?? true, sets, resolve, reject };
          const group = groups.get(tag);
          if (group) group.push(pending);
          else groups.set(tag, [pending]);
        });
      });
      for (const group of groups.values())
        for (const chunk of chunkBySets(group, ({ sets }) => sets.length)) void admitTogether(chunk);
      return Promise.all(answers);
    },
    /** Takes admitted codes back out of their sets (they were no failed attempt): one call per store. */
    async withdraw(withdrawals: readonly AttemptWithdrawal[]): Promise<void> {
      const pairs = withdrawals.flatMap(({ addedTo, codeKey }) => addedTo.map((key) => ({ key, codeKey })));
      if (pairs.length === 0) return;
      assertRedisNotLost(options.redis);
      const groups = new Map<string, typeof pairs>();
      for (const pair of pairs) {
        const group = groups.get(hashTagOf(pair.key));
        if (group) group.push(pair);
        else groups.set(hashTagOf(pair.key), [pair]);
      }
      await Promise.all(
        [...groups.values()].flatMap((group) =>
          chunkBySets(group, () => 1).map((chunk) =>
            redis.promoGuessWithdraw(
              chunk.length,
              ...chunk.map(({ key }) => key),
              ...chunk.map(({ codeKey }) => codeKey),
            ),
          ),
        ),
      );
    },
    /**
     * How many more codes the account and the IP (the tighter of the two) may be refused in their
     * windows; with none left, how long they are blocked. Unlimited when both limits are off.
     */
    async allowance(subjects: AttemptSubjects): Promise<AttemptAllowance> {
      const sets = attemptKeys(prefix, subjects, limits);
      if (sets.length === 0) return { remaining: Number.POSITIVE_INFINITY, blockedForMs: 0 };
      assertRedisNotLost(options.redis);
      const answer = await redis.promoGuessAllowance(
        sets.length,
        ...sets.map(({ key }) => key),
        ...sets.map(({ limit }) => String(limit)),
      );
      let remaining = Number.POSITIVE_INFINITY;
      let blockedForMs = 0;
      sets.forEach((_, index) => {
        const left = Number(answer[index * 2] ?? 0);
        remaining = Math.min(remaining, left);
        if (left === 0) {
          const rest = Number(answer[index * 2 + 1] ?? -1);
          blockedForMs = Math.max(blockedForMs, rest < 0 ? limits.windowMs : rest);
        }
      });
      return { remaining, blockedForMs };
    },
    /**
     * Records the refused `codes` (code keys, in the order they were tried) against the account and
     * the IP, in order while both have room (a code recorded before takes none), atomically: returns
     * how many were recorded; the rest came past the limit. All of them when both limits are off.
     */
    async recordFailures(subjects: AttemptSubjects, codes: readonly string[]): Promise<number> {
      const sets = attemptKeys(prefix, subjects, limits);
      if (sets.length === 0 || codes.length === 0) return codes.length;
      assertRedisNotLost(options.redis);
      return Number(
        await redis.promoGuessRecord(
          sets.length,
          ...sets.map(({ key }) => key),
          String(limits.windowMs),
          ...sets.map(({ limit }) => String(limit)),
          ...codes,
        ),
      );
    },
  };
}
export type AttemptLimiter = ReturnType<typeof createAttemptLimiter>;
