import { matchesMigrationChecksum } from "./checksum.ts";
import { MigrationError } from "./migration-error.ts";
import type { MigrationFile } from "./migration-files.ts";

/** A `_prisma_migrations` row, as far as deciding what to apply needs it. */
export type MigrationRecord = {
  migrationName: string;
  checksum: string;
  finishedAt: Date | null;
  rolledBackAt: Date | null;
};

export type MigrationPlan = {
  /** Migrations with no live row, in the order they apply. */
  pending: MigrationFile[];
  /** Migrations of the folder that are already applied. */
  alreadyApplied: number;
  /** Applied in the database but absent from the folder (a newer checkout applied them). */
  unknown: string[];
};

/**
 * Decides what a run applies, with `prisma migrate deploy`'s reading of `_prisma_migrations`:
 * a row with `rolled_back_at` set no longer counts (that migration applies again); a row with
 * neither `finished_at` nor `rolled_back_at` is a failed migration and blocks every run until
 * someone repairs the database and marks it (`prisma migrate resolve --rolled-back <name>`).
 * Stricter than Prisma's deploy, an applied migration whose file changed is refused too.
 */
export function planMigrations(
  migrations: readonly MigrationFile[],
  records: readonly MigrationRecord[],
): MigrationPlan {
  const live = records.filter((record) => record.rolledBackAt === null);
  const failed = [
    ...new Set(live.filter((record) => record.finishedAt === null).map((r) => r.migrationName)),
  ];
  if (failed.length > 0) {
    throw new MigrationError(
      `migration ${failed.join(", ")} failed in an earlier run and is not marked rolled back: ` +
        "repair the database, then run `prisma migrate resolve --rolled-back <name>` (or --applied)",
    );
  }
  const byName = new Map(migrations.map((migration) => [migration.name, migration]));
  const appliedNames = new Set<string>();
  const unknown = new Set<string>();
  for (const record of live) {
    const migration = byName.get(record.migrationName);
    if (!migration) {
      unknown.add(record.migrationName);
      continue;
    }
    if (!matchesMigrationChecksum(migration.script, record.checksum)) {
      throw new MigrationError(
        `migration ${migration.name} was modified after it was applied ` +
          `(recorded checksum ${record.checksum}, file ${migration.checksum}); ` +
          "restore the file and put the change in a new migration",
      );
    }
    appliedNames.add(migration.name);
  }
  return {
    pending: migrations.filter((migration) => !appliedNames.has(migration.name)),
    alreadyApplied: appliedNames.size,
    unknown: [...unknown].sort(),
  };
}
