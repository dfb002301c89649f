import { idempotentProducer } from "@promo/events";
import { Kafka, logLevel } from "kafkajs";

const WARM_UP_GROUP = "promo-dev-services-warm-up";

/**
 * A broker that has just started still loads its coordinators: for a few seconds it answers an
 * idempotent producer's InitProducerId and a consumer group's FindCoordinator with "the coordinator
 * is loading", and every client that meets it logs those answers while it retries. This asks both
 * once, quietly, retrying until they answer, so that the services started next meet a ready broker.
 */
export async function warmUpCoordinators(brokers: readonly string[]): Promise<void> {
  const kafka = new Kafka({
    clientId: "promo-dev-services",
    brokers: [...brokers],
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    retry: { initialRetryTime: 100, maxRetryTime: 1_000, retries: 60 },
    logLevel: logLevel.NOTHING,
  });
  // The services' own producer: what it asks for when it connects is what they will ask.
  const producer = idempotentProducer(kafka);
  const admin = kafka.admin();
  try {
    // An idempotent producer asks for its producer id when it connects.
    await producer.connect();
    await admin.connect();
    await admin.describeGroups([WARM_UP_GROUP]);
  } finally {
    await Promise.allSettled([producer.disconnect(), admin.disconnect()]);
  }
}
