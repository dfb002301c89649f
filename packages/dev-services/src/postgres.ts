import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { promisify } from "node:util";
import pg from "pg";
import { isLocalHost } from "./ports.ts";
import type { ServiceReport } from "./report.ts";

const run = promisify(execFile);

function serverUrl(url: string): string {
  const parsed = new URL(url);
  parsed.pathname = "/postgres";
  return parsed.toString();
}

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on("error", () => undefined);
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function startLocalCluster(): Promise<string> {
  const versions = readdirSync("/etc/postgresql");
  const version = versions.sort().at(-1);
  if (!version) throw new Error("no cluster under /etc/postgresql");
  await run("pg_ctlcluster", ["--skip-systemctl-redirect", version, "main", "start"]);
  return version;
}

/**
 * Uses the PostgreSQL server of DATABASE_URL; when it is local and down, starts the Debian
 * cluster. Then creates the database named in the URL if it does not exist.
 */
export async function ensurePostgres(url: string): Promise<ServiceReport> {
  const server = serverUrl(url);
  let note = "already running";
  if (!(await canConnect(server))) {
    const { hostname } = new URL(url);
    if (!isLocalHost(hostname))
      throw new Error(`PostgreSQL is not reachable at ${hostname} (not local). Check DATABASE_URL.`);
    try {
      note = `started cluster ${await startLocalCluster()}`;
    } catch (error) {
      throw new Error(
        `PostgreSQL is not reachable at ${hostname} and could not be started (${(error as Error).message}). Install PostgreSQL or set DATABASE_URL.`,
      );
    }
    let up = false;
    for (let attempt = 0; attempt < 50 && !up; attempt += 1) {
      up = await canConnect(server);
      if (!up) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    if (!up) throw new Error(`PostgreSQL was started but ${hostname} does not answer.`);
  }
  const database = decodeURIComponent(new URL(url).pathname.slice(1));
  const client = new pg.Client({ connectionString: server });
  await client.connect();
  try {
    const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (exists.rowCount === 0) {
      await client
        .query(`CREATE DATABASE "${database.replaceAll('"', '""')}"`)
        .catch((error: { code?: string }) => {
          if (error.code !== "42P04") throw error;
        });
      note += `, created database ${database}`;
    }
  } finally {
    await client.end();
  }
  const redacted = new URL(url);
  if (redacted.password) redacted.password = "***";
  return { name: "postgres", target: redacted.toString(), note };
}
