import type { Readiness } from "@promo/observability";

/** Where the order consumer is in its life; only `consuming` takes order events. */
export type ConsumerPhase = "starting" | "joining" | "consuming" | "restarting" | "stopping";

/**
 * kafkajs's default session timeout: a member that has not heartbeated for this long has been put
 * out of its group by the coordinator, and its partitions handed to the others.
 */
export const SESSION_TIMEOUT_MS = 30_000;

/**
 * Ready while the consumer is a member of its group that heartbeated (or handled a batch) within a
 * session timeout, and PostgreSQL answered its last query: a consumer whose coordinator stopped
 * answering is still `consuming` in its own eyes, but no order event reaches it, and one whose
 * PostgreSQL is away holds its batch until it is back.
 */
export function consumerReadiness(
  state: { phase: ConsumerPhase; lastContactAt: number | null; postgresAway: boolean },
  now: number,
): Readiness {
  switch (state.phase) {
    case "starting":
      return { ready: false, reason: "waiting for Kafka and the orders topics" };
    case "joining":
      return { ready: false, reason: "joining the consumer group" };
    case "restarting":
      return { ready: false, reason: "restarting after the consumer stopped on an error" };
    case "stopping":
      return { ready: false, reason: "stopping" };
    case "consuming": {
      if (state.lastContactAt === null) return { ready: false, reason: "no heartbeat answered yet" };
      const silentMs = now - state.lastContactAt;
      if (silentMs > SESSION_TIMEOUT_MS)
        return {
          ready: false,
          reason: `the group coordinator has not answered a heartbeat for ${Math.round(silentMs / 1000)} s`,
        };
      if (state.postgresAway) return { ready: false, reason: "PostgreSQL unreachable: order events wait" };
      return { ready: true };
    }
  }
}
