export {
  type ApplyMigrationsOptions,
  type ApplyMigrationsResult,
  applyMigrations,
  PRISMA_MIGRATIONS_LOCK_KEY,
} from "./apply-migrations.ts";
export { checksumOf, computeMigrationChecksum, matchesMigrationChecksum } from "./checksum.ts";
export { MigrationError } from "./migration-error.ts";
export { type MigrationFile, readMigrations } from "./migration-files.ts";
export { type RenderSchemaSqlOptions, renderSchemaSql } from "./render-schema-sql.ts";
export {
  type CatalogReader,
  type ColumnSnapshot,
  describeDatabaseSchema,
  type ForeignKeyAction,
  type ForeignKeySnapshot,
  type SchemaSnapshot,
  type SequenceSnapshot,
  type TableSnapshot,
} from "./schema-snapshot.ts";
