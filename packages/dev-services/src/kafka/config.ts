/** Where the single-node broker listens and keeps its data. */
export type BrokerSettings = {
  host: string;
  port: number;
  controllerPort: number;
  dataDir: string;
};

/** The `listeners` value: the PLAINTEXT broker listener and the CONTROLLER on loopback. */
export function renderListeners(settings: Omit<BrokerSettings, "dataDir">): string {
  return `PLAINTEXT://${settings.host}:${settings.port},CONTROLLER://127.0.0.1:${settings.controllerPort}`;
}

/** server.properties of a single-node KRaft broker (broker and controller in one process). */
export function renderServerProperties(settings: BrokerSettings): string {
  const controller = `127.0.0.1:${settings.controllerPort}`;
  return [
    "# Written by `npm run services`: a single-node development broker in KRaft combined mode.",
    "process.roles=broker,controller",
    "node.id=1",
    `controller.quorum.voters=1@${controller}`,
    `listeners=${renderListeners(settings)}`,
    `advertised.listeners=PLAINTEXT://${settings.host}:${settings.port}`,
    "controller.listener.names=CONTROLLER",
    "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
    "inter.broker.listener.name=PLAINTEXT",
    `log.dirs=${settings.dataDir}`,
    "",
    "# One node: every internal topic with one replica.",
    "num.partitions=1",
    "default.replication.factor=1",
    "offsets.topic.replication.factor=1",
    "offsets.topic.num.partitions=4",
    "transaction.state.log.replication.factor=1",
    "transaction.state.log.min.isr=1",
    "transaction.state.log.num.partitions=4",
    "group.initial.rebalance.delay.ms=0",
    "# The app creates its topics.",
    "auto.create.topics.enable=false",
    "delete.topic.enable=true",
    "",
    "# A development box: keep a day or 1 GiB per partition, in 64 MiB segments.",
    "log.retention.hours=24",
    "log.retention.bytes=1073741824",
    "log.segment.bytes=67108864",
    "log.retention.check.interval.ms=60000",
    "log.cleaner.dedupe.buffer.size=33554432",
    "num.network.threads=2",
    "num.io.threads=4",
    "num.recovery.threads.per.data.dir=1",
    "",
  ].join("\n");
}

/** reload4j configuration: INFO to a small rolling file. */
export function renderLog4jProperties(logFile: string): string {
  return [
    "log4j.rootLogger=INFO, file",
    "log4j.appender.file=org.apache.log4j.RollingFileAppender",
    `log4j.appender.file.File=${logFile}`,
    "log4j.appender.file.MaxFileSize=10MB",
    "log4j.appender.file.MaxBackupIndex=2",
    "log4j.appender.file.layout=org.apache.log4j.PatternLayout",
    "log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n",
    "log4j.logger.kafka.request.logger=WARN",
    "log4j.logger.state.change.logger=WARN",
    "",
  ].join("\n");
}

/**
 * A KRaft cluster id: 16 random bytes as unpadded base64url (22 characters). Like Kafka's own
 * Uuid.randomUuid, never one that starts with "-" (it would read as an option on a command line).
 */
export function generateClusterId(randomBytes: (size: number) => Uint8Array): string {
  for (;;) {
    const id = Buffer.from(randomBytes(16)).toString("base64url");
    if (!id.startsWith("-")) return id;
  }
}

/** The `kafka.version` property of scripts/kafka/pom.xml. */
export function readKafkaVersion(pomXml: string): string | null {
  return /<kafka\.version>\s*([^<\s]+)\s*<\/kafka\.version>/.exec(pomXml)?.[1] ?? null;
}
