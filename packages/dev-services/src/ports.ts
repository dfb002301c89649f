import { execFile } from "node:child_process";
import { Socket } from "node:net";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/** True when something accepts TCP connections on host:port. */
export function isPortOpen(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const finish = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once("error", () => finish(false));
    socket.connect(port, host.replace(/^\[(.*)\]$/, "$1"), () => finish(true));
  });
}

export type PortOwner = { pid: number; command: string };

/** The process listening on a TCP port, asking `ss` then `lsof`; null when neither can tell. */
export async function findPortOwner(port: number): Promise<PortOwner | null> {
  try {
    const { stdout } = await execFileAsync("ss", ["-ltnpH", `sport = :${port}`]);
    const owner = parseSsPortOwner(stdout);
    if (owner) return owner;
  } catch {
    // no ss: try lsof
  }
  try {
    const { stdout } = await execFileAsync("lsof", ["-nP", `-iTCP:${port}`, "-sTCP:LISTEN", "-Fpc"]);
    return parseLsofPortOwner(stdout);
  } catch {
    return null;
  }
}

/** From `ss -ltnp` output: `... users:(("java",pid=4242,fd=131))`. */
export function parseSsPortOwner(output: string): PortOwner | null {
  const match = /users:\(\("([^"]+)",pid=(\d+)/.exec(output);
  return match?.[1] && match[2] ? { command: match[1], pid: Number(match[2]) } : null;
}

/** From `lsof -Fpc` output: lines `p4242` and `cjava`. */
export function parseLsofPortOwner(output: string): PortOwner | null {
  const pid = /^p(\d+)$/m.exec(output)?.[1];
  const command = /^c(.+)$/m.exec(output)?.[1];
  return pid ? { pid: Number(pid), command: command ?? "unknown" } : null;
}

/** The message for a port that something other than the expected service holds. */
export function formatPortTakenMessage(options: {
  port: number;
  role: string;
  owner: PortOwner | null;
  expected: string;
  remedy: string;
}): string {
  const holder = options.owner ? `pid ${options.owner.pid} (${options.owner.command})` : "another process";
  return `port ${options.port} (${options.role}) is already taken by ${holder}, which is not ${options.expected}; ${options.remedy}.`;
}
