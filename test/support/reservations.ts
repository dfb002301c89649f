import type { Database } from "@promo/db";
import { normalizeCodeKey } from "@promo/domain";
import { partitionKey, partitionOf } from "@promo/queue";
import { eventually } from "@promo/testing";
import type { Redis } from "ioredis";
import { expect } from "vitest";
import { type ApiResponse, api, FLASH_CART, SYSTEM_PARTITIONS, type System } from "./system.ts";

export type ReservationAnswer = {
  accountId: string;
  status: number;
  id: string;
  sequence: number;
  outcome: string;
};

type Body = {
  id?: string;
  sequence?: number;
  status?: string;
  error?: { code: string; details?: { id?: string; sequence?: number } };
};

/** Reads id, sequence and outcome (RESERVED, PENDING or the error code) from any reservation answer. */
export function readAnswer(accountId: string, response: ApiResponse<Body>): ReservationAnswer {
  const { status, body } = response;
  if (status === 200 || status === 202) {
    return {
      accountId,
      status,
      id: String(body.id),
      sequence: Number(body.sequence),
      outcome: String(body.status),
    };
  }
  const details = body.error?.details ?? {};
  return {
    accountId,
    status,
    id: String(details.id),
    sequence: Number(details.sequence),
    outcome: body.error?.code ?? `HTTP_${status}`,
  };
}

/** Polls a PENDING reservation until it is decided; returns the decided answer (its id and sequence). */
export async function resolvePending(
  baseUrl: string,
  key: string,
  answer: ReservationAnswer,
): Promise<ReservationAnswer> {
  if (answer.outcome !== "PENDING") return answer;
  return eventually(
    async () => {
      const polled = await api<Body & { error: { code: string } | null }>(
        baseUrl,
        key,
        "GET",
        `/v1/reservations/${answer.id}`,
      );
      if (polled.status !== 200) return null;
      const outcome =
        polled.body.status === "REJECTED" ? String(polled.body.error?.code) : String(polled.body.status);
      // A request decided as the replay of an earlier one with its Idempotency-Key answers with
      // that one's reservation.
      return {
        ...answer,
        id: String(polled.body.id),
        sequence: Number(polled.body.sequence),
        status: polled.body.status === "REJECTED" ? 409 : 200,
        outcome,
      };
    },
    `reservation ${answer.id} to be decided`,
    120_000,
    250,
  );
}

/** Fisher-Yates with a seeded generator, so a failing order can be replayed. */
export function shuffle<T>(values: readonly T[], seed: number): T[] {
  const result = [...values];
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
  for (let index = result.length - 1; index > 0; index -= 1) {
    const other = Math.floor(next() * (index + 1));
    [result[index], result[other]] = [result[other] as T, result[index] as T];
  }
  return result;
}

/** Every account reserves `code` twice, all at once, spread over the system's gateways in random order. */
export async function flashBurst(
  system: System,
  code: string,
  accountCount: number,
  seed: number,
): Promise<ReservationAnswer[]> {
  const accounts = Array.from({ length: accountCount }, (_, index) => `acct-${seed}-${index}`);
  const requests = shuffle([...accounts, ...accounts], seed);
  return Promise.all(
    requests.map(async (accountId, index) => {
      const gateway = system.gateways[index % system.gateways.length];
      if (!gateway) throw new Error("no gateway");
      const response = await api(
        gateway.url,
        system.store.keys.checkout,
        "POST",
        "/v1/reservations?wait=30000",
        {
          code,
          accountId,
          cart: FLASH_CART,
        },
      );
      return readAnswer(accountId, response);
    }),
  );
}

/** How a burst tries a 503 again, as a checkout would. */
export type BurstRetry = {
  /** The wait before trying again: fixed milliseconds, or the answer's Retry-After. */
  pause: number | "retry-after";
  /** At most this many 503s are tried again in all; past that, a 503 is the answer. */
  max: number;
};

/**
 * Every account reserves `code` twice, all at once, over the system's gateways in a seeded random
 * order (wait 5 s each); then every PENDING answer is polled until decided. `onAnswer` hears the
 * count of requests answered so far. With `idempotencyKeys`, each request has its own key
 * (`<code>-<index>`), so a retried request whose first try was queued after all replays that
 * decision. Without `retry`, a 503 is the answer.
 */
