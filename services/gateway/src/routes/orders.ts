import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import {
  type OrderCancellation,
  OrderCancellationSchema,
  OrderNumberParamsSchema,
  type ReservationOutcome,
  ReservationOutcomeSchema,
} from "@promo/contracts";
import { cancelOrderReservations, REQUEST_TRANSACTION, runIdempotently, toReservationView } from "@promo/db";
import { DomainError } from "@promo/domain";
import type { GatewayDeps } from "../deps.ts";
import type { GatewayEnv } from "../env.ts";
import { IDEMPOTENCY_KEY_PARAMETER, idempotencyKeyOf, requestHash } from "../idempotency-key.ts";
import { refuseMalformedBody } from "../middleware/json-body.ts";
import { errorResponses, jsonResponse } from "../openapi-helpers.ts";
import { validationHook } from "../validation.ts";
import { presentReservation } from "./reservations.ts";

const cancelOrderRoute = createRoute({
  method: "post",
  path: "/v1/orders/{orderNumber}/cancel",
  operationId: "cancelOrder",
  tags: ["Reservations"],
  summary:
    "Cancel an order (CONFIRMED -> CANCELLED; the slots are free again), for order systems without Kafka",
  description:
    "What `order.cancelled` does on Kafka: every reservation confirmed under the order number is CANCELLED and its slot returned, a `reservation.cancelled` event each; a confirmation onto the order in flight is waited for and cancelled too. Answers the order's reservations as they stand. Cancelling again changes nothing and answers the same. An order number no reservation of the store was ever confirmed under: 404 NOT_FOUND. Takes no body (a JSON object sent is not read). Idempotency-Key replays the first answer.",
  parameters: [IDEMPOTENCY_KEY_PARAMETER],
  request: { params: OrderNumberParamsSchema },
  middleware: [refuseMalformedBody],
  responses: {
    200: jsonResponse(OrderCancellationSchema, "The order's reservations after the cancel"),
    ...errorResponses(400, 401, 403, 404, 413, 415, 422),
  },
});

type CancelledOrder = { orderNumber: string; reservations: ReservationOutcome[] };

export function orderRoutes(deps: GatewayDeps) {
  const app = new OpenAPIHono<GatewayEnv>({ defaultHook: validationHook });

  app.openapi(cancelOrderRoute, async (c) => {
    const { orderNumber } = c.req.valid("param");
    const { storeId } = c.get("principal");
    const key = idempotencyKeyOf(c);
    const outcome = await deps.database.prisma.$transaction(
      (tx) =>
        runIdempotently(
          tx,
          { storeId, scope: "cancel", key, requestHash: requestHash({ orderNumber }) },
          async () => {
            const now = deps.clock();
            // Unknown: thrown, so nothing is kept under the key and a retry once it is placed cancels.
            if ((await cancelOrderReservations(tx, { storeId, orderNumber, now })) === null)
              throw new DomainError("NOT_FOUND", { orderNumber });
            const rows = await tx.reservation.findMany({
              where: { storeId, orderNumber },
              orderBy: { sequence: "asc" },
            });
            const body: CancelledOrder = {
              orderNumber,
              reservations: rows.map((row) => ReservationOutcomeSchema.parse(toReservationView(row, now))),
            };
            return { status: 200, body };
          },
        ),
      REQUEST_TRANSACTION,
    );
    if (outcome.kind === "key-reused") throw new DomainError("IDEMPOTENCY_KEY_REUSED");
    const cancelled = outcome.response.body as CancelledOrder;
    const answer: OrderCancellation = {
      orderNumber: cancelled.orderNumber,
      reservations: cancelled.reservations.map((reservation) =>
        presentReservation(reservation, c.get("locale")),
      ),
    };
    return c.json(answer, 200);
  });

  return app;
}
