export * from "./context.ts";
export * from "./databases.ts";
export * from "./processes.ts";
export * from "./redis-cluster.ts";
export * from "./stores.ts";
export * from "./tcp-proxy.ts";
export * from "./test-env.ts";
