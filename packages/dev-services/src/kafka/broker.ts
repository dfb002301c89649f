import { readFileSync, rmSync } from "node:fs";
import { findLocalKafkaBroker, type HostPort, toListenHost } from "../addresses.ts";
import { findPortOwner, formatPortTakenMessage, isPortOpen } from "../ports.ts";
import { REPO_ROOT } from "../repo-root.ts";
import type { ServiceReport } from "../report.ts";
import { formatSeconds, pollUntil } from "../wait.ts";
import {
  findBrokerPid,
  launchBroker,
  prepareBroker,
  readBrokerLogTail,
  readConfiguredListeners,
  terminateProcess,
} from "./broker-process.ts";
import { type BrokerSettings, readKafkaVersion, renderListeners } from "./config.ts";
import { ensureKafkaJars, type JarsSource } from "./jars.ts";
import { checkJava } from "./java.ts";
import { type KafkaPaths, resolveKafkaPaths } from "./paths.ts";
import { isKafkaReachable } from "./reachability.ts";
import { withStartLock } from "./start-lock.ts";
import { warmUpCoordinators } from "./warm-up.ts";

const START_TIMEOUT_MS = 90_000;
const STOP_GRACE_MS = 30_000;

export type KafkaOptions = {
  /** KAFKA_BROKERS */
  brokers: readonly string[];
  /** KAFKA_CONTROLLER_PORT: the local broker's KRaft controller listener. */
  controllerPort: number;
  /** Repository root; `.services/kafka` and `scripts/kafka/pom.xml` are found under it. */
  rootDir?: string;
  /** Told about slow steps (the first jar download, a broker start) while they run. */
  onProgress?: (message: string) => void;
};

function reportKafka(options: KafkaOptions, note: string): ServiceReport {
  return { name: "kafka", target: options.brokers.join(","), note };
}

/**
 * A broker that answers, reported once its coordinators have loaded: one that someone else started
 * moments ago may still be loading them, and the services started next would log "the coordinator
 * is loading" while they retry. A broker that answers but never gives a producer id or a group
 * coordinator cannot serve the services, so that is a failure of its own.
 */
