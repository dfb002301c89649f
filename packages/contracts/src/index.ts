export * from "./account-id.ts";
export * from "./catalog-name.ts";
export * from "./events/index.ts";
export * from "./http/index.ts";
export * from "./jobs/index.ts";
export * from "./storable-text.ts";
export * from "./uuid.ts";
