export * from "./apply-migrations.ts";
export * from "./migration-files.ts";
export * from "./render-schema-sql.ts";
export * from "./schema-snapshot.ts";
