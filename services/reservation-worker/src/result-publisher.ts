import type { ReservationBatchResult } from "@promo/contracts";

export type ResultPublisherOptions = {
  /** Sends one message with these results to the channel (PUBLISH). */
  send: (channel: string, results: readonly ReservationBatchResult[]) => Promise<void>;
  onError: (error: unknown, channel: string) => void;
};

/**
 * Tells gateways their batches' results, one message per gateway channel for everything committed
 * in the same turn of the event loop: a group commit settles many jobs at once, often for the same
 * gateway, and they leave as one PUBLISH rather than one each. Failures are reported, never thrown
 * (a gateway that misses a result answers 202 and PostgreSQL has the decision).
 */
export function createResultPublisher(options: ResultPublisherOptions) {
  const pending = new Map<string, ReservationBatchResult[]>();
  let scheduled = false;

  function flush(): void {
    scheduled = false;
    const messages = [...pending];
    pending.clear();
    for (const [channel, results] of messages) {
      options.send(channel, results).catch((error: unknown) => options.onError(error, channel));
    }
  }

  return {
    publish(channel: string, result: ReservationBatchResult): void {
      const results = pending.get(channel);
      if (results) results.push(result);
      else pending.set(channel, [result]);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
  };
}
export type ResultPublisher = ReturnType<typeof createResultPublisher>;
