import { randomUUID } from "node:crypto";
import pg from "pg";
import { type MigrationFile, readMigrations } from "./migration-files.ts";

/** The key Prisma's migrate commands lock with, so our runner and Prisma never run at once. */
export const PRISMA_MIGRATION_LOCK = 72_707_369;

/** Exactly Prisma's bookkeeping table. */
const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

type AppliedRow = {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
};

export class MigrationError extends Error {
  override readonly name = "MigrationError";
}

/**
 * Applies `prisma/migrations` the way `prisma migrate deploy` does, without Prisma's schema
 * engine: the same `_prisma_migrations` rows and checksums and the same advisory lock, so a
 * database migrated here can later be managed by `prisma migrate`, and the other way round. Each
 * migration runs in its own transaction: it applies entirely or not at all.
 */
export async function applyMigrations(options: {
  databaseUrl: string;
  migrationsDir: string;
  log?: (message: string) => void;
}): Promise<{ applied: string[]; alreadyApplied: number }> {
  const migrations = readMigrations(options.migrationsDir);
  const client = new pg.Client({ connectionString: options.databaseUrl, application_name: "promo-migrate" });
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [PRISMA_MIGRATION_LOCK]);
    try {
      await client.query(CREATE_MIGRATIONS_TABLE);
      const rows = (
        await client.query<AppliedRow>(
          `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at`,
        )
      ).rows;
      checkHistory(rows, migrations);
      const done = new Set(
        rows.filter((row) => row.finished_at && !row.rolled_back_at).map((row) => row.migration_name),
      );
      const applied: string[] = [];
      for (const migration of migrations) {
        if (done.has(migration.name)) continue;
        await applyOne(client, migration);
        options.log?.(`applied ${migration.name}`);
        applied.push(migration.name);
      }
      return { applied, alreadyApplied: done.size };
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [PRISMA_MIGRATION_LOCK]);
    }
  } finally {
    await client.end();
  }
}

function checkHistory(rows: readonly AppliedRow[], migrations: readonly MigrationFile[]): void {
  const files = new Map(migrations.map((migration) => [migration.name, migration]));
  for (const row of rows) {
    if (row.rolled_back_at) continue;
    if (!row.finished_at) {
      throw new MigrationError(
        `migration ${row.migration_name} failed earlier and is not marked rolled back; fix the database, then mark it (prisma migrate resolve)`,
      );
    }
    const file = files.get(row.migration_name);
    if (!file)
      throw new MigrationError(
        `migration ${row.migration_name} is applied but missing from the migrations folder`,
      );
    if (file.checksum !== row.checksum) {
      throw new MigrationError(
        `migration ${row.migration_name} was modified after it was applied (checksum differs)`,
      );
    }
  }
}

async function applyOne(client: pg.Client, migration: MigrationFile): Promise<void> {
  const startedAt = new Date();
  try {
    await client.query("BEGIN");
    await client.query(migration.sql);
    await client.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, logs, started_at, applied_steps_count)
       VALUES ($1, $2, now(), $3, NULL, $4, 1)`,
      [randomUUID(), migration.checksum, migration.name, startedAt],
    );
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    const reason = error instanceof Error ? error.message : String(error);
    throw new MigrationError(`migration ${migration.name} failed and was rolled back: ${reason}`);
  }
}
