import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { applyMigrations, checksumOf, describeDatabaseSchema, renderSchemaSql } from "@promo/db";
import { databaseUrlFor, MIGRATIONS_DIR, REPO_ROOT, readTestEnv } from "@promo/testing";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";

const env = readTestEnv();
const created: string[] = [];
const tempDirs: string[] = [];

async function admin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrlFor(env.DATABASE_URL, "postgres") });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

async function freshDatabase(label: string): Promise<string> {
  const name = `promo_mig_${label}_${Math.random().toString(36).slice(2, 10)}`;
  await admin((client) => client.query(`CREATE DATABASE "${name}"`));
  created.push(name);
  return databaseUrlFor(env.DATABASE_URL, name);
}

async function withClient<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

function copyOfMigrations(): string {
  const dir = mkdtempSync(join(tmpdir(), "promo-migrations-"));
  tempDirs.push(dir);
  cpSync(MIGRATIONS_DIR, dir, { recursive: true });
  return dir;
}

afterAll(async () => {
  for (const name of created)
    await admin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

describe("migrations", () => {
  it("build exactly the database schema.prisma describes (drift check)", async () => {
    const migrated = await freshDatabase("migrated");
    await applyMigrations({ databaseUrl: migrated, migrationsDir: MIGRATIONS_DIR });
    const fromSchema = await freshDatabase("model");
    const sql = await renderSchemaSql({
      databaseUrl: fromSchema,
      schemaPath: join(REPO_ROOT, "prisma/schema.prisma"),
      repoRoot: REPO_ROOT,
      env: process.env,
    });
    await withClient(fromSchema, (client) => client.query(sql));

    const expected = await withClient(fromSchema, (client) => describeDatabaseSchema(client));
    const actual = await withClient(migrated, (client) => describeDatabaseSchema(client));
    expect(Object.keys(actual.tables).length).toBeGreaterThan(10);
    expect(actual).toEqual(expected);
  });

  it("notice a database that differs from the model (the comparison is not vacuous)", async () => {
    const url = await freshDatabase("drifted");
    await applyMigrations({ databaseUrl: url, migrationsDir: MIGRATIONS_DIR });
    const before = await withClient(url, (client) => describeDatabaseSchema(client));
    await withClient(url, (client) => client.query(`DROP INDEX "reservation_code_id_status_idx"`));
    const withoutIndex = await withClient(url, (client) => describeDatabaseSchema(client));
    expect(withoutIndex).not.toEqual(before);
    await withClient(url, (client) =>
      client.query(`ALTER TABLE "campaign" ALTER COLUMN "name" DROP NOT NULL`),
    );
    const looser = await withClient(url, (client) => describeDatabaseSchema(client));
    expect(looser.tables.campaign?.columns.name?.notNull).toBe(false);
  });

  it("record each migration like Prisma and apply nothing the second time", async () => {
    const url = await freshDatabase("rerun");
    const first = await applyMigrations({ databaseUrl: url, migrationsDir: MIGRATIONS_DIR });
    expect(first.applied.length).toBeGreaterThan(0);
    const second = await applyMigrations({ databaseUrl: url, migrationsDir: MIGRATIONS_DIR });
    expect(second).toEqual({ applied: [], alreadyApplied: first.applied.length });
    const rows = await withClient(url, (client) =>
      client.query<{
        migration_name: string;
        checksum: string;
        finished_at: Date | null;
        applied_steps_count: number;
      }>(
        `SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name`,
      ),
    );
    expect(rows.rows.map((row) => row.migration_name)).toEqual(first.applied);
    for (const row of rows.rows) {
      expect(row.checksum).toBe(
        checksumOf(readFileSync(join(MIGRATIONS_DIR, row.migration_name, "migration.sql"))),
      );
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.applied_steps_count).toBe(1);
    }
  });

  it("apply once when two runners start at the same time", async () => {
    const url = await freshDatabase("race");
    const results = await Promise.all([
      applyMigrations({ databaseUrl: url, migrationsDir: MIGRATIONS_DIR }),
      applyMigrations({ databaseUrl: url, migrationsDir: MIGRATIONS_DIR }),
    ]);
    const total = readdirNames(MIGRATIONS_DIR).length;
    expect(results.map((result) => result.applied.length).sort()).toEqual([0, total]);
    const count = await withClient(url, (client) =>
      client.query(`SELECT count(*)::int AS n FROM "_prisma_migrations"`),
    );
    expect(count.rows[0]?.n).toBe(total);
  });

  it("refuse a migration that was changed after it was applied", async () => {
    const dir = copyOfMigrations();
    const url = await freshDatabase("edited");
    await applyMigrations({ databaseUrl: url, migrationsDir: dir });
    const [name] = readdirNames(dir);
    writeFileSync(join(dir, String(name), "migration.sql"), "-- edited\nSELECT 1;\n");
    await expect(applyMigrations({ databaseUrl: url, migrationsDir: dir })).rejects.toThrow(
      new RegExp(`${name}.*modified`),
    );
  });

  it("roll a failing migration back entirely and name it", async () => {
    const dir = copyOfMigrations();
    mkdirSync(join(dir, "29991231000000_broken"));
    writeFileSync(
      join(dir, "29991231000000_broken", "migration.sql"),
      `CREATE TABLE "half_done" (id int);\nALTER TABLE "no_such_table" ADD COLUMN x int;\n`,
    );
    const url = await freshDatabase("broken");
    await expect(applyMigrations({ databaseUrl: url, migrationsDir: dir })).rejects.toThrow(
      /29991231000000_broken/,
    );
    const state = await withClient(url, async (client) => ({
      halfDone: (await client.query(`SELECT to_regclass('public.half_done') AS t`)).rows[0]?.t,
      recorded: (await client.query(`SELECT migration_name FROM "_prisma_migrations"`)).rows.map(
        (row) => row.migration_name,
      ),
    }));
    expect(state.halfDone).toBeNull();
    expect(state.recorded).not.toContain("29991231000000_broken");
    expect(state.recorded.length).toBe(readdirNames(MIGRATIONS_DIR).length);
  });
});

function readdirNames(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}
