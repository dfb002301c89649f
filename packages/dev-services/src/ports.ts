import { execFile } from "node:child_process";
import { Socket } from "node:net";
import { promisify } from "node:util";

const run = promisify(execFile);

/** True when something accepts TCP connections on host:port. */
export function isPortOpen(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("error", () => done(false));
    socket.connect(port, host, () => done(true));
  });
}

/** "pid 1234 (java)" for the process listening on the port, when `ss` can tell. */
export async function describePortOwner(port: number): Promise<string | null> {
  try {
    const { stdout } = await run("ss", ["-ltnpH", `sport = :${port}`]);
    return parsePortOwner(stdout);
  } catch {
    return null;
  }
}

export function parsePortOwner(ssOutput: string): string | null {
  const match = /users:\(\("([^"]+)",pid=(\d+)/.exec(ssOutput);
  return match ? `pid ${match[2]} (${match[1]})` : null;
}

export function isLocalHost(host: string): boolean {
  return ["127.0.0.1", "localhost", "::1", "0.0.0.0"].includes(host.replace(/^\[|\]$/g, ""));
}

export function splitHostPort(address: string): { host: string; port: number } {
  const index = address.lastIndexOf(":");
  return { host: address.slice(0, index), port: Number(address.slice(index + 1)) };
}
