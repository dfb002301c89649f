export { findLocalKafkaBroker, isLocalHost, parseHostPort } from "./addresses.ts";
export { type EnsureServicesOptions, ensureServices } from "./ensure-services.ts";
export {
  ensureKafka,
  findLocalKafkaPid,
  type KafkaOptions,
  startLocalKafka,
  stopLocalKafka,
} from "./kafka/broker.ts";
export { renderServerProperties } from "./kafka/config.ts";
export { isKafkaReachable } from "./kafka/reachability.ts";
export { ensurePostgres, probePostgres } from "./postgres.ts";
export { ensureRedis, isRedisReachable, probeRedis } from "./redis.ts";
export { REPO_ROOT } from "./repo-root.ts";
export {
  DevServicesError,
  formatFailure,
  formatProgress,
  formatReport,
  type ServiceFailure,
  type ServiceName,
  type ServiceReport,
} from "./report.ts";
