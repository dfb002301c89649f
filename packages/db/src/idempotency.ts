import type { Db } from "./client.ts";

export type RecordedResponse = { status: number; body: unknown };

export type IdempotentOutcome =
  | { kind: "fresh"; response: RecordedResponse }
  | { kind: "replayed"; response: RecordedResponse }
  | { kind: "key-reused" };

/**
 * Runs `work` at most once per (store, scope, key) inside the caller's transaction: a repeat with
 * the same request hash gets the recorded response, a repeat with another request is refused.
 * Concurrent repeats wait on an advisory lock for the first to finish.
 */
export async function runIdempotently(
  db: Db,
  input: { storeId: string; scope: string; key: string | null; requestHash: string },
  work: () => Promise<RecordedResponse>,
): Promise<IdempotentOutcome> {
  if (input.key === null) return { kind: "fresh", response: await work() };
  await db.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`idem:${input.storeId}:${input.scope}:${input.key}`}, 0))`;
  const existing = await db.idempotencyRecord.findUnique({
    where: { storeId_scope_key: { storeId: input.storeId, scope: input.scope, key: input.key } },
  });
  if (existing) {
    return existing.requestHash === input.requestHash
      ? { kind: "replayed", response: { status: existing.responseStatus, body: existing.responseBody } }
      : { kind: "key-reused" };
  }
  const response = await work();
  await db.idempotencyRecord.create({
    data: {
      storeId: input.storeId,
      scope: input.scope,
      key: input.key,
      requestHash: input.requestHash,
      responseStatus: response.status,
      responseBody: response.body as object,
    },
  });
  return { kind: "fresh", response };
}
