import { randomUUID } from "node:crypto";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import {
  ConfirmRequestSchema,
  decisionFor,
  HTTP_STATUS_BY_ERROR_CODE,
  IdParamsSchema,
  PendingReservationSchema,
  type Reservation,
  type ReservationAnswer,
  type ReservationDecision,
  type ReservationOutcome,
  ReservationOutcomeSchema,
  ReservationRequestSchema,
  ReservationSchema,
  ReservationWaitQuerySchema,
  SEQUENCE_STRIDE,
} from "@promo/contracts";
import {
  confirmReservation,
  type Db,
  findIdempotencyRecords,
  findReservation,
  poolSql,
  REQUEST_TRANSACTION,
  RESERVE_IDEMPOTENCY_SCOPE,
  type RecordedResponse,
  releaseReservation,
  runIdempotently,
  type TransitionResult,
  toReservationView,
} from "@promo/db";
import {
  DomainError,
  describeError,
  type ErrorCode,
  isErrorCode,
  normalizeCodeKey,
  retryAfterSeconds,
} from "@promo/domain";
import type { Logger } from "@promo/observability";
import { isRedisUnavailable, partitionOf } from "@promo/queue";
import type { Context } from "hono";
import type { GatewayDeps } from "../deps.ts";
import type { GatewayEnv } from "../env.ts";
import { UNAVAILABLE_RETRY_AFTER_SECONDS } from "../errors.ts";
import { IDEMPOTENCY_KEY_PARAMETER, idempotencyKeyOf, requestHash } from "../idempotency-key.ts";
import { refuseMalformedBody } from "../middleware/json-body.ts";
import { errorResponses, jsonBody, jsonResponse } from "../openapi-helpers.ts";
import { validationHook } from "../validation.ts";

const TAG = ["Reservations"];

const reserveRoute = createRoute({
  method: "post",
  path: "/v1/reservations",
  operationId: "createReservation",
  tags: TAG,
  summary: "Reserve one use of a code (decided strictly in acceptance order)",
  description:
    "Waits up to `wait` ms for the decision. 200: RESERVED, committed before this answer. 4xx: refused, details carry the reservation id and sequence. 202: still PENDING, poll GET /v1/reservations/{id}. Send Idempotency-Key to make retries safe. A refusal that is a failed code attempt (no such code, not active, not for these member groups) counts against the account's and the client IP's guess limit; at the limit: 429 RATE_LIMITED with Retry-After, before anything is queued, except for a request sent again with the Idempotency-Key and body of a decided one, which answers that first result.",
  parameters: [IDEMPOTENCY_KEY_PARAMETER],
  request: { query: ReservationWaitQuerySchema, body: jsonBody(ReservationRequestSchema) },
  responses: {
    200: jsonResponse(ReservationSchema, "RESERVED"),
    202: jsonResponse(PendingReservationSchema, "Accepted, not decided yet"),
    ...errorResponses(400, 401, 403, 404, 409, 413, 415, 422, 429, 503),
  },
});

const getReservationRoute = createRoute({
  method: "get",
  path: "/v1/reservations/{id}",
  operationId: "getReservation",
  tags: TAG,
  summary: "A reservation's current state (202 while still PENDING)",
  description:
    "A request answered 202 that was decided as the replay of an earlier one with its Idempotency-Key answers with that one's reservation; one whose key had been used with a different body answers 422 IDEMPOTENCY_KEY_REUSED (details: id, sequence, idempotencyKey).",
  request: { params: IdParamsSchema },
  responses: {
    200: jsonResponse(ReservationSchema, "The reservation"),
    202: jsonResponse(PendingReservationSchema, "Not decided yet"),
    ...errorResponses(400, 401, 403, 404, 410, 422),
  },
});

