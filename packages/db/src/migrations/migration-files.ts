import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export type MigrationFile = { name: string; sql: string; checksum: string };

/** Prisma's checksum of a migration: sha256 (hex) of the migration.sql bytes. */
export function checksumOf(sql: Buffer | string): string {
  return createHash("sha256").update(sql).digest("hex");
}

/** Migration folder names in the order they apply (lexicographic, as Prisma orders them). */
export function orderMigrationNames(names: readonly string[]): string[] {
  return [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Reads `prisma/migrations/<name>/migration.sql` folders. A folder without migration.sql is an
 * error (Prisma refuses it too); `migration_lock.toml` must name PostgreSQL.
 */
export function readMigrations(migrationsDir: string): MigrationFile[] {
  const lock = join(migrationsDir, "migration_lock.toml");
  if (existsSync(lock) && !/provider\s*=\s*"postgresql"/.test(readFileSync(lock, "utf8"))) {
    throw new Error(`${lock} does not name provider "postgresql"`);
  }
  const folders = readdirSync(migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
  return orderMigrationNames(folders).map((name) => {
    const file = join(migrationsDir, name, "migration.sql");
    if (!existsSync(file)) throw new Error(`migration ${name} has no migration.sql`);
    const bytes = readFileSync(file);
    return { name, sql: bytes.toString("utf8"), checksum: checksumOf(bytes) };
  });
}
