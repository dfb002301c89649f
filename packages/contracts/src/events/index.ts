export * from "./envelope.ts";
export * from "./redemption-events.ts";