/** The HTTP view of a decided reservation. */
export function presentReservation(outcome: ReservationOutcome, locale: "en" | "zh-TW"): Reservation {
  return {
    id: outcome.id,
    sequence: outcome.sequence,
    status: outcome.status,
    code: outcome.code,
    campaignId: outcome.campaignId,
    accountId: outcome.accountId,
    discount: outcome.discount,
    lines: outcome.lines,
    totals: outcome.totals,
    expiresAt: outcome.expiresAt,
    stacksOn: outcome.stacksOn,
    acceptedAt: outcome.acceptedAt,
    orderNumber: outcome.orderNumber,
    orderTotal: outcome.orderTotal,
    partnerId: outcome.partnerId,
    releasedAt: outcome.releasedAt ?? null,
    expiredAt: outcome.expiredAt ?? null,
    confirmedAt: outcome.confirmedAt ?? null,
    cancelledAt: outcome.cancelledAt ?? null,
    error:
      outcome.errorCode && isErrorCode(outcome.errorCode)
        ? {
            code: outcome.errorCode,
            message: describeError(outcome.errorCode, locale),
            ...(outcome.errorDetails ? { details: outcome.errorDetails } : {}),
          }
        : null,
  };
}

/** The decision if it comes within `waitMs`, else null (the request then answers 202). */
async function decisionWithin(
  decision: Promise<ReservationDecision>,
  waitMs: number,
): Promise<ReservationDecision | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), waitMs);
  });
  const decided = await Promise.race([decision, timeout]);
  clearTimeout(timer);
  return decided;
}

function knownErrorCode(code: string | null): ErrorCode {
  return code !== null && isErrorCode(code) ? code : "INTERNAL_ERROR";
}

const releaseRoute = createRoute({
  method: "post",
  path: "/v1/reservations/{id}/release",
  operationId: "releaseReservation",
  tags: TAG,
  summary: "Give a hold back (RESERVED -> RELEASED; the slot is free again)",
  description:
    "Takes no body; a JSON object sent (a reason, say) is not read, and malformed JSON is refused. Releasing a hold that is already released or expired answers its current state. A confirmed, cancelled or rejected reservation is refused with RESERVATION_NOT_RESERVED. Idempotency-Key replays the first answer. The id of a request answered 202 and decided as the replay of an earlier one with its Idempotency-Key acts on that one's reservation, which its GET answers with; a request still undecided is refused with RESERVATION_NOT_RESERVED (status PENDING).",
  parameters: [IDEMPOTENCY_KEY_PARAMETER],
  request: { params: IdParamsSchema },
  middleware: [refuseMalformedBody],
  responses: {
    200: jsonResponse(ReservationSchema, "The reservation"),
    ...errorResponses(400, 401, 403, 404, 409, 410, 413, 415, 422),
  },
});

const confirmRoute = createRoute({
  method: "post",
  path: "/v1/reservations/{id}/confirm",
  operationId: "confirmReservation",
  tags: TAG,
  summary: "Link an order to a hold (RESERVED -> CONFIRMED), for order systems without Kafka",
  description:
    "`orderTotal` is what the order came to (minor units; the reports' revenue); when it is not sent, the reservation's quoted total after the discount (`totals.total`) is assumed, less the discounts of the codes already confirmed on the same order (a report counts an order no one gave a total for at the lowest assumed), so send it whenever the order differs from the quote (taxes, a changed cart). The same order number again answers the confirmed reservation, whatever `orderTotal` it carries (the first confirmation's total stands); another one is refused. With an Idempotency-Key, a different body (another `orderTotal` too) is another request: 422 IDEMPOTENCY_KEY_REUSED. A hold that ran out, expired or was released is confirmed only if the code would grant it again now (room under the limit, account allowed) with the same discount on each line, else RESERVATION_EXPIRED (or the limit reached). An order is one account's, in one currency, and its codes must stack: onto an order that carries another account's reservation, 409 ORDER_ACCOUNT_MISMATCH; priced in another currency, 422 CURRENCY_MISMATCH; with a campaign that does not combine (both ways, never with itself) with a confirmed reservation's on the order, 422 NOT_COMBINABLE with `details.reason` CAMPAIGNS_DO_NOT_COMBINE, and when neither it nor a confirmed reservation on the order was reserved stacked on the other (`stacksOn`: each would take its discount from the whole cart), 422 NOT_COMBINABLE with `details.reason` PRICED_APART; `details.conflictsWith` names that reservation. The id of a request answered 202 and decided as the replay of an earlier one with its Idempotency-Key acts on that one's reservation, which its GET answers with; a request still undecided is refused with RESERVATION_NOT_RESERVED (status PENDING).",
  parameters: [IDEMPOTENCY_KEY_PARAMETER],
  request: { params: IdParamsSchema, body: jsonBody(ConfirmRequestSchema) },
  responses: {
    200: jsonResponse(ReservationSchema, "The confirmed reservation"),
    ...errorResponses(400, 401, 403, 404, 409, 410, 413, 415, 422),
  },
});

