import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** tsx's loader: services run as `node --import tsx main.ts`, so the child's pid is the service's. */
const TSX_LOADER = new URL("node_modules/tsx/dist/loader.mjs", `file://${REPO_ROOT}`).href;

export type ServiceProcess = {
  name: string;
  child: ChildProcess;
  /** Everything the process printed (stdout and stderr), for failure messages. */
  output(): string;
  /** Resolves with the exit code (or signal) once the process is gone. */
  exited: Promise<number | string | null>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
};

/**
 * V8 flags every service runs with, here as in the services' `npm start` scripts and the Dockerfile's
 * NODE_OPTIONS (processes.test.ts checks that they agree). A 32 MB semi-space (V8's default is 16 MB
 * on 64-bit) lets a request's objects die young: under a flash sale a reservation lives about 40 ms
 * while 128 others are in flight, and with the default young generation they survive scavenges and
 * get promoted. Measured side by side (README, Configuration; docs/benchmarks.md): the gateway's CPU
 * per flash-sale reservation 17 % lower, its peak RSS 287 MB instead of 416 MB.
 */
export const SERVICE_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=32"];

/**
 * Starts one of the services (`services/<name>/src/main.ts`) as a child process with the given env;
 * `nodeFlags` come after SERVICE_NODE_FLAGS, so they can override them.
 */
export function startService(
  name: string,
  env: Record<string, string>,
  label = name,
  nodeFlags: readonly string[] = [],
): ServiceProcess {
  const child = spawn(
    process.execPath,
    ["--import", TSX_LOADER, ...SERVICE_NODE_FLAGS, ...nodeFlags, `${REPO_ROOT}services/${name}/src/main.ts`],
    {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const chunks: string[] = [];
  let size = 0;
  const keep = (chunk: Buffer) => {
    chunks.push(chunk.toString());
    size += chunk.length;
    while (size > 200_000 && chunks.length > 1) size -= chunks.shift()?.length ?? 0;
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<number | string | null>((resolve) => {
    child.once("exit", (code, signal) => resolve(code ?? signal));
  });
  const kill = async (signal: NodeJS.Signals = "SIGKILL") => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return {
    name: label,
    child,
    output: () => chunks.join(""),
    exited,
    kill,
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

export type LogLine = { level: string; msg: string; [field: string]: unknown };

/**
 * Everything a service printed, as its structured log lines, for assertions on what it said. A line
 * that is not JSON throws: services log nothing else.
 */
export function logLines(service: ServiceProcess): LogLine[] {
  return service
    .output()
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as LogLine);
}

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `url` until it answers `status` (default 200), or fails with the process output. */
export async function waitForHttp(
  url: string,
  service: ServiceProcess,
  timeoutMs = 60_000,
  status = 200,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer";
  while (Date.now() < deadline) {
    if (service.child.exitCode !== null) {
      throw new Error(
        `${service.name} exited with ${service.child.exitCode}:\n${service.output().slice(-4_000)}`,
      );
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.status === status) return;
      last = `status ${response.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not answer ${status} (${last}):\n${service.output().slice(-4_000)}`);
}

/**
 * Waits until the process has printed `text`. A log line can reach the pipe a moment after what it
 * reports is visible elsewhere (a committed row), so a test that saw the effect waits for the line too.
 */
export async function waitForOutput(
  service: ServiceProcess,
  text: string,
  timeoutMs = 30_000,
): Promise<void> {
  await eventually(
    async () => service.output().includes(text),
    `${service.name} to print "${text}"`,
    timeoutMs,
  );
}

/** Waits until `condition` holds (polling), or throws `message` after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | null | undefined | false>,
  message: string,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`timed out: ${message}`);
}
