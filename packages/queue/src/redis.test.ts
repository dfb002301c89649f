import { describe, expect, it } from "vitest";
import { createRedisConnection } from "./redis.ts";

describe("Redis connections", () => {
  it("refuses a database other than 0 for a Redis Cluster, naming REDIS_URL", () => {
    expect(() =>
      createRedisConnection({ url: "redis://127.0.0.1:7000/3", cluster: true }, "producer"),
    ).toThrow(/only database 0, not 3 \(REDIS_URL\)/);
  });
});
