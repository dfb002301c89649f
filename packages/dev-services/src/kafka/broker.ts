import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { isKafkaReachable } from "@promo/events";
import { describePortOwner, isLocalHost, isPortOpen, splitHostPort } from "../ports.ts";
import type { ServiceReport } from "../report.ts";
import { formatClusterId, renderLog4jProperties, renderServerProperties } from "./config.ts";
import { ensureKafkaJars } from "./jars.ts";
import { type KafkaPaths, kafkaPaths } from "./paths.ts";

const run = promisify(execFile);

const START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 30_000;
const STALE_LOCK_MS = 180_000;
const KAFKA_VERSION = "3.9.1";

export type KafkaOptions = { brokers: readonly string[]; controllerPort: number; root?: string };

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The pid of the broker this project started, when that process is still alive. */
export function localBrokerPid(paths = kafkaPaths()): number | null {
  if (!existsSync(paths.pid)) return null;
  const pid = Number(readFileSync(paths.pid, "utf8").trim());
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) return pid;
  rmSync(paths.pid, { force: true });
  return null;
}

async function waitUntilReachable(
  brokers: readonly string[],
  timeoutMs: number,
  pid: number | null,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await isKafkaReachable(brokers, 2_000)) return true;
    if (pid !== null && !isAlive(pid)) return false;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return false;
}

async function javaMajorVersion(): Promise<number> {
  try {
    const { stderr, stdout } = await run("java", ["-version"]);
    const match = /version "(\d+)(?:\.(\d+))?/.exec(`${stderr}${stdout}`);
    const major = Number(match?.[1] ?? 0);
    return major === 1 ? Number(match?.[2] ?? 0) : major;
  } catch {
    return 0;
  }
}

function tail(file: string, lines: number): string {
  if (!existsSync(file)) return "";
  return readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
}

