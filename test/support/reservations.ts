import { eventually } from "@promo/testing";
import { expect } from "vitest";
import { type ApiResponse, api, FLASH_CART, type System } from "./system.ts";

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

/** Polls a PENDING reservation until it is decided; returns the decided answer. */
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
      return { ...answer, status: polled.body.status === "REJECTED" ? 409 : 200, outcome };
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

/**
 * A once-per-account code capped at `limit`: exactly the first `limit` distinct accounts by sequence
 * won (200), everyone else got 409 with the reason SPEC gives.
 */
export function expectFirstDistinctAccountsWon(answers: readonly ReservationAnswer[], limit: number): void {
  expect(answers.filter((answer) => answer.outcome === "PENDING")).toEqual([]);
  expect(new Set(answers.map((answer) => answer.sequence)).size).toBe(answers.length);
  expect(new Set(answers.map((answer) => answer.id)).size).toBe(answers.length);
  const bySequence = [...answers].sort((a, b) => a.sequence - b.sequence);
  const firstDistinct: string[] = [];
  for (const answer of bySequence) {
    if (firstDistinct.length === limit) break;
    if (!firstDistinct.includes(answer.accountId)) firstDistinct.push(answer.accountId);
  }
  const winners = answers.filter((answer) => answer.outcome === "RESERVED");
  expect(winners.map((answer) => answer.status)).toEqual(new Array(limit).fill(200));
  expect(new Set(winners.map((answer) => answer.accountId))).toEqual(new Set(firstDistinct));
  const winnerSet = new Set(firstDistinct);
  const winningIds = new Set(winners.map((answer) => answer.id));
  for (const answer of answers) {
    if (winningIds.has(answer.id)) continue;
    expect(answer.status).toBe(409);
    expect(answer.outcome).toBe(
      winnerSet.has(answer.accountId) ? "ACCOUNT_LIMIT_REACHED" : "USAGE_LIMIT_REACHED",
    );
  }
}
