export * from "./reservations.ts";
