import { randomUUID } from "node:crypto";
import type { ReservationBatchResult } from "@promo/contracts";
import { describe, expect, it } from "vitest";
import { createResultPublisher } from "./result-publisher.ts";

const resultOf = (): ReservationBatchResult => ({ batchId: randomUUID(), decisions: [] });
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("createResultPublisher", () => {
  it("sends what one turn published as one message per channel, in order", async () => {
    const sent: Array<[string, readonly ReservationBatchResult[]]> = [];
    const publisher = createResultPublisher({
      send: async (channel, results) => {
        sent.push([channel, results]);
      },
      onError: () => undefined,
    });
    const [a1, b1, a2, a3] = [resultOf(), resultOf(), resultOf(), resultOf()];
    for (const [channel, result] of [
      ["a", a1],
      ["b", b1],
      ["a", a2],
    ] as const)
      publisher.publish(channel, result);
    expect(sent).toEqual([]);
    await nextTurn();
    expect(sent).toEqual([
      ["a", [a1, a2]],
      ["b", [b1]],
    ]);
    publisher.publish("a", a3);
    await nextTurn();
    expect(sent.at(-1)).toEqual(["a", [a3]]);
    expect(sent).toHaveLength(3);
  });

  it("reports a failed send with its channel and keeps publishing", async () => {
    const failures: string[] = [];
    const sent: string[] = [];
    let fail = true;
    const publisher = createResultPublisher({
      send: async (channel) => {
        if (fail) throw new Error("redis down");
        sent.push(channel);
      },
      onError: (error, channel) => failures.push(`${channel}: ${(error as Error).message}`),
    });
    publisher.publish("a", resultOf());
    await nextTurn();
    await nextTurn();
    expect(failures).toEqual(["a: redis down"]);
    fail = false;
    publisher.publish("b", resultOf());
    await nextTurn();
    expect(sent).toEqual(["b"]);
  });
});