type TransitionBody =
  | { reservation: ReservationOutcome }
  | { errorCode: ErrorCode; details: Record<string, unknown> };

function transitionResponse(result: TransitionResult): RecordedResponse {
  const reservation = ReservationOutcomeSchema.parse(toReservationView(result.reservation));
  if (result.kind === "refused") {
    return {
      status: HTTP_STATUS_BY_ERROR_CODE[result.errorCode],
      body: {
        errorCode: result.errorCode,
        details: {
          id: reservation.id,
          status: reservation.status,
          ...(result.conflictsWith === undefined ? {} : { conflictsWith: result.conflictsWith }),
          ...(result.reason === undefined ? {} : { reason: result.reason }),
        },
      } satisfies TransitionBody,
    };
  }
  return { status: 200, body: { reservation } satisfies TransitionBody };
}

function pendingKey(prefix: string, id: string): string {
  return `${prefix}:pending:${id}`;
}

/**
 * What the gateway keeps in Redis for a reservation it answered 202, for GET to answer until the
 * decision is in PostgreSQL. A request with an Idempotency-Key may be decided as a replay of an
 * earlier request with that key, which has the reservation: the key and the request's hash find it.
 */
const PendingMarkerSchema = z.object({
  storeId: z.string(),
  sequence: z.number().int(),
  idempotencyKey: z.string().nullable().default(null),
  requestHash: z.string().default(""),
  // Where its batch was queued, to tell a request still queued from one lost with Redis's data.
  // Markers written before these were kept have none (such a request reads PENDING until decided).
  partition: z.number().int().nonnegative().optional(),
  queuedAt: z.number().int().optional(),
});
type PendingMarker = z.infer<typeof PendingMarkerSchema>;

function readPendingMarker(value: string | null): PendingMarker | null {
  if (value === null) return null;
  try {
    return PendingMarkerSchema.parse(JSON.parse(value));
  } catch {
    return null;
  }
}

