export * from "./kafka-client.ts";
export * from "./send-size.ts";
export * from "./subscribed-round-robin.ts";
export * from "./topics.ts";
