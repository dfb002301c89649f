import { createHash, randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { applyMigrations, createDatabase, type Database } from "@promo/db";
import pg from "pg";
import { databaseUrlFor } from "./test-env.ts";

export const MIGRATIONS_DIR = new URL("../../../prisma/migrations", import.meta.url).pathname;

/** A name derived from the migrations' content: a template is reused until a migration changes. */
export function templateDatabaseName(migrationsDir = MIGRATIONS_DIR): string {
  const hash = createHash("sha256");
  for (const entry of readdirSync(migrationsDir, { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    if (!entry.isDirectory()) continue;
    hash.update(entry.name);
    hash.update(readFileSync(join(migrationsDir, entry.name, "migration.sql")));
  }
  return `promo_test_tmpl_${hash.digest("hex").slice(0, 16)}`;
}

async function withAdmin<T>(serverUrl: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrlFor(serverUrl, "postgres") });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

const TEMPLATE_LOCK = 72_707_370;

/**
 * Another migrations content's template is dropped once no run has used it for this long: a run from
 * another checkout (a branch with other migrations) keeps its template while it runs.
 */
export const TEMPLATE_IDLE_MS = 24 * 3_600_000;

/** A template's comment says when a run last used it. */
const LAST_USED = /^promo test template, last used (\S+)$/;

/**
 * Creates (once per migrations content) a migrated template database. Test files clone it, which
 * takes a fraction of a second instead of running the migrations each time. Templates of other
 * migrations contents (and builds a crash left behind) are dropped once idle for TEMPLATE_IDLE_MS.
 */
export async function ensureTemplateDatabase(serverUrl: string, now = new Date()): Promise<string> {
  const name = templateDatabaseName();
  const markUsed = (admin: pg.Client) =>
    admin.query(`COMMENT ON DATABASE "${name}" IS 'promo test template, last used ${now.toISOString()}'`);
  await withAdmin(serverUrl, async (admin) => {
    await admin.query("SELECT pg_advisory_lock($1)", [TEMPLATE_LOCK]);
    try {
      await dropIdleTemplates(admin, name, now);
      const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
      if (exists.rowCount) {
        await markUsed(admin);
        return;
      }
      const building = `${name}_build_${randomBytes(3).toString("hex")}`;
      await admin.query(`CREATE DATABASE "${building}"`);
      try {
        await applyMigrations({
          databaseUrl: databaseUrlFor(serverUrl, building),
          migrationsDir: MIGRATIONS_DIR,
        });
        await admin.query(`ALTER DATABASE "${building}" RENAME TO "${name}"`);
      } catch (error) {
        await admin.query(`DROP DATABASE IF EXISTS "${building}" WITH (FORCE)`);
        throw error;
      }
      await markUsed(admin);
    } finally {
      await admin.query("SELECT pg_advisory_unlock($1)", [TEMPLATE_LOCK]);
    }
  });
  return name;
}

async function dropIdleTemplates(admin: pg.Client, current: string, now: Date): Promise<void> {
  const others = await admin.query<{ datname: string; note: string | null }>(
    `SELECT datname, shobj_description(oid, 'pg_database') AS note FROM pg_database
     WHERE datname LIKE 'promo\\_test\\_tmpl\\_%' AND datname <> $1`,
    [current],
  );
  for (const { datname, note } of others.rows) {
    const lastUsed = Date.parse(LAST_USED.exec(note ?? "")?.[1] ?? "");
    if (Number.isNaN(lastUsed) || now.getTime() - lastUsed > TEMPLATE_IDLE_MS)
      await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  }
}

export type TestDatabase = { name: string; url: string; database: Database; drop(): Promise<void> };

/** A fresh, migrated database of its own (cloned from the template), dropped by `drop()`. */
export async function createTestDatabase(
  serverUrl: string,
  template: string,
  label = "t",
): Promise<TestDatabase> {
  const name = `promo_${label
    .replace(/[^a-z0-9]/gi, "")
    .toLowerCase()
    .slice(0, 20)}_${randomBytes(5).toString("hex")}`;
  await withAdmin(serverUrl, (admin) => admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
  const url = databaseUrlFor(serverUrl, name);
  const database = createDatabase({ databaseUrl: url, maxConnections: 5, applicationName: "promo-test" });
  return {
    name,
    url,
    database,
    async drop() {
      await database.close();
      await withAdmin(serverUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}
