import { Kafka, type LogEntry, logLevel, Partitioners, type Producer } from "kafkajs";
import { registerCompressionCodecs } from "./compression-codecs.ts";

export type KafkaLogLevel = "error" | "warn" | "info" | "debug";

export type KafkaLog = (level: KafkaLogLevel, message: string, extra: Record<string, unknown>) => void;

const LEVELS: Record<number, KafkaLogLevel> = {
  [logLevel.ERROR]: "error",
  [logLevel.WARN]: "warn",
  [logLevel.INFO]: "info",
  [logLevel.DEBUG]: "debug",
};

/**
 * The level a kafkajs log entry is written at. kafkajs logs every error answer of a broker
 * ("Response <request>" from its Connection) at ERROR before it decides whether to retry: a fresh
 * broker answers "The coordinator is loading" for a few seconds, and the client retries and goes
 * on. Those lines are warnings: what kafkajs gives up on reaches the caller (the relay logs its
 * failed round and retries it; a consumer's crash is logged by kafkajs, at error).
 */
export function kafkaLogLevel(entry: Pick<LogEntry, "namespace" | "level" | "log">): KafkaLogLevel {
  const level = LEVELS[entry.level] ?? "info";
  // Two services creating the same missing topics at once: one is told they exist. A real failure
  // to create one reaches ensureTopics' caller, which logs it and tries again.
  if (entry.namespace === "Connection" && entry.log.message.startsWith("Response CreateTopics"))
    return "info";
  if (level === "error" && entry.namespace === "Connection" && entry.log.message.startsWith("Response "))
    return "warn";
  // Said once per producer because retries are bounded (createKafka): deliberate, see idempotentProducer.
  if (entry.namespace === "Producer" && entry.log.message.startsWith(BOUNDED_RETRIES_NOTICE)) return "info";
  // What comes after a crash, which was logged as an error (or as an outage) just before.
  if (entry.namespace === "Consumer" && entry.log.message.startsWith("Restarting the consumer"))
    return "info";
  return level;
}

const BOUNDED_RETRIES_NOTICE = "Limiting retries for the idempotent producer";

/**
 * Whether a kafkajs log entry is an attempt to reach a broker failing (the broker is away): kafkajs
 * logs each one at ERROR, from each connection and again from the broker pool, several a second
 * while it retries, and a consumer's crash on it. A service gives these to its outage log, which
 * warns once per outage; everything else kafkajs says is logged as before.
 */
export function isKafkaConnectionFailure(entry: Pick<LogEntry, "namespace" | "log">): boolean {
  const message = entry.log.message;
  if (entry.namespace === "Connection") return /^Connection (error|timeout)/.test(message);
  if (entry.namespace === "BrokerPool") return message.startsWith("Failed to connect to seed broker");
  if (entry.namespace === "Consumer")
    return /^Crash: KafkaJS\w+: (Connection (error|timeout)|Closed connection)/.test(message);
  return false;
}

/** kafkajs's errors for a broker that could not be reached, or a whole cluster that could not. */
const UNREACHABLE_ERRORS = new Set([
  "KafkaJSConnectionError",
  "KafkaJSConnectionClosedError",
  "KafkaJSNoBrokerAvailableError",
  "KafkaJSBrokerNotFound",
]);

/** Whether a thrown error says the brokers could not be reached (looks through `cause`). */
export function isKafkaUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  for (let current = error; typeof current === "object" && current !== null && !seen.has(current); ) {
    seen.add(current);
    const { name, cause } = current as { name?: unknown; cause?: unknown };
    if (typeof name === "string" && UNREACHABLE_ERRORS.has(name)) return true;
    current = cause;
  }
  return false;
}

/**
 * The producer both Kafka writers use: idempotent (the broker drops a retried duplicate of a batch),
 * one request in flight (order per partition survives retries), no topic created by a send, and
 * kafkajs's default partitioner named, so a key keeps its partition as other Java-compatible
 * clients place it. Its retries are bounded like the client's: a send that runs out of them fails
 * the caller's round, which is retried whole (the relay: its rows stay unpublished; the order
 * consumer: its offsets stay uncommitted), so delivery stays at least once and consumers dedupe by
 * eventId. kafkajs notes that bounded retries weaken exactly-once; that note is logged at info.
 */
export function idempotentProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
}

export function createKafka(options: {
  brokers: readonly string[];
  clientId: string;
  log?: KafkaLog;
  /** Told of each failed attempt to reach a broker (isKafkaConnectionFailure) instead of `log`. */
  onConnectionFailure?: (message: string) => void;
}): Kafka {
  const { log, onConnectionFailure } = options;
  // Batches other producers compressed with snappy, lz4 or zstd are read, not a consumer's crash.
  registerCompressionCodecs();
  return new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 5_000 },
    logLevel: log ? logLevel.WARN : logLevel.NOTHING,
    logCreator: () => (entry: LogEntry) => {
      if (!log) return;
      const { message, ...extra } = entry.log;
      if (onConnectionFailure && isKafkaConnectionFailure(entry)) return onConnectionFailure(message);
      log(kafkaLogLevel(entry), `kafka: ${message}`, { namespace: entry.namespace, ...extra });
    },
  });
}

/** True when the cluster answers a metadata request within the timeout. */
export async function isKafkaReachable(brokers: readonly string[], timeoutMs = 3_000): Promise<boolean> {
  const kafka = new Kafka({
    clientId: "promo-readiness",
    brokers: [...brokers],
    connectionTimeout: Math.min(timeoutMs, 3_000),
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const probe = admin
      .connect()
      .then(() => admin.describeCluster())
      .then(
        (cluster) => cluster.brokers.length > 0,
        () => false,
      );
    return await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
    await admin.disconnect().catch(() => undefined);
  }
}
