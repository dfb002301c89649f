export * from "./kafka-client.ts";
export * from "./send-size.ts";
export * from "./topics.ts";
