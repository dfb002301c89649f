export * from "./ensure-services.ts";
export * from "./kafka/broker.ts";
export * from "./kafka/config.ts";
export * from "./kafka/paths.ts";
export * from "./ports.ts";
export * from "./postgres.ts";
export * from "./redis.ts";
export * from "./report.ts";
