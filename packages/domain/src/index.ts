export * from "./campaign.ts";
export * from "./code-generator.ts";
export * from "./code-rules.ts";
export * from "./discount.ts";
export * from "./errors.ts";
export * from "./partner-attribution.ts";
export * from "./reservation.ts";
export * from "./reservation-decision.ts";
