export * from "./common.ts";
export * from "./dev-services.ts";
export * from "./parse-env.ts";
