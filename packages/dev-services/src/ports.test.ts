import { describe, expect, it } from "vitest";
import { formatPortTakenMessage, parseLsofPortOwner, parseSsPortOwner } from "./ports.ts";

describe("port owners", () => {
  it("reads the listening process from ss output", () => {
    const line = 'LISTEN 0 50 [::ffff:127.0.0.1]:9092 *:* users:(("java",pid=4242,fd=131))';
    expect(parseSsPortOwner(line)).toEqual({ pid: 4242, command: "java" });
    expect(parseSsPortOwner("")).toBeNull();
    expect(parseSsPortOwner("LISTEN 0 50 127.0.0.1:9092 0.0.0.0:*")).toBeNull();
  });

  it("reads the listening process from lsof -F output", () => {
    expect(parseLsofPortOwner("p4242\ncnc\nf3\n")).toEqual({ pid: 4242, command: "nc" });
    expect(parseLsofPortOwner("")).toBeNull();
  });

  it("names the port, its role, the process holding it and what to do", () => {
    expect(
      formatPortTakenMessage({
        port: 9093,
        role: "Kafka controller listener",
        owner: { pid: 4242, command: "nc" },
        expected: "a Kafka broker answering there",
        remedy: "stop it or choose another port with KAFKA_CONTROLLER_PORT",
      }),
    ).toBe(
      "port 9093 (Kafka controller listener) is already taken by pid 4242 (nc), which is not a Kafka broker answering there; stop it or choose another port with KAFKA_CONTROLLER_PORT.",
    );
  });

  it("says 'another process' when the owner cannot be told", () => {
    expect(
      formatPortTakenMessage({
        port: 9092,
        role: "Kafka broker listener",
        owner: null,
        expected: "a Kafka broker answering there",
        remedy: "stop it",
      }),
    ).toContain("is already taken by another process");
  });
});
