export * from "./code-jobs.ts";
export * from "./reservations.ts";
