// `npm run db:migrate`: applies prisma/migrations to DATABASE_URL (compatible with `prisma migrate deploy`).
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DatabaseUrlSchema, parseEnv } from "@promo/config";
import { applyMigrations } from "@promo/db";
import { z } from "zod";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

try {
  const env = parseEnv(z.object({ DATABASE_URL: DatabaseUrlSchema }), process.env);
  const result = await applyMigrations({
    databaseUrl: env.DATABASE_URL,
    migrationsDir: join(root, "prisma/migrations"),
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
