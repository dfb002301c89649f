import { describe, expect, it } from "vitest";
import { formatClusterId, renderServerProperties } from "./kafka/config.ts";
import { isLocalHost, parsePortOwner, splitHostPort } from "./ports.ts";
import { formatReport } from "./report.ts";

describe("local Kafka broker configuration", () => {
  it("renders KRaft combined mode with a PLAINTEXT and a CONTROLLER listener", () => {
    const properties = renderServerProperties({
      host: "127.0.0.1",
      port: 9092,
      controllerPort: 9093,
      dataDir: "/tmp/d",
    });
    const lines = new Set(properties.split("\n"));
    for (const expected of [
      "process.roles=broker,controller",
      "node.id=1",
      "controller.quorum.voters=1@127.0.0.1:9093",
      "listeners=PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093",
      "advertised.listeners=PLAINTEXT://127.0.0.1:9092",
      "controller.listener.names=CONTROLLER",
      "log.dirs=/tmp/d",
      "offsets.topic.replication.factor=1",
      "transaction.state.log.replication.factor=1",
      "auto.create.topics.enable=false",
    ]) {
      expect(lines.has(expected), expected).toBe(true);
    }
  });

  it("makes 22-character base64url cluster ids", () => {
    const id = formatClusterId(new Uint8Array(16).fill(255));
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});

describe("ports and addresses", () => {
  it("tells local hosts from remote ones", () => {
    expect(["127.0.0.1", "localhost", "::1", "[::1]"].map(isLocalHost)).toEqual([true, true, true, true]);
    expect(isLocalHost("kafka.internal")).toBe(false);
  });

  it("splits host:port", () => {
    expect(splitHostPort("127.0.0.1:9092")).toEqual({ host: "127.0.0.1", port: 9092 });
  });

  it("names the process holding a port from ss output", () => {
    const line = 'LISTEN 0 50 127.0.0.1:9092 0.0.0.0:* users:(("java",pid=4242,fd=131))';
    expect(parsePortOwner(line)).toBe("pid 4242 (java)");
    expect(parsePortOwner("")).toBeNull();
  });

  it("prints one line per service", () => {
    expect(formatReport({ name: "kafka", target: "127.0.0.1:9092", note: "already running" })).toBe(
      "kafka      ok  127.0.0.1:9092 (already running)",
    );
  });
});
