import { randomUUID } from "node:crypto";
import pg from "pg";
import { MigrationError } from "./migration-error.ts";
import { type MigrationFile, readMigrations } from "./migration-files.ts";
import { type MigrationRecord, planMigrations } from "./migration-plan.ts";

/**
 * The advisory lock key of Prisma's schema engine on PostgreSQL (`SELECT
 * pg_advisory_lock(72707369)`, a bigint key). Holding the same one keeps our runner and
 * `prisma migrate` from ever migrating one database at the same time.
 */
export const PRISMA_MIGRATIONS_LOCK_KEY = 72_707_369;

/** Prisma's bookkeeping table, created exactly as its schema engine creates it. */
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
)`;

const BYTE_ORDER_MARK = "\uFEFF";

export type ApplyMigrationsOptions = {
  databaseUrl: string;
  /** A Prisma migrations folder: `<name>/migration.sql` sub-folders and `migration_lock.toml`. */
  migrationsDir: string;
  /** Progress lines (waiting for the lock, each migration applied). */
  log?: (message: string) => void;
};

export type ApplyMigrationsResult = {
  /** Names of the migrations this run applied, in order. */
  applied: string[];
  /** How many migrations of the folder were already applied before this run. */
  alreadyApplied: number;
};

/**
 * Applies a Prisma migrations folder the way `prisma migrate deploy` does, without Prisma's schema
 * engine: same `_prisma_migrations` table, rows and checksums, same advisory lock, so a database
 * migrated here can be managed by `prisma migrate` later and the other way round. Everything is
 * checked before anything runs (see {@link readMigrations} and {@link planMigrations}); each pending
 * migration then runs in a transaction of its own together with its `_prisma_migrations` row, so it
 * applies entirely or not at all. Throws {@link MigrationError} naming the migration at fault.
 */
export async function applyMigrations(options: ApplyMigrationsOptions): Promise<ApplyMigrationsResult> {
  const log = options.log ?? (() => undefined);
  const migrations = readMigrations(options.migrationsDir);
  rejectSchemaParameter(options.databaseUrl);
  const client = new pg.Client({ connectionString: options.databaseUrl, application_name: "promo-migrate" });
  // A connection lost while idle surfaces as the next query's error; without a listener it would
  // crash the process instead.
  client.on("error", () => undefined);
  await client.connect();
  try {
    await lockMigrations(client, log);
    try {
      await client.query(CREATE_MIGRATIONS_TABLE);
      const plan = planMigrations(migrations, await readMigrationRecords(client));
      for (const name of plan.unknown)
        log(`${name} is applied but not in ${options.migrationsDir} (left alone)`);
      const applied: string[] = [];
      for (const migration of plan.pending) {
        await applyMigration(client, migration);
        log(`applied ${migration.name}`);
        applied.push(migration.name);
      }
      return { applied, alreadyApplied: plan.alreadyApplied };
    } finally {
      await client
        .query("SELECT pg_advisory_unlock($1::bigint)", [PRISMA_MIGRATIONS_LOCK_KEY])
        .catch(() => undefined);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Prisma reads `?schema=` from the URL and migrates that schema; pg ignores it. Rather than
 * migrate a different schema than Prisma would, refuse it.
 */
function rejectSchemaParameter(databaseUrl: string): void {
  let schema: string | null = null;
  try {
    schema = new URL(databaseUrl).searchParams.get("schema");
  } catch {
    return; // pg reports an unusable URL on connect
  }
  if (schema !== null && schema !== "public") {
    throw new MigrationError(
      `the database URL selects schema "${schema}"; migrations only apply to the public schema`,
    );
  }
}

async function lockMigrations(client: pg.Client, log: (message: string) => void): Promise<void> {
  const attempt = await client.query<{ locked: boolean }>(
    "SELECT pg_try_advisory_lock($1::bigint) AS locked",
    [PRISMA_MIGRATIONS_LOCK_KEY],
  );
  if (attempt.rows[0]?.locked) return;
  log("waiting for the migration lock (another migration run holds it)");
  await client.query("SELECT pg_advisory_lock($1::bigint)", [PRISMA_MIGRATIONS_LOCK_KEY]);
}

async function readMigrationRecords(client: pg.Client): Promise<MigrationRecord[]> {
  const result = await client.query<{
    migration_name: string;
    checksum: string;
    finished_at: Date | null;
    rolled_back_at: Date | null;
  }>(
    "SELECT migration_name, checksum, finished_at, rolled_back_at FROM _prisma_migrations ORDER BY started_at, migration_name",
  );
  return result.rows.map((row) => ({
    migrationName: row.migration_name,
    checksum: row.checksum,
    finishedAt: row.finished_at,
    rolledBackAt: row.rolled_back_at,
  }));
}

async function applyMigration(client: pg.Client, migration: MigrationFile): Promise<void> {
  const sql = migration.script.startsWith(BYTE_ORDER_MARK) ? migration.script.slice(1) : migration.script;
  try {
    await client.query("BEGIN");
    // No parameters: the simple query protocol, which runs a script of many statements.
    await client.query(sql);
    await client.query(
      `INSERT INTO _prisma_migrations
         (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
       VALUES ($1, $2, clock_timestamp(), $3, NULL, NULL, now(), 1)`,
      [randomUUID(), migration.checksum, migration.name],
    );
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw new MigrationError(
      `migration ${migration.name} failed and was rolled back (none of it is applied): ${describeFailure(error, sql)}`,
      { cause: error },
    );
  }
}

/** The database's message, with the line of migration.sql it points at when it points at one. */
export function describeFailure(error: unknown, sql: string): string {
  if (!(error instanceof Error)) return String(error);
  const position = error instanceof pg.DatabaseError ? Number(error.position) : Number.NaN;
  if (!Number.isInteger(position) || position < 1 || position > sql.length + 1) return error.message;
  const line = sql.slice(0, position - 1).split("\n").length;
  return `${error.message} (migration.sql line ${line})`;
}
