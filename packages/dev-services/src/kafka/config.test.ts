import { describe, expect, it } from "vitest";
import {
  generateClusterId,
  readKafkaVersion,
  renderLog4jProperties,
  renderServerProperties,
} from "./config.ts";

function readProperties(text: string): Map<string, string> {
  const entries = text
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.startsWith("#"))
    .map((line): [string, string] => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]);
  return new Map(entries);
}

describe("server.properties of the local broker", () => {
  const properties = readProperties(
    renderServerProperties({
      host: "127.0.0.1",
      port: 19092,
      controllerPort: 19093,
      dataDir: "/tmp/kafka-data",
    }),
  );

  it("runs one node as broker and KRaft controller", () => {
    expect(properties.get("process.roles")).toBe("broker,controller");
    expect(properties.get("node.id")).toBe("1");
    expect(properties.get("controller.quorum.voters")).toBe("1@127.0.0.1:19093");
    expect(properties.get("controller.listener.names")).toBe("CONTROLLER");
  });

  it("listens and advertises on the configured broker address, the controller on loopback", () => {
    expect(properties.get("listeners")).toBe("PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093");
    expect(properties.get("advertised.listeners")).toBe("PLAINTEXT://127.0.0.1:19092");
    expect(properties.get("listener.security.protocol.map")).toBe("PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    expect(properties.get("inter.broker.listener.name")).toBe("PLAINTEXT");
  });

  it("fits one node: single replicas, no waiting for group members, no auto-created topics", () => {
    expect(properties.get("log.dirs")).toBe("/tmp/kafka-data");
    expect(properties.get("offsets.topic.replication.factor")).toBe("1");
    expect(properties.get("transaction.state.log.replication.factor")).toBe("1");
    expect(properties.get("transaction.state.log.min.isr")).toBe("1");
    expect(properties.get("group.initial.rebalance.delay.ms")).toBe("0");
    expect(properties.get("num.partitions")).toBe("1");
    expect(properties.get("auto.create.topics.enable")).toBe("false");
  });

  it("bounds what a development box keeps", () => {
    expect(Number(properties.get("log.retention.hours"))).toBeLessThanOrEqual(168);
    expect(Number(properties.get("log.segment.bytes"))).toBeLessThanOrEqual(128 * 1024 * 1024);
  });

  it("has no property twice", () => {
    const text = renderServerProperties({ host: "h", port: 1, controllerPort: 2, dataDir: "/d" });
    const keys = text
      .split("\n")
      .filter((line) => line.includes("=") && !line.startsWith("#"))
      .map((line) => line.slice(0, line.indexOf("=")));
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe("log4j.properties of the local broker", () => {
  it("logs INFO to a rolling file", () => {
    const properties = readProperties(renderLog4jProperties("/tmp/logs/server.log"));
    expect(properties.get("log4j.rootLogger")).toBe("INFO, file");
    expect(properties.get("log4j.appender.file")).toBe("org.apache.log4j.RollingFileAppender");
    expect(properties.get("log4j.appender.file.File")).toBe("/tmp/logs/server.log");
  });
});

describe("generateClusterId", () => {
  it("makes 22-character base64url ids", () => {
    expect(generateClusterId((size) => new Uint8Array(size).fill(255))).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it("never returns an id that starts with '-'", () => {
    const sources = [new Uint8Array(16).fill(0xfb), new Uint8Array(16).fill(7)];
    const id = generateClusterId(() => sources.shift() ?? new Uint8Array(16));
    expect(id.startsWith("-")).toBe(false);
    expect(id).toBe(Buffer.from(new Uint8Array(16).fill(7)).toString("base64url"));
  });
});

describe("readKafkaVersion", () => {
  it("reads the kafka.version property of the pom", () => {
    expect(readKafkaVersion("<properties>\n  <kafka.version>3.9.1</kafka.version>\n</properties>")).toBe(
      "3.9.1",
    );
    expect(readKafkaVersion("<project/>")).toBeNull();
  });
});
