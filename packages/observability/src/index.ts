export * from "./logger.ts";
export * from "./metrics.ts";
export * from "./outage-log.ts";
export * from "./stop-signals.ts";
