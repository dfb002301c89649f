import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { promisify } from "node:util";
import pg from "pg";
import { isLocalHost } from "./addresses.ts";
import { redactUrl, type ServiceReport } from "./report.ts";
import { pollUntil } from "./wait.ts";

const execFileAsync = promisify(execFile);

const CONNECT_TIMEOUT_MS = 2_000;
const START_TIMEOUT_MS = 30_000;
const POSTGRES_CONFIG_DIR = "/etc/postgresql";
/** SQLSTATEs of a CREATE DATABASE that lost a race with another one for the same name. */
const DUPLICATE_DATABASE_CODES = new Set(["42P04", "23505"]);
/** "the database system is starting up" / "shutting down": try again. */
const TRANSIENT_CODES = new Set(["57P03"]);

export type PostgresProbe = { ok: true } | { ok: false; unreachable: boolean; message: string };

/** The same server and user as `databaseUrl`, database `postgres`. */
export function toServerUrl(databaseUrl: string): string {
  const parsed = new URL(databaseUrl);
  parsed.pathname = "/postgres";
  return parsed.toString();
}

export function readDatabaseName(databaseUrl: string): string {
  return decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
}

function isUnreachableError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return TRANSIENT_CODES.has(code);
  return true;
}

async function connectClient(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  client.on("error", () => undefined);
  try {
    await client.connect();
    return client;
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
}

export async function probePostgres(url: string): Promise<PostgresProbe> {
  try {
    const client = await connectClient(url);
    await client.end().catch(() => undefined);
    return { ok: true };
  } catch (error) {
    return { ok: false, unreachable: isUnreachableError(error), message: (error as Error).message };
  }
}

function findNewestClusterVersion(): string | null {
  try {
    const versions = readdirSync(POSTGRES_CONFIG_DIR).filter((name) => /^\d+(\.\d+)?$/.test(name));
    return versions.sort((a, b) => Number(a) - Number(b)).at(-1) ?? null;
  } catch {
    return null;
  }
}

/** Starts the newest local Debian cluster; false when pg_ctlcluster says it was running already. */
async function startLocalCluster(where: string): Promise<{ version: string; started: boolean }> {
  const version = findNewestClusterVersion();
  if (version === null) {
    throw new Error(
      `PostgreSQL is not reachable at ${where} and no local cluster is installed (${POSTGRES_CONFIG_DIR} is empty or missing): install PostgreSQL (apt-get install postgresql) or point DATABASE_URL at a running server.`,
    );
  }
  try {
    await execFileAsync("pg_ctlcluster", ["--skip-systemctl-redirect", version, "main", "start"]);
    return { version, started: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new Error(
        `PostgreSQL is not reachable at ${where} and pg_ctlcluster is not installed to start it: start PostgreSQL yourself or point DATABASE_URL at a running server.`,
      );
    }
    const { stdout, stderr } = error as { stdout?: unknown; stderr?: unknown };
    const output = `${String(stdout ?? "")}${String(stderr ?? "")}`.trim();
    if (/already running/i.test(output)) return { version, started: false };
    throw new Error(
      `PostgreSQL is not reachable at ${where} and "pg_ctlcluster ${version} main start" failed: ${output || (error as Error).message}`,
    );
  }
}

async function createDatabaseIfMissing(serverUrl: string, database: string): Promise<boolean> {
  const client = await connectClient(serverUrl);
  try {
    const existing = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (existing.rowCount !== 0) return false;
    try {
      await client.query(`CREATE DATABASE "${database.replaceAll('"', '""')}"`);
      return true;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code === "string" && DUPLICATE_DATABASE_CODES.has(code)) return false;
      throw new Error(`could not create database "${database}": ${(error as Error).message}`);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Makes the PostgreSQL server of DATABASE_URL answer (starting the local Debian cluster when it is
 * local and down), then creates the URL's database when it does not exist.
 */
export async function ensurePostgres(databaseUrl: string): Promise<ServiceReport> {
  const serverUrl = toServerUrl(databaseUrl);
  const { hostname, port } = new URL(databaseUrl);
  const where = `${hostname}:${port || "5432"}`;
  const probe = await probePostgres(serverUrl);
  const notes: string[] = probe.ok ? ["already running"] : [];
  if (!probe.ok) {
    if (!probe.unreachable) {
      throw new Error(`PostgreSQL at ${where} refused the connection: ${probe.message}. Check DATABASE_URL.`);
    }
    if (!isLocalHost(hostname)) {
      throw new Error(
        `PostgreSQL is not reachable at ${where} (${probe.message}); it is not on this machine, so it is not started here. Start it or fix DATABASE_URL.`,
      );
    }
    const cluster = await startLocalCluster(where);
    const up = await pollUntil(async () => (await probePostgres(serverUrl)).ok, {
      timeoutMs: cluster.started ? START_TIMEOUT_MS : 2_000,
      intervalMs: 200,
    });
    if (!up) {
      throw new Error(
        cluster.started
          ? `PostgreSQL cluster ${cluster.version}/main was started but ${where} does not answer; is it configured for another port? (see /var/log/postgresql)`
          : `PostgreSQL is not reachable at ${where}, although local cluster ${cluster.version}/main is running: check the port in DATABASE_URL.`,
      );
    }
    notes.push(cluster.started ? `started cluster ${cluster.version}/main` : "already running");
  }
  const database = readDatabaseName(databaseUrl);
  if (database && (await createDatabaseIfMissing(serverUrl, database)))
    notes.push(`created database ${database}`);
  return {
    name: "postgres",
    target: redactUrl(databaseUrl),
    note: notes.join(", "),
  };
}
