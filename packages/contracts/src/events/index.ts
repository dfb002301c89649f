export * from "./envelope.ts";
export * from "./redemption-events.ts";
export * from "./order-events.ts";
