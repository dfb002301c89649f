export * from "./alert-events.ts";
export * from "./asyncapi.ts";
export * from "./envelope.ts";
export * from "./order-events.ts";
export * from "./redemption-events.ts";
