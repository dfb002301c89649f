import { join } from "node:path";
import { applyMigrations } from "@promo/db";
import { REPO_ROOT } from "@promo/testing/processes";
import pg from "pg";

export type BenchDatabase = { url: string; drop(): Promise<void> };

/** A fresh, migrated database for one benchmark run, on the server of `databaseUrl`. */
export async function createBenchDatabase(databaseUrl: string, name: string): Promise<BenchDatabase> {
  const serverUrl = new URL(databaseUrl);
  serverUrl.pathname = "/postgres";
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: serverUrl.toString() });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE "${name}"`);
  const drop = () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  try {
    await applyMigrations({
      databaseUrl: url.toString(),
      migrationsDir: join(REPO_ROOT, "prisma/migrations"),
    });
  } catch (error) {
    await drop();
    throw error;
  }
  return { url: url.toString(), drop };
}
