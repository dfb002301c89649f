import { Kafka, type LogEntry, logLevel } from "kafkajs";

export type KafkaLog = (
  level: "error" | "warn" | "info" | "debug",
  message: string,
  extra: Record<string, unknown>,
) => void;

const LEVELS: Record<number, "error" | "warn" | "info" | "debug"> = {
  [logLevel.ERROR]: "error",
  [logLevel.WARN]: "warn",
  [logLevel.INFO]: "info",
  [logLevel.DEBUG]: "debug",
};

export function createKafka(options: {
  brokers: readonly string[];
  clientId: string;
  log?: KafkaLog;
}): Kafka {
  const log = options.log;
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
      log(LEVELS[entry.level] ?? "info", `kafka: ${message}`, { namespace: entry.namespace, ...extra });
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
