import { randomUUID } from "node:crypto";
import { eventually, readTestEnv } from "@promo/testing";
import { afterEach, describe, expect, it } from "vitest";
import { apiKeyRevocationsChannel, createApiKeyRevocations } from "./api-key-revocations.ts";
import { createRedisConnection, type RedisConnection } from "./redis.ts";

const closers: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

function connection(role: "producer" | "blocking"): RedisConnection {
  const redis = createRedisConnection({ url: readTestEnv().REDIS_URL, cluster: false }, role);
  closers.push(async () => redis.disconnect());
  return redis;
}

describe("createApiKeyRevocations", () => {
  it("hands announced key ids to every listener, and reports messages that are not revocations without stopping", async () => {
    const prefix = `revocations-${randomUUID()}`;
    const publisher = connection("producer");
    const errors: string[] = [];
    const revocations = createApiKeyRevocations({
      publisher,
      subscriber: connection("blocking"),
      prefix,
      onError: (error) => errors.push(error.message),
    });
    closers.push(() => revocations.close());
    await revocations.ready;
    const heard: string[][] = [[], []];
    revocations.onRevoked((keyId) => heard[0]?.push(keyId));
    revocations.onRevoked((keyId) => heard[1]?.push(keyId));

    const channel = apiKeyRevocationsChannel(prefix);
    await publisher.publish(channel, "not json");
    await publisher.publish(channel, JSON.stringify({ keyId: "not-a-uuid" }));
    const keyId = randomUUID();
    await revocations.announce(keyId);

    await eventually(async () => heard[1]?.length === 1, "the revocation to arrive", 5_000, 10);
    expect(heard).toEqual([[keyId], [keyId]]);
    expect(errors).toHaveLength(2);
    expect(errors.every((message) => message.startsWith("unparseable key revocation"))).toBe(true);
  });
});
