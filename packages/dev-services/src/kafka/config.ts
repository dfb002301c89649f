/** server.properties of the single-node KRaft broker (broker and controller in one process). */
export function renderServerProperties(options: {
  host: string;
  port: number;
  controllerPort: number;
  dataDir: string;
}): string {
  return `# Written by npm run services: a single-node development broker in KRaft combined mode.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${options.controllerPort}
listeners=PLAINTEXT://${options.host}:${options.port},CONTROLLER://127.0.0.1:${options.controllerPort}
advertised.listeners=PLAINTEXT://${options.host}:${options.port}
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=${options.dataDir}
num.partitions=1
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
delete.topic.enable=true
log.retention.hours=24
log.segment.bytes=67108864
log.retention.check.interval.ms=60000
`;
}

/** reload4j configuration: INFO to a small rolling file. */
export function renderLog4jProperties(logFile: string): string {
  return `log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File=${logFile}
log4j.appender.file.MaxFileSize=10MB
log4j.appender.file.MaxBackupIndex=2
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=INFO
`;
}

/** A KRaft cluster id: 16 random bytes, base64url without padding (22 characters). */
export function formatClusterId(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64url").slice(0, 22);
}
