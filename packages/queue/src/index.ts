export * from "./attempt-limits.ts";
export * from "./code-jobs-queue.ts";
export * from "./id-floor.ts";
export * from "./leases.ts";
export * from "./partitions.ts";
export * from "./redis.ts";
export * from "./reservation-queue.ts";
export * from "./unavailable.ts";
