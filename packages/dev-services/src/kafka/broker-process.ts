import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { promisify } from "node:util";
import { isProcessAlive, readCommandLine } from "../processes.ts";
import { sleep } from "../wait.ts";
import {
  type BrokerSettings,
  generateClusterId,
  renderLog4jProperties,
  renderServerProperties,
} from "./config.ts";
import type { KafkaPaths } from "./paths.ts";

const execFileAsync = promisify(execFile);

const BROKER_MAIN_CLASS = "kafka.Kafka";
const JVM_OPTIONS = ["-Xms256m", "-Xmx512m", "-XX:+UseSerialGC", "-Djava.awt.headless=true"];

function isBrokerProcess(pid: number): boolean {
  if (!isProcessAlive(pid)) return false;
  const commandLine = readCommandLine(pid);
  return commandLine === null || commandLine.includes(BROKER_MAIN_CLASS);
}

/**
 * The pid of the broker this project started, while that process lives. A pid file whose process
 * is gone (or is now something else) is removed.
 */
export function findBrokerPid(paths: KafkaPaths): number | null {
  let pid: number;
  try {
    pid = Number(readFileSync(paths.pid, "utf8").trim());
  } catch {
    return null;
  }
  if (Number.isInteger(pid) && pid > 0 && isBrokerProcess(pid)) return pid;
  rmSync(paths.pid, { force: true });
  return null;
}

function readClusterId(paths: KafkaPaths): string {
  if (!existsSync(paths.clusterId)) writeFileSync(paths.clusterId, `${generateClusterId(randomBytes)}\n`);
  return readFileSync(paths.clusterId, "utf8").trim();
}

function javaArguments(paths: KafkaPaths, mainClass: string, args: readonly string[]): string[] {
  return [
    `-Dlog4j.configuration=file:${paths.log4jProperties}`,
    "-cp",
    `${paths.libs}/*`,
    mainClass,
    ...args,
  ];
}

/**
 * The `listeners` of the server.properties the running broker was started with, e.g.
 * `PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093`; null when there is none.
 */
export function readConfiguredListeners(paths: KafkaPaths): string | null {
  try {
    return /^listeners=(.*)$/m.exec(readFileSync(paths.serverProperties, "utf8"))?.[1]?.trim() ?? null;
  } catch {
    return null;
  }
}

/** Writes server.properties and log4j.properties, and formats the storage once. */
export async function prepareBroker(
  paths: KafkaPaths,
  settings: Omit<BrokerSettings, "dataDir">,
): Promise<void> {
  mkdirSync(paths.data, { recursive: true });
  mkdirSync(paths.logs, { recursive: true });
  writeFileSync(paths.serverProperties, renderServerProperties({ ...settings, dataDir: paths.data }));
  writeFileSync(paths.log4jProperties, renderLog4jProperties(paths.serverLog));
  if (existsSync(paths.metaProperties)) return;
  const clusterId = readClusterId(paths);
  try {
    await execFileAsync(
      "java",
      javaArguments(paths, "kafka.tools.StorageTool", [
        "format",
        "-t",
        clusterId,
        "-c",
        paths.serverProperties,
        "--ignore-formatted",
      ]),
      { cwd: paths.base },
    );
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: unknown; stderr?: unknown };
    throw new Error(
      `formatting the local Kafka broker's storage (${paths.data}) failed:\n${`${String(stdout ?? "")}${String(stderr ?? "")}`.trim() || (error as Error).message}`,
    );
  }
}

/** Starts the broker detached from this process (it outlives the command) and records its pid. */
export function launchBroker(paths: KafkaPaths): number {
  mkdirSync(paths.logs, { recursive: true });
  const output = openSync(paths.stdoutLog, "w");
  try {
    const child = spawn(
      "java",
      [...JVM_OPTIONS, ...javaArguments(paths, BROKER_MAIN_CLASS, [paths.serverProperties])],
      { cwd: paths.base, detached: true, stdio: ["ignore", output, output] },
    );
    child.on("error", () => undefined);
    child.unref();
    if (child.pid === undefined) throw new Error("could not start java for the local Kafka broker");
    writeFileSync(paths.pid, `${child.pid}\n`);
    return child.pid;
  } finally {
    closeSync(output);
  }
}

/** The last lines of the broker's log and of its stdout/stderr, for failure messages. */
export function readBrokerLogTail(paths: KafkaPaths, lines = 40): string {
  const parts: string[] = [];
  for (const file of [paths.serverLog, paths.stdoutLog]) {
    if (!existsSync(file)) continue;
    const text = readFileSync(file, "utf8").trimEnd();
    if (text) parts.push(`--- ${file} (last ${lines} lines)\n${text.split("\n").slice(-lines).join("\n")}`);
  }
  return parts.length > 0 ? parts.join("\n") : "(no broker logs yet)";
}

/** SIGTERM, then SIGKILL when the process is still there after `graceMs`; resolves once it is gone. */
export async function terminateProcess(pid: number, graceMs: number): Promise<void> {
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (isProcessAlive(pid) && Date.now() < deadline) await sleep(200);
  if (isProcessAlive(pid)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      return;
    }
    while (isProcessAlive(pid)) await sleep(100);
  }
}
