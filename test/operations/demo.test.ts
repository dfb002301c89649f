import { spawn } from "node:child_process";
import { readTestEnv } from "@promo/testing";
import { REPO_ROOT } from "@promo/testing/processes";
import { describe, expect, it } from "vitest";

const TSX_LOADER = new URL("node_modules/tsx/dist/loader.mjs", `file://${REPO_ROOT}`).href;

/** Runs `scripts/demo.ts` (what `npm run demo` runs after the services check) to the end. */
function runDemo(extraEnv: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const env = readTestEnv();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", TSX_LOADER, `${REPO_ROOT}scripts/demo.ts`], {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        DATABASE_URL: env.DATABASE_URL,
        REDIS_URL: env.REDIS_URL,
        KAFKA_BROKERS: env.KAFKA_BROKERS.join(","),
        ...extraEnv,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, output }));
  });
}

/** The rows of the table printed under `heading` (header row dropped). */
function tableUnder(output: string, heading: string): string[][] {
  const lines = output.split("\n");
  const start = lines.findIndex((line) => line.startsWith(heading));
  expect(start, `section "${heading}" in:\n${output}`).toBeGreaterThanOrEqual(0);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith("  ") || line.trim() === "") break;
    rows.push(line.trim().split(/\s{2,}/));
  }
  return rows;
}

describe("npm run demo", () => {
  it("plays the flash sale: exactly 11 winners in acceptance order, refusals, orders, events, lookup", async () => {
    const { code, output } = await runDemo({ DEMO_SHOPPERS: "150" });
    expect(code, output).toBe(0);
    expect(output).toContain("150 shoppers hit the code at once (210 requests, some click twice)");

    const winners = tableUnder(output, "Winners, in the order the gateway accepted them (11)");
    expect(winners).toHaveLength(11);
    const sequences = winners.map((row) => Number(row[1]));
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
    expect(new Set(winners.map((row) => row[2])).size).toBe(11);

    const refused = new Map(tableUnder(output, "Refused (199)").map((row) => [row[0], Number(row[1])]));
    expect(refused.get("USAGE_LIMIT_REACHED")).toBeGreaterThan(0);
    expect((refused.get("USAGE_LIMIT_REACHED") ?? 0) + (refused.get("ACCOUNT_LIMIT_REACHED") ?? 0)).toBe(199);

    const counts = new Map(tableUnder(output, "Events on ").map((row) => [row[0], Number(row[1])]));
    expect(Object.fromEntries(counts)).toEqual({
      "reservation.reserved": 11,
      "reservation.rejected": 199,
      "reservation.confirmed": 11,
      "reservation.cancelled": 1,
    });
    const cancelled = /11 order\.placed sent; order\.cancelled for (ORD-[0-9A-F]{6}-\d{2})/.exec(output)?.[1];
    expect(cancelled, output).toBeDefined();
    const eventRows = output
      .split("\n")
      .map((line) => line.trim().split(/\s{2,}/))
      .filter((row) => row[1] === "FLASH11");
    const confirmedOrders = eventRows
      .filter((row) => row[0] === "reservation.confirmed")
      .map((row) => row[3]);
    expect(new Set(confirmedOrders).size).toBe(11);
    expect(eventRows.filter((row) => row[0] === "reservation.cancelled").map((row) => row[3])).toEqual([
      cancelled,
    ]);

    const lookup = tableUnder(output, "  uses: 10 live of 11 (10 confirmed, 0 reserved)");
    expect(lookup).toHaveLength(11);
    expect(lookup.filter((row) => row[2] === "CONFIRMED")).toHaveLength(10);
    expect(lookup.filter((row) => row[2] === "CANCELLED")).toHaveLength(1);
    expect(lookup.every((row) => /^ORD-[0-9A-F]{6}-\d{2}$/.test(row[3] ?? ""))).toBe(true);
    expect(lookup.map((row) => row[1])).toEqual(winners.map((row) => row[2]));
    expect(output).toContain("11 winners for a cap of 11 out of 210 requests from 150 shoppers");
  });
});
