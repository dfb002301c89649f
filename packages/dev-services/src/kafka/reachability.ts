import { Kafka, logLevel } from "kafkajs";
import { resolveWithin } from "../wait.ts";

export const KAFKA_PROBE_TIMEOUT_MS = 3_000;

/** True when the cluster at `brokers` answers describeCluster within the timeout. */
export async function isKafkaReachable(
  brokers: readonly string[],
  timeoutMs: number = KAFKA_PROBE_TIMEOUT_MS,
): Promise<boolean> {
  const admin = new Kafka({
    clientId: "promo-dev-services",
    brokers: [...brokers],
    connectionTimeout: Math.min(timeoutMs, 2_000),
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  }).admin();
  const probe = admin
    .connect()
    .then(() => admin.describeCluster())
    .then(
      (cluster) => cluster.brokers.length > 0,
      () => false,
    );
  try {
    return await resolveWithin(probe, timeoutMs, false);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
