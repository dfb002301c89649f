export * from "./campaigns.ts";
export * from "./checkout.ts";
export * from "./codes.ts";
export * from "./common.ts";
export * from "./error-status.ts";
export * from "./jobs.ts";
export * from "./partners.ts";
export * from "./reports.ts";