export function reservationRoutes(deps: GatewayDeps) {
  const { reservations } = deps;
  const app = new OpenAPIHono<GatewayEnv>({ defaultHook: validationHook });

  app.openapi(reserveRoute, async (c) => {
    const body = c.req.valid("json");
    const { wait } = c.req.valid("query");
    const { storeId } = c.get("principal");
    const idempotencyKey = idempotencyKeyOf(c);
    const codeKey = normalizeCodeKey(body.code);
    const partition = partitionOf(storeId, codeKey, reservations.partitionCount);
    const id = randomUUID();
    // The access-log line of this request carries the reservation id too.
    c.set("reservationId", id);
    const submittedAt = performance.now();
    // Only an Idempotency-Key replay compares request hashes. The code in any letter case, an empty
    // stacksOn, and member groups in any order or repeated, ask what the code as its key, no
    // stacksOn, and the groups sorted once each ask.
    const hash =
      idempotencyKey === null
        ? ""
        : requestHash({
            ...body,
            code: codeKey,
            memberGroups: [...new Set(body.memberGroups)].sort(),
            stacksOn: body.stacksOn?.length ? body.stacksOn : undefined,
          });
    // The guess limit admits the whole batch before it is queued, its codes counted while in flight
    // and kept only for failed code attempts (see the dispatcher).
    const { acceptance, decision } = reservations.dispatcher.submit(partition, {
      id,
      storeId,
      code: body.code,
      codeKey,
      accountId: body.accountId,
      memberGroups: body.memberGroups,
      cart: body.cart,
      idempotencyKey,
      requestHash: hash,
      clientIp: deps.clientIp(c),
      acceptedAt: deps.clock().toISOString(),
      ...(body.stacksOn?.length ? { stacksOn: body.stacksOn } : {}),
    });
    const accepted = await acceptance.catch((error: unknown) => {
      // Redis away: the dispatcher logged the batch; the caller tries again after Retry-After. Its
      // request may still have been queued (the answer was lost, not the command): the same
      // Idempotency-Key then replays that decision.
      if (isRedisUnavailable(error))
        throw DomainError.withoutStack("SERVICE_UNAVAILABLE", {
          retryAfterSeconds: UNAVAILABLE_RETRY_AFTER_SECONDS,
        });
      c.get("logger").error({ err: error, reservationId: id }, "reservation not accepted");
      throw new DomainError("SERVICE_UNAVAILABLE");
    });
    if (accepted.kind === "limited") {
      // A retry of a decided request with its Idempotency-Key is not another guess: it answers the
      // first result again (SPEC §2.7). A different body under the key is another request, limited.
      // PostgreSQL away: the limit stands, and the retry after Retry-After finds the first result.
      const first =
        idempotencyKey === null
          ? null
          : await firstAnswerOfKey(storeId, idempotencyKey, hash, id).catch((error: unknown) => {
              c.get("logger").warn({ err: error, reservationId: id }, "could not look up a keyed request");
              return null;
            });
      if (first) return answerDecided(c, first);
      deps.metrics.reservationAnswered("RATE_LIMITED");
      throw DomainError.withoutStack("RATE_LIMITED", {
        retryAfterSeconds: retryAfterSeconds(accepted.blockedForMs),
      });
    }
    // What GET of this id reads while the request has no row of its own (a 202, a reused key).
    const pending: PendingMarker = {
      storeId,
      sequence: accepted.sequence,
      idempotencyKey,
      requestHash: hash,
      partition,
      queuedAt: accepted.queuedAt,
    };
    // wait=0 answers 202 before any decision, however fast the worker: a timer of 0 ms may fire
    // after a decision that came within the millisecond.
    const decided = wait === 0 ? null : await decisionWithin(decision, wait);
    if (decided === null) {
      const recorded = await recordPendingMarker(id, pending, c.get("logger"));
      // Without its marker, GET of this id finds nothing if the worker decides it as a repeat of an
      // earlier request with its key (only that one has a row). The same key sent again does find
      // the decision, so the caller is told to try again. A request without a key gets a row of its
      // own once decided, which GET finds.
      if (!recorded && idempotencyKey !== null)
        throw DomainError.withoutStack("SERVICE_UNAVAILABLE", {
          retryAfterSeconds: UNAVAILABLE_RETRY_AFTER_SECONDS,
        });
      deps.metrics.reservationAnswered("PENDING");
      return c.json({ id, sequence: accepted.sequence, status: "PENDING" as const }, 202);
    }
    // Under a flash sale nearly every answer is a refusal: thrown without a stack trace.
    const decidedAfterMs = performance.now() - submittedAt;
    if (decided.kind === "refused") {
      // No reservation was made (a reused Idempotency-Key): the details name the request as a
      // 202's poll would, by its id and the position it was accepted at, and its marker makes GET of
      // that id answer the same refusal, as it does for a request answered 202.
      deps.metrics.reservationAnswered(decided.errorCode, decidedAfterMs);
      await recordPendingMarker(id, pending, c.get("logger"));
      throw DomainError.withoutStack(knownErrorCode(decided.errorCode), {
        id,
        sequence: accepted.sequence,
        idempotencyKey,
      });
    }
    return answerDecided(c, decided, decidedAfterMs);
  });

  /** The answer of a reservation decided (a fresh decision, or the replay of a keyed request's). */
  function answerDecided(c: Context<GatewayEnv>, decided: ReservationAnswer, decidedAfterMs?: number) {
    if (decided.kind === "rejected") {
      deps.metrics.reservationAnswered(decided.errorCode, decidedAfterMs);
      throw DomainError.withoutStack(knownErrorCode(decided.errorCode), {
        id: decided.id,
        sequence: decided.sequence,
        campaignId: decided.campaignId,
        ...decided.errorDetails,
      });
    }
    const outcome = decided.reservation;
    deps.metrics.reservationAnswered(
      outcome.status === "REJECTED" ? (outcome.errorCode ?? outcome.status) : outcome.status,
      decidedAfterMs,
    );
    if (outcome.status === "REJECTED") {
      throw DomainError.withoutStack(knownErrorCode(outcome.errorCode), {
        id: outcome.id,
        sequence: outcome.sequence,
        campaignId: outcome.campaignId,
        ...outcome.errorDetails,
      });
    }
    return c.json(presentReservation(outcome, c.get("locale")), 200);
  }

  /**
   * The first result of the store's reserve request with this Idempotency-Key, as its replay, when
   * it is decided and was sent with the same body (`hash`); null otherwise.
   */
  async function firstAnswerOfKey(
    storeId: string,
    key: string,
    hash: string,
    requestId: string,
  ): Promise<ReservationAnswer | null> {
    const [first] = await findIdempotencyRecords(poolSql(deps.database.pool), RESERVE_IDEMPOTENCY_SCOPE, [
      { storeId, key },
    ]);
    if (!first || first.requestHash !== hash) return null;
    return decisionFor(requestId, ReservationOutcomeSchema.parse(first.responseBody), true);
  }

  app.openapi(getReservationRoute, async (c) => {
    const { id } = c.req.valid("param");
    const { storeId } = c.get("principal");
    const row = await findReservation(deps.database.prisma, storeId, id);
    if (row)
      return c.json(
        presentReservation(
          ReservationOutcomeSchema.parse(toReservationView(row, deps.clock())),
          c.get("locale"),
        ),
        200,
      );
    const marker = await readStorePendingMarker(storeId, id);
    if (!marker) throw new DomainError("NOT_FOUND");
    const standing = await undecidedStanding(storeId, id, marker);
    const answering = standing.kind === "pending" ? null : standing.reservationId;
    const answer = answering ? await findReservation(deps.database.prisma, storeId, answering) : null;
    if (answer)
      return c.json(
        presentReservation(
          ReservationOutcomeSchema.parse(toReservationView(answer, deps.clock())),
          c.get("locale"),
        ),
        200,
      );
    return c.json({ id, sequence: marker.sequence, status: "PENDING" as const }, 202);
  });

  /**
   * Where a request without a row of its own when last looked stands: answered by a reservation (a
   * keyed repeat answers with its key's first request's; or it was decided just now), or still
   * pending. A request whose batch the queue no longer holds and that PostgreSQL never recorded was
   * lost with Redis's data (which it keeps none of on disk): RESERVATION_LOST, so its caller sends it
   * again instead of polling for good, once the batch was queued `lostAfterMs` ago: until then a
   * worker may still hold it and commit it (its partition lease lapses with Redis's data, and a
   * commit in flight may still land). The queue is asked before PostgreSQL is asked again, since a
   * batch leaves the queue only after its decisions are committed.
   */
  async function undecidedStanding(
    storeId: string,
    id: string,
    marker: PendingMarker,
  ): Promise<{ kind: "answered"; reservationId: string } | { kind: "pending" }> {
    const firstId = await firstRequestOfRepeat(storeId, id, marker);
    if (firstId) return { kind: "answered", reservationId: firstId };
    if (marker.partition === undefined || marker.queuedAt === undefined) return { kind: "pending" };
    const queuedAt = await reservations.queues.queuedAtOf(
      marker.partition,
      Math.floor(marker.sequence / SEQUENCE_STRIDE),
    );
    if (queuedAt === marker.queuedAt) return { kind: "pending" };
    if (deps.clock().getTime() - marker.queuedAt < reservations.lostAfterMs) return { kind: "pending" };
    if (await reservationExists(storeId, id)) return { kind: "answered", reservationId: id };
    const repeated = await firstRequestOfRepeat(storeId, id, marker);
    if (repeated) return { kind: "answered", reservationId: repeated };
    throw new DomainError("RESERVATION_LOST", { id, sequence: marker.sequence });
  }

  async function reservationExists(storeId: string, id: string): Promise<boolean> {
    const row = await deps.database.prisma.reservation.findFirst({
      where: { id, storeId },
      select: { id: true },
    });
    return row !== null;
  }

  /**
   * Remembers a request that has no row of its own yet (answered 202) or will never have one (a
   * reused Idempotency-Key), so GET of its id answers. False when Redis would not take it.
   */
  async function recordPendingMarker(id: string, marker: PendingMarker, logger: Logger): Promise<boolean> {
    return reservations.redis
      .set(pendingKey(reservations.prefix, id), JSON.stringify(marker), "EX", 86_400)
      .then(
        () => true,
        (error: unknown) => {
          logger.warn({ err: error, reservationId: id }, "could not record pending reservation");
          return false;
        },
      );
  }

  /** The pending marker of a request the gateway accepted for this store and not yet decided. */
  async function readStorePendingMarker(storeId: string, id: string): Promise<PendingMarker | null> {
    const marker = readPendingMarker(await reservations.redis.get(pendingKey(reservations.prefix, id)));
    return marker?.storeId === storeId ? marker : null;
  }

  /**
   * A request sent again with an Idempotency-Key whose first request is decided has no row of its
   * own: it is (or will be) that one's replay, and answers with the first request's reservation.
   * Null while the key's first request is undecided, or for a request without a key.
   */
  async function firstRequestOfRepeat(
    storeId: string,
    id: string,
    marker: PendingMarker,
  ): Promise<string | null> {
    if (marker.idempotencyKey === null) return null;
    const [first] = await findIdempotencyRecords(poolSql(deps.database.pool), RESERVE_IDEMPOTENCY_SCOPE, [
      { storeId, key: marker.idempotencyKey },
    ]);
    if (first && first.requestHash !== marker.requestHash) {
      throw new DomainError("IDEMPOTENCY_KEY_REUSED", {
        id,
        sequence: marker.sequence,
        idempotencyKey: marker.idempotencyKey,
      });
    }
    return first?.reservationId && first.reservationId !== id ? first.reservationId : null;
  }

  /**
   * The reservation a release or confirm of `id` acts on: `id` itself once decided, or, for a keyed
   * repeat answered 202, the first request's reservation (which its GET answers with).
   */
  async function transitionTarget(storeId: string, id: string): Promise<string> {
    if (await reservationExists(storeId, id)) return id;
    const marker = await readStorePendingMarker(storeId, id);
    if (!marker) throw new DomainError("NOT_FOUND");
    const standing = await undecidedStanding(storeId, id, marker);
    if (standing.kind === "pending")
      throw new DomainError("RESERVATION_NOT_RESERVED", { id, status: "PENDING" });
    return standing.reservationId;
  }

  async function transition(
    c: Context<GatewayEnv>,
    id: string,
    action: "release" | "confirm",
    requestBody: Record<string, unknown>,
    apply: (tx: Db, storeId: string, id: string, now: Date) => Promise<TransitionResult | null>,
  ) {
    const { storeId } = c.get("principal");
    const key = idempotencyKeyOf(c);
    const target = await transitionTarget(storeId, id);
    // One key is one request: the key's scope is the action, and the request it stands for names the
    // reservation, so the same key sent to release or confirm another reservation is refused.
    const outcome = await deps.database.prisma.$transaction(
      (tx) =>
        runIdempotently(
          tx,
          {
            storeId,
            scope: action,
            key,
            requestHash: requestHash({ reservationId: target, ...requestBody }),
          },
          async () => {
            const result = await apply(tx, storeId, target, deps.clock());
            if (!result) throw new DomainError("NOT_FOUND");
            return transitionResponse(result);
          },
        ),
      REQUEST_TRANSACTION,
    );
    if (outcome.kind === "key-reused") throw new DomainError("IDEMPOTENCY_KEY_REUSED");
    const body = outcome.response.body as TransitionBody;
    if ("errorCode" in body) throw new DomainError(body.errorCode, body.details);
    return c.json(presentReservation(body.reservation, c.get("locale")), 200);
  }

  app.openapi(releaseRoute, async (c) => {
    const { id } = c.req.valid("param");
    return transition(c, id, "release", {}, (tx, storeId, target, now) =>
      releaseReservation(tx, { storeId, id: target, now }),
    );
  });

  app.openapi(confirmRoute, async (c) => {
    const { id } = c.req.valid("param");
    const { orderNumber, orderTotal } = c.req.valid("json");
    return transition(c, id, "confirm", { orderNumber, orderTotal }, (tx, storeId, target, now) =>
      confirmReservation(tx, { storeId, id: target, orderNumber, orderTotal, now }),
    );
  });

  return app;
}
