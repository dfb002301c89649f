// `npm run db:migrate`: applies prisma/migrations to DATABASE_URL, compatible with
// `prisma migrate deploy` (same _prisma_migrations rows and advisory lock), without Prisma's engine.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DatabaseUrlSchema, parseEnv } from "@promo/config";
import { applyMigrations } from "@promo/db";
import { z } from "zod";

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

try {
  const env = parseEnv(z.object({ DATABASE_URL: DatabaseUrlSchema }), process.env);
  const result = await applyMigrations({
    databaseUrl: env.DATABASE_URL,
    migrationsDir: join(REPO_ROOT, "prisma/migrations"),
    log: (message) => console.error(`migrations: ${message}`),
  });
  console.log(
    result.applied.length > 0
      ? `migrations: applied ${result.applied.length} (${result.applied.join(", ")})`
      : `migrations: up to date (${result.alreadyApplied} applied)`,
  );
} catch (error) {
  console.error(`migrations: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
