// `npm run db:schema-sql`: prints the SQL that builds prisma/schema.prisma from an empty database.
// Use it to write the next prisma/migrations/<timestamp>_<name>/migration.sql (the part that
// differs from what is already migrated); the schema drift test checks the result.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DatabaseUrlSchema, parseEnv } from "@promo/config";
import { renderSchemaSql } from "@promo/db";
import { z } from "zod";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const env = parseEnv(z.object({ DATABASE_URL: DatabaseUrlSchema }), process.env);
process.stdout.write(
  await renderSchemaSql({
    databaseUrl: env.DATABASE_URL,
    schemaPath: join(root, "prisma/schema.prisma"),
    repoRoot: root,
    env: process.env,
  }),
);
