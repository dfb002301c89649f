export * from "./common.ts";
export * from "./dev-services.ts";
export * from "./gateway.ts";
export * from "./kafka.ts";
export * from "./order-consumer.ts";
export * from "./outbox-relay.ts";
export * from "./parse-env.ts";
export * from "./reservation-worker.ts";