export async function retryingBurst(
  system: System,
  code: string,
  accounts: readonly string[],
  seed: number,
  options: { onAnswer?: (answered: number) => void; idempotencyKeys?: boolean; retry?: BurstRetry } = {},
): Promise<{ answers: ReservationAnswer[]; unavailable: ApiResponse[] }> {
  const { retry } = options;
  let answered = 0;
  const unavailable: ApiResponse[] = [];
  const requests = shuffle([...accounts, ...accounts], seed);
  const answers = await Promise.all(
    requests.map(async (accountId, index) => {
      const gateway = system.gateways[index % system.gateways.length];
      if (!gateway) throw new Error("no gateway");
      const headers: Record<string, string> = options.idempotencyKeys
        ? { "idempotency-key": `${code}-${index}` }
        : {};
      const reserve = () =>
        api(
          gateway.url,
          system.store.keys.checkout,
          "POST",
          "/v1/reservations?wait=5000",
          { code, accountId, cart: FLASH_CART },
          headers,
        );
      let response = await reserve();
      while (retry && response.status === 503 && unavailable.length < retry.max) {
        unavailable.push(response);
        const pauseMs =
          retry.pause === "retry-after"
            ? Number(response.headers.get("retry-after") ?? 1) * 1_000
            : retry.pause;
        await new Promise((resolve) => setTimeout(resolve, pauseMs));
        response = await reserve();
      }
      answered += 1;
      options.onAnswer?.(answered);
      return readAnswer(accountId, response);
    }),
  );
  const gatewayUrl = system.gateways[0]?.url ?? "";
  const decided = await Promise.all(
    answers.map((answer) => resolvePending(gatewayUrl, system.store.keys.checkout, answer)),
  );
  return { answers: decided, unavailable };
}

/** The first `limit` distinct accounts by acceptance sequence: who must win a once-per-account code. */
export function firstDistinctAccounts(answers: readonly ReservationAnswer[], limit: number): Set<string> {
  const accounts = new Set<string>();
  for (const answer of [...answers].sort((a, b) => a.sequence - b.sequence)) {
    if (accounts.size === limit) break;
    accounts.add(answer.accountId);
  }
  return accounts;
}

/**
 * A once-per-account code capped at `limit`: exactly the first `limit` distinct accounts by sequence
 * won (200), everyone else got 409 with the reason SPEC gives.
 */
export function expectFirstDistinctAccountsWon(answers: readonly ReservationAnswer[], limit: number): void {
  expect(answers.filter((answer) => answer.outcome === "PENDING")).toEqual([]);
  expect(new Set(answers.map((answer) => answer.sequence)).size).toBe(answers.length);
  expect(new Set(answers.map((answer) => answer.id)).size).toBe(answers.length);
  const winnerSet = firstDistinctAccounts(answers, limit);
  const winners = answers.filter((answer) => answer.outcome === "RESERVED");
  expect(winners.map((answer) => answer.status)).toEqual(new Array(limit).fill(200));
  expect(new Set(winners.map((answer) => answer.accountId))).toEqual(winnerSet);
  const winningIds = new Set(winners.map((answer) => answer.id));
  for (const answer of answers) {
    if (winningIds.has(answer.id)) continue;
    expect(answer.status).toBe(409);
    expect(answer.outcome).toBe(
      winnerSet.has(answer.accountId) ? "ACCOUNT_LIMIT_REACHED" : "USAGE_LIMIT_REACHED",
    );
  }
}

/**
 * PostgreSQL agrees with the answers: every answered request has its row with the same outcome,
 * no request was decided twice (one decision event each), and the code's cap held.
 */
export async function expectRecordAgrees(
  database: Database,
  codeId: string,
  answers: readonly ReservationAnswer[],
  limit: number,
): Promise<void> {
  const rows = await database.prisma.reservation.findMany({ where: { codeId } });
  const stored = new Map(rows.map((row) => [row.id, row]));
  for (const answer of answers) {
    const row = stored.get(answer.id);
    expect(row, `reservation ${answer.id} in PostgreSQL`).toBeDefined();
    if (answer.outcome === "RESERVED") expect(row?.status).toBe("RESERVED");
    else expect([row?.status, row?.errorCode]).toEqual(["REJECTED", answer.outcome]);
  }
  expect(
    rows.filter((row) => row.status === "RESERVED" || row.status === "CONFIRMED").length,
  ).toBeLessThanOrEqual(limit);
  const decidedTwice = await database.prisma.$queryRaw<{ id: string }[]>`
    SELECT payload->>'reservationId' AS id FROM outbox_event
    WHERE event_type IN ('reservation.reserved', 'reservation.rejected')
    GROUP BY 1 HAVING count(*) > 1`;
  expect(decidedTwice).toEqual([]);
}

/** The reservation partition of a store's code, out of SYSTEM_PARTITIONS. */
export function partitionOfCode(storeId: string, code: string): number {
  return partitionOf(storeId, normalizeCodeKey(code), Number(SYSTEM_PARTITIONS));
}

/** A new code name, starting with `prefix`, on the given partition of the store. */
export function codeOnPartition(storeId: string, prefix: string, partition: number): string {
  const base = `${prefix}${Date.now().toString(36).toUpperCase()}`;
  for (let suffix = 0; ; suffix += 1) {
    const code = `${base}${suffix}`;
    if (partitionOfCode(storeId, code) === partition) return code;
  }
}

/** The name of the worker process that holds the lease on a code's partition (waits for one). */
export function partitionOwner(redis: Redis, prefix: string, storeId: string, code: string): Promise<string> {
  const partition = partitionOfCode(storeId, code);
  return eventually(
    () => redis.get(partitionKey(prefix, partition, "owner")),
    "the code's partition to have an owner",
  );
}