async function reportReachable(options: KafkaOptions): Promise<ServiceReport> {
  try {
    await warmUpCoordinators(options.brokers);
  } catch (error) {
    throw new Error(
      `Kafka answers at ${options.brokers.join(",")}, but gave no idempotent producer id or group coordinator: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return reportKafka(options, "already running");
}

function requireLocalBroker(options: KafkaOptions): HostPort {
  const local = findLocalKafkaBroker(options.brokers);
  if (local === null) {
    throw new Error(
      `Kafka is not reachable at ${options.brokers.join(",")}; it is not on this machine, so it will not be started locally. Start it or fix KAFKA_BROKERS.`,
    );
  }
  return local;
}

async function waitForBroker(options: KafkaOptions, paths: KafkaPaths, pid: number): Promise<void> {
  const answered = await pollUntil(() => isKafkaReachable(options.brokers, 2_000), {
    timeoutMs: START_TIMEOUT_MS,
    intervalMs: 500,
    giveUp: () => findBrokerPid(paths) !== pid,
  });
  if (answered) {
    await warmUpCoordinators(options.brokers);
    return;
  }
  const exited = findBrokerPid(paths) !== pid;
  throw new Error(
    `${
      exited
        ? `the local Kafka broker (pid ${pid}) exited before it answered at ${options.brokers.join(",")}.`
        : `the local Kafka broker (pid ${pid}) did not answer at ${options.brokers.join(",")} within ${START_TIMEOUT_MS / 1000} s; stop it with \`npm run services -- --stop-kafka\` once you have read the logs.`
    }\n${readBrokerLogTail(paths, 40)}`,
  );
}

async function checkPortsFree(listener: HostPort, controllerPort: number): Promise<void> {
  const ports = [
    { port: listener.port, role: "Kafka broker listener, from KAFKA_BROKERS", setting: "KAFKA_BROKERS" },
    { port: controllerPort, role: "Kafka controller listener", setting: "KAFKA_CONTROLLER_PORT" },
  ];
  for (const { port, role, setting } of ports) {
    if (!(await isPortOpen(listener.host, port)) && !(await isPortOpen("127.0.0.1", port))) continue;
    throw new Error(
      formatPortTakenMessage({
        port,
        role,
        owner: await findPortOwner(port),
        expected: "a Kafka broker answering there",
        remedy: `stop it or choose another port with ${setting}`,
      }),
    );
  }
}

function describeJars(source: JarsSource, ms: number): string {
  if (source === "maven-central") return `, jars downloaded from Maven Central in ${formatSeconds(ms)}`;
  if (source === "maven-cache") return `, jars copied from ~/.m2 in ${formatSeconds(ms)}`;
  return "";
}

/**
 * Starts the local broker (Apache Kafka from Maven Central jars, single-node KRaft, data under
 * `.services/kafka`) unless it answers already, and waits until it answers and its coordinators
 * have loaded (warmUpCoordinators). Under a lock file: a
 * concurrent caller waits for the first one's broker instead of starting a second.
 */
export async function startLocalKafka(options: KafkaOptions): Promise<ServiceReport> {
  const listener = requireLocalBroker(options);
  const paths = resolveKafkaPaths(options.rootDir ?? REPO_ROOT);
  return withStartLock(paths.startLock, async () => {
    if (await isKafkaReachable(options.brokers)) return reportReachable(options);
    const settings: Omit<BrokerSettings, "dataDir"> = {
      host: toListenHost(listener.host),
      port: listener.port,
      controllerPort: options.controllerPort,
    };
    const runningPid = findBrokerPid(paths);
    if (runningPid !== null) {
      const runningListeners = readConfiguredListeners(paths);
      if (runningListeners !== renderListeners(settings)) {
        throw new Error(
          `the local Kafka broker (pid ${runningPid}) runs with listeners ${runningListeners ?? "unknown"}, not at ${options.brokers.join(",")} with controller port ${options.controllerPort}: fix KAFKA_BROKERS / KAFKA_CONTROLLER_PORT, or stop it with \`npm run services -- --stop-kafka\`.`,
        );
      }
      const waitStarted = Date.now();
      options.onProgress?.(`waiting for the local broker (pid ${runningPid}) to answer`);
      await waitForBroker(options, paths, runningPid);
      return reportKafka(
        options,
        `local broker pid ${runningPid} was starting, answered after ${formatSeconds(Date.now() - waitStarted)}`,
      );
    }
    await checkJava("Kafka is not reachable; running a local broker");
    await checkPortsFree(listener, options.controllerPort);
    const jarsStarted = Date.now();
    const jars = await ensureKafkaJars(paths, () =>
      options.onProgress?.("fetching the broker's jars with Maven (first run only)"),
    );
    const jarsMs = Date.now() - jarsStarted;
    const version = readKafkaVersion(readFileSync(paths.pom, "utf8")) ?? "3.9";
    options.onProgress?.(`starting local broker ${version}`);
    const started = Date.now();
    await prepareBroker(paths, settings);
    const pid = launchBroker(paths);
    await waitForBroker(options, paths, pid);
    return reportKafka(
      options,
      `started local broker ${version} in ${formatSeconds(Date.now() - started)}${describeJars(jars, jarsMs)}`,
    );
  });
}

/**
 * Makes Kafka answer at KAFKA_BROKERS: uses it when a describeCluster answers (once its coordinators
 * have loaded); otherwise, when the first broker is local, starts the local broker (startLocalKafka).
 */
export async function ensureKafka(options: KafkaOptions): Promise<ServiceReport> {
  if (await isKafkaReachable(options.brokers)) return reportReachable(options);
  requireLocalBroker(options);
  return startLocalKafka(options);
}

/** The pid of the local broker this package started, while it runs (from `.services/kafka/kafka.pid`). */
export function findLocalKafkaPid(rootDir: string = REPO_ROOT): number | null {
  return findBrokerPid(resolveKafkaPaths(rootDir));
}

/**
 * Stops the local broker this package started: SIGTERM, SIGKILL after 30 s, and waits until the
 * process is gone. False when none was running.
 */
export async function stopLocalKafka(rootDir: string = REPO_ROOT): Promise<boolean> {
  const paths = resolveKafkaPaths(rootDir);
  const pid = findBrokerPid(paths);
  if (pid === null) return false;
  await terminateProcess(pid, STOP_GRACE_MS);
  rmSync(paths.pid, { force: true });
  return true;
}
