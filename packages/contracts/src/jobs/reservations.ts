import { STACK_REFUSAL_REASONS } from "@promo/domain";
import { z } from "zod";

const MoneySchema = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/** Most codes one quote prices together. */
export const MAX_QUOTE_CODES = 20;

/** Most holds one reservation may stack on: every other code of a quote. */
export const MAX_STACKED_RESERVATIONS = MAX_QUOTE_CODES - 1;

/** One accepted reservation request, as the gateway hands it to the worker. */
export const ReservationCommandSchema = z.object({
  /** Reservation id chosen by the gateway (UUID); the row gets this id. */
  id: z.uuid(),
  storeId: z.uuid(),
  code: z.string().min(1).max(256),
  codeKey: z.string().min(1).max(256),
  accountId: z.string().min(1).max(256),
  memberGroups: z.array(z.string()).max(200),
  cart: z.object({
    currency: z.string().length(3),
    items: z
      .array(
        z.object({ productId: z.string(), unitPrice: MoneySchema, quantity: z.number().int().positive() }),
      )
      .min(1),
    shipping: MoneySchema,
  }),
  idempotencyKey: z.string().max(255).nullable(),
  /** sha256 of the request body: a key reused with another body is refused. */
  requestHash: z.string().max(128),
  clientIp: z.string().max(64).nullable(),
  acceptedAt: z.iso.datetime(),
  /** The holds this one stacks on, in order (sent only when there are some). */
  stacksOn: z.array(z.uuid()).max(MAX_STACKED_RESERVATIONS).optional(),
});
export type ReservationCommand = z.infer<typeof ReservationCommandSchema>;

/** Most requests one batch job carries; sequences are jobId × SEQUENCE_STRIDE + index. */
export const MAX_BATCH_SIZE = 500;
export const SEQUENCE_STRIDE = 1_000;

export const ReservationBatchJobSchema = z.object({
  batchId: z.uuid(),
  requests: z.array(ReservationCommandSchema).min(1).max(MAX_BATCH_SIZE),
  /**
   * The Redis pub/sub channel of the gateway that enqueued the batch: the worker publishes the
   * batch result there once it is committed. Absent: nobody is told (the result stays the job's).
   */
  replyTo: z.string().min(1).max(200).optional(),
});
export type ReservationBatchJob = z.infer<typeof ReservationBatchJobSchema>;

const LineSchema = z.object({
  productId: z.string(),
  unitPrice: MoneySchema,
  quantity: z.number().int(),
  lineTotal: MoneySchema,
  discount: MoneySchema,
  total: MoneySchema,
});

const TotalsSchema = z.object({
  itemsSubtotal: MoneySchema,
  discount: MoneySchema,
  shipping: MoneySchema,
  total: MoneySchema,
});

/** Which reservation of a request's `stacksOn` it was refused for, and why (see STACK_REFUSAL_REASONS). */
export const StackRefusalDetailsSchema = z.object({
  stackedReservationId: z.uuid(),
  reason: z.enum(STACK_REFUSAL_REASONS),
  missingReservationIds: z.array(z.uuid()).optional(),
});

