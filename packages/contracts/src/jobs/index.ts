export * from "./api-key-revocations.ts";
export * from "./code-jobs.ts";
export * from "./reservations.ts";
