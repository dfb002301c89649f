export * from "./compression-codecs.ts";
export * from "./kafka-client.ts";
export * from "./send-size.ts";
export * from "./subscribed-round-robin.ts";
export * from "./topics.ts";
