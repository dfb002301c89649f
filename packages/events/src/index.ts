export * from "./kafka-client.ts";
export * from "./topics.ts";
