import { describe, expect, it } from "vitest";
import { consumerReadiness, SESSION_TIMEOUT_MS } from "./readiness.ts";

const NOW = 1_800_000_000_000;

describe("consumerReadiness", () => {
  it("is ready only while consuming, heard from within a session timeout, with PostgreSQL answering", () => {
    for (const silentMs of [0, 1, SESSION_TIMEOUT_MS])
      expect(
        consumerReadiness({ phase: "consuming", lastContactAt: NOW - silentMs, postgresAway: false }, NOW),
        `${silentMs} ms`,
      ).toEqual({ ready: true });
  });

  it("says why not in every other case", () => {
    const cases = [
      [{ phase: "starting", lastContactAt: null }, "waiting for Kafka and the orders topics"],
      [{ phase: "joining", lastContactAt: NOW }, "joining the consumer group"],
      [{ phase: "restarting", lastContactAt: NOW }, "restarting after the consumer stopped on an error"],
      [{ phase: "stopping", lastContactAt: NOW }, "stopping"],
      [{ phase: "consuming", lastContactAt: null }, "no heartbeat answered yet"],
      [
        { phase: "consuming", lastContactAt: NOW - SESSION_TIMEOUT_MS - 1 },
        "the group coordinator has not answered a heartbeat for 30 s",
      ],
      [
        { phase: "consuming", lastContactAt: NOW - 95_400 },
        "the group coordinator has not answered a heartbeat for 95 s",
      ],
    ] as const;
    for (const [state, reason] of cases)
      expect(consumerReadiness({ ...state, postgresAway: false }, NOW), state.phase).toEqual({
        ready: false,
        reason,
      });
    expect(consumerReadiness({ phase: "consuming", lastContactAt: NOW, postgresAway: true }, NOW)).toEqual({
      ready: false,
      reason: "PostgreSQL unreachable: order events wait",
    });
  });
});
