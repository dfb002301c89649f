import { randomUUID } from "node:crypto";
import type { ReservationBatchResult } from "@promo/contracts";
import {
  createRedisConnection,
  publishReservationResults,
  type RedisConnection,
  reservationResultsChannel,
  subscribeReservationResults,
} from "@promo/queue";
import { readTestEnv } from "@promo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

type Heard = { results: ReservationBatchResult[]; errors: Error[]; next(): Promise<void> };

const env = readTestEnv();
const prefix = `test-results-${randomUUID().slice(0, 8)}`;
const subscriptions: Array<{ close(): Promise<void> }> = [];
let publisher: RedisConnection;

/** One gateway's subscription; `next()` resolves at its next result or error. */
async function listen(channel: string): Promise<Heard> {
  let wake: () => void = () => undefined;
  const heard: Heard = {
    results: [],
    errors: [],
    next: () =>
      new Promise<void>((resolve) => {
        wake = resolve;
      }),
  };
  const subscription = subscribeReservationResults({
    connection: createRedisConnection({ url: env.REDIS_URL, cluster: false }, "blocking", "results-test"),
    channel,
    onResult: (result) => {
      heard.results.push(result);
      wake();
    },
    onError: (error) => {
      heard.errors.push(error);
      wake();
    },
  });
  subscriptions.push(subscription);
  await subscription.ready;
  return heard;
}

function resultOf(batchId: string): ReservationBatchResult {
  return {
    batchId,
    decisions: [{ kind: "refused", requestId: randomUUID(), errorCode: "IDEMPOTENCY_KEY_REUSED" }],
  };
}

beforeAll(() => {
  publisher = createRedisConnection(
    { url: env.REDIS_URL, cluster: false },
    "producer",
    "results-test-publisher",
  );
});

afterAll(async () => {
  await Promise.all(subscriptions.map((subscription) => subscription.close()));
  publisher.disconnect();
});

describe("reservation results on each gateway's own channel", () => {
  it("reach the gateway that enqueued the batch and no other", async () => {
    const first = reservationResultsChannel(prefix, "gateway-1");
    const second = reservationResultsChannel(prefix, "gateway-2");
    expect(first).not.toBe(second);
    const gateway1 = await listen(first);
    const gateway2 = await listen(second);

    const forFirst = resultOf(randomUUID());
    const heardByFirst = gateway1.next();
    await publishReservationResults(publisher, first, [forFirst]);
    await heardByFirst;
    // Published after, on the same server: had the first result gone to gateway 2 too, it would be there by now.
    const forSecond = resultOf(randomUUID());
    const heardBySecond = gateway2.next();
    await publishReservationResults(publisher, second, [forSecond]);
    await heardBySecond;

    expect(gateway1.results).toEqual([forFirst]);
    expect(gateway2.results).toEqual([forSecond]);
    expect([...gateway1.errors, ...gateway2.errors]).toEqual([]);
  });

  it("hand over every result of one message, in order", async () => {
    const channel = reservationResultsChannel(prefix, "gateway-4");
    const gateway = await listen(channel);
    const committedTogether = [resultOf(randomUUID()), resultOf(randomUUID()), resultOf(randomUUID())];
    const heard = gateway.next();
    await publishReservationResults(publisher, channel, committedTogether);
    await heard;
    expect(gateway.results).toEqual(committedTogether);
  });

  it("report a message that is not a batch result as an error, and go on listening", async () => {
    const channel = reservationResultsChannel(prefix, "gateway-3");
    const gateway = await listen(channel);

    const heardGarbage = gateway.next();
    await publisher.publish(channel, '{"results": [{"batchId": "not a uuid"}]}');
    await heardGarbage;
    expect(gateway.errors.map((error) => error.message)).toEqual([
      expect.stringContaining("unparseable reservation results"),
    ]);

    const result = resultOf(randomUUID());
    const heardResult = gateway.next();
    await publishReservationResults(publisher, channel, [result]);
    await heardResult;
    expect(gateway.results).toEqual([result]);
  });
});