/** An exclusive lock file so two `npm run services` never start two brokers. */
async function withStartLock<T>(paths: KafkaPaths, work: () => Promise<T>): Promise<T> {
  mkdirSync(paths.base, { recursive: true });
  const deadline = Date.now() + START_TIMEOUT_MS + 30_000;
  for (;;) {
    try {
      const fd = openSync(paths.lock, "wx");
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch {
      const holder = Number(readFileSync(paths.lock, "utf8").trim() || 0);
      const stale = !isAlive(holder) || Date.now() - statSync(paths.lock).mtimeMs > STALE_LOCK_MS;
      if (stale) rmSync(paths.lock, { force: true });
      else if (Date.now() > deadline)
        throw new Error(`another process (pid ${holder}) is starting Kafka; gave up waiting`);
      else await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    return await work();
  } finally {
    rmSync(paths.lock, { force: true });
  }
}

/**
 * Makes Kafka answer at KAFKA_BROKERS: uses it if it answers, otherwise (when the first broker is
 * local) runs Apache Kafka 3.9 in single-node KRaft mode from Maven Central jars, in the
 * background, with its data under .services/kafka, and waits until it answers.
 */
export async function ensureKafka(options: KafkaOptions): Promise<ServiceReport> {
  const target = options.brokers.join(",");
  if (await isKafkaReachable(options.brokers, 3_000))
    return { name: "kafka", target, note: "already running" };
  const first = options.brokers[0];
  if (!first) throw new Error("KAFKA_BROKERS is empty");
  const { host, port } = splitHostPort(first);
  if (!isLocalHost(host)) {
    throw new Error(
      `Kafka is not reachable at ${target}; it is not local, so it is not started here. Check KAFKA_BROKERS.`,
    );
  }
  const paths = kafkaPaths(options.root);
  return withStartLock(paths, async () => {
    const running = localBrokerPid(paths);
    if (running !== null) {
      if (await waitUntilReachable(options.brokers, START_TIMEOUT_MS, running)) {
        return { name: "kafka", target, note: `local broker pid ${running} answered` };
      }
      throw new Error(
        `the local Kafka broker (pid ${running}) runs but does not answer:\n${tail(join(paths.logs, "server.log"), 40)}`,
      );
    }
    const started = Date.now();
    const pid = await startBroker(paths, { host, port, controllerPort: options.controllerPort });
    if (!(await waitUntilReachable(options.brokers, START_TIMEOUT_MS, pid))) {
      throw new Error(
        `the local Kafka broker did not answer within ${START_TIMEOUT_MS / 1000} s. Last log lines:\n${tail(join(paths.logs, "server.log"), 40)}\n${tail(join(paths.logs, "stdout.log"), 20)}`,
      );
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    return {
      name: "kafka",
      target,
      note: `started local broker ${KAFKA_VERSION} (pid ${pid}) in ${seconds} s`,
    };
  });
}

async function startBroker(
  paths: KafkaPaths,
  listener: { host: string; port: number; controllerPort: number },
): Promise<number> {
  const java = await javaMajorVersion();
  if (java === 0)
    throw new Error(
      "Kafka is not reachable and Java is not installed to run a local broker (Java 17+ needed).",
    );
  if (java < 17)
    throw new Error(`Kafka is not reachable and the local Java is ${java}; a local broker needs Java 17+.`);
  for (const port of [listener.port, listener.controllerPort]) {
    if (await isPortOpen("127.0.0.1", port)) {
      const owner = await describePortOwner(port);
      throw new Error(
        `port ${port} is taken${owner ? ` by ${owner}` : ""} and it is not a Kafka broker; free it or set KAFKA_BROKERS / KAFKA_CONTROLLER_PORT.`,
      );
    }
  }
  await ensureKafkaJars(paths);
  mkdirSync(paths.data, { recursive: true });
  mkdirSync(paths.logs, { recursive: true });
  writeFileSync(
    paths.serverProperties,
    renderServerProperties({
      ...listener,
      host: listener.host === "localhost" ? "127.0.0.1" : listener.host,
      dataDir: paths.data,
    }),
  );
  writeFileSync(paths.log4jProperties, renderLog4jProperties(join(paths.logs, "server.log")));
  if (!existsSync(paths.clusterId)) writeFileSync(paths.clusterId, formatClusterId(randomBytes(16)));
  const classpath = `${paths.libs}/*`;
  const log4j = `-Dlog4j.configuration=file:${paths.log4jProperties}`;
  if (!existsSync(join(paths.data, "meta.properties"))) {
    const clusterId = readFileSync(paths.clusterId, "utf8").trim();
    await run("java", [
      log4j,
      "-cp",
      classpath,
      "kafka.tools.StorageTool",
      "format",
      "-t",
      clusterId,
      "-c",
      paths.serverProperties,
    ]);
  }
  const out = openSync(join(paths.logs, "stdout.log"), "a");
  const child = spawn(
    "java",
    [
      "-Xms256m",
      "-Xmx512m",
      "-XX:+UseSerialGC",
      "-XX:TieredStopAtLevel=1",
      log4j,
      "-cp",
      classpath,
      "kafka.Kafka",
      paths.serverProperties,
    ],
    { detached: true, stdio: ["ignore", out, out] },
  );
  closeSync(out);
  child.unref();
  if (!child.pid) throw new Error("could not start java for the Kafka broker");
  writeFileSync(paths.pid, String(child.pid));
  return child.pid;
}

/** Starts the local broker again after stopLocalKafka (tests of broker outages). */
export async function startLocalKafka(options: KafkaOptions): Promise<ServiceReport> {
  return ensureKafka(options);
}

/** Stops the broker this project started (SIGTERM, then SIGKILL after 30 s). False when none runs. */
export async function stopLocalKafka(root?: string): Promise<boolean> {
  const paths = kafkaPaths(root);
  const pid = localBrokerPid(paths);
  if (pid === null) return false;
  process.kill(pid, "SIGTERM");
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
  if (isAlive(pid)) process.kill(pid, "SIGKILL");
  while (isAlive(pid)) await new Promise((resolve) => setTimeout(resolve, 100));
  rmSync(paths.pid, { force: true });
  return true;
}
