import { describe, expect, it } from "vitest";
import { findLocalKafkaBroker, isLocalHost, parseHostPort, toListenHost } from "./addresses.ts";

describe("isLocalHost", () => {
  it("accepts the loopback names", () => {
    expect(["127.0.0.1", "localhost", "LOCALHOST", "::1", "[::1]"].every(isLocalHost)).toBe(true);
  });

  it("rejects other hosts", () => {
    expect(["kafka", "10.0.0.5", "kafka.internal", "0.0.0.0", "127.0.0.2"].some(isLocalHost)).toBe(false);
  });
});

describe("parseHostPort", () => {
  it("reads host:port and [v6]:port", () => {
    expect(parseHostPort("127.0.0.1:9092")).toEqual({ host: "127.0.0.1", port: 9092 });
    expect(parseHostPort("[::1]:9092")).toEqual({ host: "::1", port: 9092 });
  });

  it("refuses addresses without a valid port", () => {
    expect(parseHostPort("kafka")).toBeNull();
    expect(parseHostPort("kafka:0")).toBeNull();
    expect(parseHostPort("kafka:70000")).toBeNull();
  });
});

describe("findLocalKafkaBroker (is KAFKA_BROKERS ours to start?)", () => {
  it("returns the first broker when it is local", () => {
    expect(findLocalKafkaBroker(["localhost:9092", "kafka:9092"])).toEqual({ host: "localhost", port: 9092 });
  });

  it("returns null when the first broker is remote", () => {
    expect(findLocalKafkaBroker(["kafka:9092", "127.0.0.1:9092"])).toBeNull();
  });

  it("returns null for an empty list", () => {
    expect(findLocalKafkaBroker([])).toBeNull();
  });
});

describe("toListenHost", () => {
  it("binds localhost to the IPv4 loopback and brackets IPv6", () => {
    expect(toListenHost("localhost")).toBe("127.0.0.1");
    expect(toListenHost("127.0.0.1")).toBe("127.0.0.1");
    expect(toListenHost("::1")).toBe("[::1]");
  });
});