/** A reservation as decided (or as first decided, for an idempotent replay). */
export const ReservationOutcomeSchema = z.object({
  id: z.uuid(),
  storeId: z.uuid(),
  sequence: z.number().int().nonnegative(),
  status: z.enum(["RESERVED", "REJECTED", "RELEASED", "EXPIRED", "CONFIRMED", "CANCELLED"]),
  errorCode: z.string().nullable(),
  // Set for a refused stack only; outcomes stored before it was added have none.
  errorDetails: StackRefusalDetailsSchema.nullable().default(null),
  code: z.string(),
  campaignId: z.uuid().nullable(),
  accountId: z.string(),
  discount: MoneySchema,
  lines: z.array(LineSchema),
  totals: TotalsSchema,
  expiresAt: z.iso.datetime().nullable(),
  // Outcomes stored before it was added (Idempotency-Key records) have none.
  acceptedAt: z.iso.datetime().nullable().default(null),
  stacksOn: z.array(z.uuid()).default([]),
  orderNumber: z.string().nullable(),
  // Outcomes stored before it was added (Idempotency-Key records) have none.
  orderTotal: MoneySchema.nullable().default(null),
  partnerId: z.uuid().nullable(),
  // When it left RESERVED or CONFIRMED, read from its row (GET, release, confirm, replays). A fresh
  // decision carries none (it is RESERVED: all null), which keeps the worker's answers small.
  releasedAt: z.iso.datetime().nullable().optional(),
  expiredAt: z.iso.datetime().nullable().optional(),
  confirmedAt: z.iso.datetime().nullable().optional(),
  cancelledAt: z.iso.datetime().nullable().optional(),
});
export type ReservationOutcome = z.infer<typeof ReservationOutcomeSchema>;

/**
 * Per request of the batch: a reservation (`decided`), a rejected reservation reduced to what its
 * answer needs (`rejected`: most answers of a flash sale, kept small on their way through Redis),
 * or a refusal that created no reservation (`refused`).
 */
export const ReservationDecisionSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("decided"),
    requestId: z.uuid(),
    replayed: z.boolean(),
    reservation: ReservationOutcomeSchema,
  }),
  z.object({
    kind: z.literal("rejected"),
    requestId: z.uuid(),
    replayed: z.boolean(),
    id: z.uuid(),
    sequence: z.number().int().nonnegative(),
    errorCode: z.string(),
    // Absent unless a refused stack (most rejections of a flash sale travel without it).
    errorDetails: StackRefusalDetailsSchema.optional(),
    campaignId: z.uuid().nullable(),
  }),
  z.object({ kind: z.literal("refused"), requestId: z.uuid(), errorCode: z.string() }),
]);
export type ReservationDecision = z.infer<typeof ReservationDecisionSchema>;

/** A decision that made or names a reservation: every kind but a refusal. */
export type ReservationAnswer = Exclude<ReservationDecision, { kind: "refused" }>;

/** The decision that answers `requestId` with `outcome` (a rejection travels in its short form). */
export function decisionFor(
  requestId: string,
  outcome: ReservationOutcome,
  replayed: boolean,
): ReservationAnswer {
  if (outcome.status === "REJECTED") {
    return {
      kind: "rejected",
      requestId,
      replayed,
      id: outcome.id,
      sequence: outcome.sequence,
      errorCode: outcome.errorCode ?? "INTERNAL_ERROR",
      ...(outcome.errorDetails ? { errorDetails: outcome.errorDetails } : {}),
      campaignId: outcome.campaignId,
    };
  }
  return { kind: "decided", requestId, replayed, reservation: outcome };
}

export const ReservationBatchResultSchema = z.object({
  batchId: z.uuid(),
  decisions: z.array(ReservationDecisionSchema),
});
export type ReservationBatchResult = z.infer<typeof ReservationBatchResultSchema>;

/**
 * One message on a gateway's results channel (the job's `replyTo`): the results of batches that
 * gateway enqueued, committed in the same transaction.
 */
export const ReservationResultsMessageSchema = z.object({
  results: z.array(ReservationBatchResultSchema).min(1),
});
export type ReservationResultsMessage = z.infer<typeof ReservationResultsMessageSchema>;

/** What a decided job keeps as its BullMQ result: its decisions went to the gateway and PostgreSQL. */
export const ReservationBatchSummarySchema = z.object({
  batchId: z.uuid(),
  decisions: z.number().int().nonnegative(),
});
export type ReservationBatchSummary = z.infer<typeof ReservationBatchSummarySchema>;

/** The reservation queue's catalog: one job name, its payload and result. */
export const RESERVATION_QUEUE_CATALOG = {
  "reserve-batch": { payload: ReservationBatchJobSchema, result: ReservationBatchSummarySchema },
} as const;
