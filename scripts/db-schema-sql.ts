// `npm run db:schema-sql`: prints the SQL that builds prisma/schema.prisma from an empty database
// (Prisma 6.19's Wasm engine, offline; DATABASE_URL must reach a PostgreSQL server, which it only
// reads). To change the schema, write prisma/migrations/<YYYYMMDDHHMMSS>_<name>/migration.sql by
// hand or from the part of this output that is new; the drift test checks the result.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DatabaseUrlSchema, parseEnv } from "@promo/config";
import { renderSchemaSql } from "@promo/db";
import { z } from "zod";

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

try {
  const env = parseEnv(z.object({ DATABASE_URL: DatabaseUrlSchema }), process.env);
  const sql = await renderSchemaSql({
    databaseUrl: env.DATABASE_URL,
    schemaPath: join(REPO_ROOT, "prisma/schema.prisma"),
    repoRoot: REPO_ROOT,
  });
  process.stdout.write(sql);
} catch (error) {
  console.error(`schema-sql: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
