import { createHash, randomBytes } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { applyMigrations, PRISMA_MIGRATIONS_LOCK_KEY } from "./apply-migrations.ts";
import { renderSchemaSql } from "./render-schema-sql.ts";
import { describeDatabaseSchema } from "./schema-snapshot.ts";

const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const MIGRATIONS_DIR = join(REPO_ROOT, "prisma/migrations");
const SCHEMA_PATH = join(REPO_ROOT, "prisma/schema.prisma");
// Test setup: the PostgreSQL server of the integration suites (same variable and default as the app).
const SERVER_URL = process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/promo";
const INIT = "20261122000000_init";
const LOCK_WAIT_LIMIT_MS = 30_000;

const createdDatabases: string[] = [];
const tempDirs: string[] = [];

function buildDatabaseUrl(database: string): string {
  const url = new URL(SERVER_URL);
  url.pathname = `/${database}`;
  return url.toString();
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

/** An empty database of this file's own, dropped in afterAll. */
async function createScratchDatabase(label: string): Promise<{ name: string; url: string }> {
  const name = `promo_mig_${label}_${randomBytes(4).toString("hex")}`;
  await withClient(buildDatabaseUrl("postgres"), (admin) => admin.query(`CREATE DATABASE "${name}"`));
  createdDatabases.push(name);
  return { name, url: buildDatabaseUrl(name) };
}

function copyMigrations(): string {
  const dir = mkdtempSync(join(tmpdir(), "promo-migrations-"));
  tempDirs.push(dir);
  cpSync(MIGRATIONS_DIR, dir, { recursive: true });
  return dir;
}

function listMigrationNames(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

function writeMigration(dir: string, name: string, sql: string): void {
  mkdirSync(join(dir, name), { recursive: true });
  writeFileSync(join(dir, name, "migration.sql"), sql);
}

async function checkRelationExists(url: string, name: string): Promise<boolean> {
  return withClient(url, async (client) => {
    const result = await client.query<{ found: string | null }>("SELECT to_regclass($1)::text AS found", [
      name,
    ]);
    return result.rows[0]?.found != null;
  });
}

afterAll(async () => {
  await withClient(buildDatabaseUrl("postgres"), async (admin) => {
    for (const name of createdDatabases) await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

describe("schema drift", () => {
  it("the migrations build exactly the database schema.prisma describes", async () => {
    const migrated = await createScratchDatabase("drift_a");
    await applyMigrations({ databaseUrl: migrated.url, migrationsDir: MIGRATIONS_DIR });
    const modelled = await createScratchDatabase("drift_b");
    const sql = await renderSchemaSql({
      databaseUrl: modelled.url,
      schemaPath: SCHEMA_PATH,
      repoRoot: REPO_ROOT,
    });
    await withClient(modelled.url, (client) => client.query(sql));

    const fromMigrations = await withClient(migrated.url, (client) => describeDatabaseSchema(client));
    const fromModel = await withClient(modelled.url, (client) => describeDatabaseSchema(client));
    expect(fromMigrations).toEqual(fromModel);
    expect(JSON.stringify(fromMigrations)).toBe(JSON.stringify(fromModel));

    // Not vacuously equal: the snapshot holds the model (and leaves Prisma's bookkeeping out).
    expect(Object.keys(fromMigrations.tables)).toEqual(
      expect.arrayContaining(["store", "code", "reservation"]),
    );
    expect(fromMigrations.tables._prisma_migrations).toBeUndefined();
    expect(fromMigrations.enums.reservation_status).toEqual([
      "PENDING",
      "RESERVED",
      "REJECTED",
      "RELEASED",
      "EXPIRED",
      "CONFIRMED",
      "CANCELLED",
    ]);
    expect(fromMigrations.tables.code?.foreignKeys.code_campaign_id_fkey).toEqual({
      columns: ["campaign_id"],
      referencedTable: "campaign",
      referencedColumns: ["id"],
      onDelete: "cascade",
      onUpdate: "cascade",
      match: "simple",
      deferrable: false,
      initiallyDeferred: false,
    });
    expect(fromMigrations.tables.code?.indexes.code_campaign_id_code_key_key).toBe(
      "CREATE UNIQUE INDEX code_campaign_id_code_key_key ON code USING btree (campaign_id, code_key)",
    );
    expect(fromMigrations.sequences.outbox_event_id_seq?.ownedBy).toBe("outbox_event.id");
  });

  it("the comparison notices each kind of change (it is not vacuous)", async () => {
    const database = await createScratchDatabase("drift_c");
    await applyMigrations({ databaseUrl: database.url, migrationsDir: MIGRATIONS_DIR });
    const changes = [
      `DROP INDEX "reservation_code_id_status_idx"`,
      `DROP INDEX "reservation_status_expires_at_idx";
       CREATE INDEX "reservation_status_expires_at_idx" ON "reservation"("status", "expires_at")`,
      `DROP INDEX "reservation_store_id_order_number_idx";
       CREATE INDEX "reservation_store_id_order_number_idx" ON "reservation"("store_id", "order_number")
         WHERE order_number IS NOT NULL AND store_id IS NOT NULL`,
      `ALTER INDEX "store_slug_key" RENAME TO "store_slug_unique"`,
      `ALTER TABLE "campaign" ALTER COLUMN "name" DROP NOT NULL`,
      `ALTER TABLE "campaign" ALTER COLUMN "priority" SET DEFAULT 1`,
      `ALTER TABLE "code" ALTER COLUMN "code_key" TYPE VARCHAR(64)`,
      `ALTER TABLE "store" ADD COLUMN "extra" TEXT`,
      `ALTER TABLE "code" DROP CONSTRAINT "code_campaign_id_fkey",
         ADD CONSTRAINT "code_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaign"("id")
         ON DELETE RESTRICT ON UPDATE CASCADE`,
      `ALTER TABLE "job" ADD CONSTRAINT "job_progress_check" CHECK ("progress" BETWEEN 0 AND 100)`,
      `ALTER TABLE "processed_event" DROP CONSTRAINT "processed_event_pkey",
         ADD CONSTRAINT "processed_event_pkey" PRIMARY KEY ("event_id", "consumer")`,
      `ALTER TYPE "job_state" ADD VALUE 'paused'`,
      `ALTER SEQUENCE "outbox_event_id_seq" OWNED BY NONE`,
    ];
    await withClient(database.url, async (client) => {
      const before = await describeDatabaseSchema(client);
      for (const change of changes) {
        // Each change is seen inside its transaction, then rolled back: every one is compared alone.
        await client.query("BEGIN");
        await client.query(change);
        const changed = await describeDatabaseSchema(client);
        await client.query("ROLLBACK");
        expect(changed, change).not.toEqual(before);
      }
      expect(await describeDatabaseSchema(client)).toEqual(before);
    });
  });
});

describe("applyMigrations", () => {
  it("records each migration like Prisma and applies nothing the second time", async () => {
    const names = listMigrationNames(MIGRATIONS_DIR);
    const database = await createScratchDatabase("rerun");
    const first = await applyMigrations({ databaseUrl: database.url, migrationsDir: MIGRATIONS_DIR });
    expect(first).toEqual({ applied: names, alreadyApplied: 0 });
    const second = await applyMigrations({ databaseUrl: database.url, migrationsDir: MIGRATIONS_DIR });
    expect(second).toEqual({ applied: [], alreadyApplied: names.length });

    await withClient(database.url, async (client) => {
      const columns = await client.query(
        `SELECT column_name, data_type, character_maximum_length AS length, is_nullable, column_default
           FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
      );
      expect(columns.rows).toEqual([
        {
          column_name: "id",
          data_type: "character varying",
          length: 36,
          is_nullable: "NO",
          column_default: null,
        },
        {
          column_name: "checksum",
          data_type: "character varying",
          length: 64,
          is_nullable: "NO",
          column_default: null,
        },
        {
          column_name: "finished_at",
          data_type: "timestamp with time zone",
          length: null,
          is_nullable: "YES",
          column_default: null,
        },
        {
          column_name: "migration_name",
          data_type: "character varying",
          length: 255,
          is_nullable: "NO",
          column_default: null,
        },
        { column_name: "logs", data_type: "text", length: null, is_nullable: "YES", column_default: null },
        {
          column_name: "rolled_back_at",
          data_type: "timestamp with time zone",
          length: null,
          is_nullable: "YES",
          column_default: null,
        },
        {
          column_name: "started_at",
          data_type: "timestamp with time zone",
          length: null,
          is_nullable: "NO",
          column_default: "now()",
        },
        {
          column_name: "applied_steps_count",
          data_type: "integer",
          length: null,
          is_nullable: "NO",
          column_default: "0",
        },
      ]);

      const rows = await client.query<{
        id: string;
        checksum: string;
        migration_name: string;
        started_at: Date;
        finished_at: Date | null;
        rolled_back_at: Date | null;
        logs: string | null;
        applied_steps_count: number;
      }>(`SELECT * FROM _prisma_migrations ORDER BY migration_name`);
      expect(rows.rows.map((row) => row.migration_name)).toEqual(names);
      for (const row of rows.rows) {
        const file = readFileSync(join(MIGRATIONS_DIR, row.migration_name, "migration.sql"));
        expect(row.checksum).toBe(createHash("sha256").update(file).digest("hex"));
        expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        expect(row.finished_at).toBeInstanceOf(Date);
        expect(row.finished_at?.getTime()).toBeGreaterThanOrEqual(row.started_at.getTime());
        expect(row.rolled_back_at).toBeNull();
        expect(row.logs).toBeNull();
        expect(row.applied_steps_count).toBe(1);
      }
    });
  });

  it("applies once when two runs start at the same time, under Prisma's advisory lock", async () => {
    const names = listMigrationNames(MIGRATIONS_DIR);
    const database = await createScratchDatabase("race");
    // Hold the lock the way Prisma's engine takes it, so that both runs are certainly waiting on it
    // together when it is released.
    const holder = new pg.Client({ connectionString: database.url });
    await holder.connect();
    const logs: string[][] = [[], []];
    let runs: Promise<Awaited<ReturnType<typeof applyMigrations>>>[] = [];
    try {
      await holder.query(`SELECT pg_advisory_lock(${PRISMA_MIGRATIONS_LOCK_KEY})`);
      runs = logs.map((lines) =>
        applyMigrations({
          databaseUrl: database.url,
          migrationsDir: MIGRATIONS_DIR,
          log: (message) => lines.push(message),
        }),
      );
      const deadline = Date.now() + LOCK_WAIT_LIMIT_MS;
      for (;;) {
        const waiting = await holder.query<{ count: number }>(
          `SELECT count(*)::int AS count FROM pg_locks
            WHERE locktype = 'advisory' AND NOT granted AND classid = 0 AND objid = $1 AND objsubid = 1
              AND database = (SELECT oid FROM pg_database WHERE datname = $2)`,
          [PRISMA_MIGRATIONS_LOCK_KEY, database.name],
        );
        if (waiting.rows[0]?.count === 2) break;
        if (Date.now() > deadline) throw new Error("the two runs never both waited for the migration lock");
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      await holder.end();
    }
    const results = await Promise.all(runs);
    expect(results.map((result) => result.applied.length).sort()).toEqual([0, names.length]);
    expect(results.find((result) => result.applied.length === 0)).toEqual({
      applied: [],
      alreadyApplied: names.length,
    });
    for (const lines of logs)
      expect(lines).toContain("waiting for the migration lock (another migration run holds it)");
    const rows = await withClient(database.url, (client) =>
      client.query<{ migration_name: string }>(
        "SELECT migration_name FROM _prisma_migrations ORDER BY migration_name",
      ),
    );
    expect(rows.rows.map((row) => row.migration_name)).toEqual(names);
  });

  it("refuses an applied migration whose file was changed, naming it (line endings aside)", async () => {
    const dir = copyMigrations();
    const database = await createScratchDatabase("edited");
    await applyMigrations({ databaseUrl: database.url, migrationsDir: dir });
    const file = join(dir, INIT, "migration.sql");
    const original = readFileSync(file, "utf8");

    writeFileSync(file, original.replaceAll("\n", "\r\n"));
    await expect(applyMigrations({ databaseUrl: database.url, migrationsDir: dir })).resolves.toEqual({
      applied: [],
      alreadyApplied: listMigrationNames(MIGRATIONS_DIR).length,
    });

    writeFileSync(file, original.replace('"slug" TEXT NOT NULL', '"slug" VARCHAR(80) NOT NULL'));
    await expect(applyMigrations({ databaseUrl: database.url, migrationsDir: dir })).rejects.toThrow(
      `migration ${INIT} was modified after it was applied`,
    );
  });

  it("rolls a failing migration back entirely, names it, and applies it once fixed", async () => {
    const dir = copyMigrations();
    const broken = "29991231000000_broken";
    writeMigration(
      dir,
      broken,
      `CREATE TABLE "half_done" ("id" INTEGER);\nALTER TABLE "store" ADD COLUMN "half" INTEGER;\nUPDATE "no_such_table" SET "x" = 1;\n`,
    );
    const database = await createScratchDatabase("broken");
    await expect(applyMigrations({ databaseUrl: database.url, migrationsDir: dir })).rejects.toThrow(
      new RegExp(`migration ${broken} failed and was rolled back .*"no_such_table" does not exist.*line 3`),
    );
    expect(await checkRelationExists(database.url, "public.half_done")).toBe(false);
    expect(await checkRelationExists(database.url, "public.store")).toBe(true);
    await withClient(database.url, async (client) => {
      const half = await client.query(
        "SELECT 1 FROM information_schema.columns WHERE table_name = 'store' AND column_name = 'half'",
      );
      expect(half.rowCount).toBe(0);
      const rows = await client.query<{ migration_name: string; finished_at: Date | null }>(
        "SELECT migration_name, finished_at FROM _prisma_migrations",
      );
      expect(rows.rows).toEqual(
        listMigrationNames(MIGRATIONS_DIR).map((name) => ({
          migration_name: name,
          finished_at: expect.any(Date),
        })),
      );
    });

    writeMigration(dir, broken, `CREATE TABLE "half_done" ("id" INTEGER);\n`);
    await expect(applyMigrations({ databaseUrl: database.url, migrationsDir: dir })).resolves.toEqual({
      applied: [broken],
      alreadyApplied: listMigrationNames(MIGRATIONS_DIR).length,
    });
  });

  it("refuses to run while a failed migration row is unresolved, until it is marked rolled back", async () => {
    const database = await createScratchDatabase("failed_row");
    await applyMigrations({ databaseUrl: database.url, migrationsDir: MIGRATIONS_DIR });
    const hotfix = "20261123000000_hotfix";
    await withClient(database.url, (client) =>
      client.query(
        `INSERT INTO _prisma_migrations (id, checksum, migration_name, logs, started_at, applied_steps_count)
         VALUES (gen_random_uuid()::text, repeat('0', 64), $1, 'syntax error', now(), 0)`,
        [hotfix],
      ),
    );
    await expect(
      applyMigrations({ databaseUrl: database.url, migrationsDir: MIGRATIONS_DIR }),
    ).rejects.toThrow(`migration ${hotfix} failed in an earlier run`);
    await withClient(database.url, (client) =>
      client.query("UPDATE _prisma_migrations SET rolled_back_at = now() WHERE migration_name = $1", [
        hotfix,
      ]),
    );
    await expect(
      applyMigrations({ databaseUrl: database.url, migrationsDir: MIGRATIONS_DIR }),
    ).resolves.toEqual({
      applied: [],
      alreadyApplied: listMigrationNames(MIGRATIONS_DIR).length,
    });
  });

  it("refuses a migrations folder it cannot apply before touching the database", async () => {
    const database = await createScratchDatabase("refused");
    const attempt = (migrationsDir: string, databaseUrl = database.url) =>
      applyMigrations({ databaseUrl, migrationsDir });

    const withoutScript = copyMigrations();
    mkdirSync(join(withoutScript, "29991231000000_empty"));
    await expect(attempt(withoutScript)).rejects.toThrow(
      "migration 29991231000000_empty has no migration.sql",
    );

    const otherProvider = copyMigrations();
    writeFileSync(join(otherProvider, "migration_lock.toml"), 'provider = "mysql"\n');
    await expect(attempt(otherProvider)).rejects.toThrow('says provider = "mysql", expected "postgresql"');

    const withoutLock = copyMigrations();
    rmSync(join(withoutLock, "migration_lock.toml"));
    await expect(attempt(withoutLock)).rejects.toThrow("migration_lock.toml is missing");

    const ownTransaction = copyMigrations();
    writeMigration(
      ownTransaction,
      "29991231000000_tx",
      `BEGIN;\nCREATE TABLE "t" ("id" INTEGER);\nCOMMIT;\n`,
    );
    await expect(attempt(ownTransaction)).rejects.toThrow('migration 29991231000000_tx: line 1 "BEGIN;"');

    await expect(attempt(join(withoutLock, "nowhere"))).rejects.toThrow(
      /migrations folder .*nowhere does not exist/,
    );
    await expect(attempt(MIGRATIONS_DIR, `${database.url}?schema=tenant`)).rejects.toThrow(
      'the database URL selects schema "tenant"',
    );

    expect(await checkRelationExists(database.url, "public._prisma_migrations")).toBe(false);
  });
});

/**
 * A scratch database as it stood before `migration`: it and every later one left out. `fromIt`:
 * the migrations applying the rest then applies; `before`: how many it finds applied already.
 */
async function databaseBefore(
  migration: string,
  label: string,
): Promise<{ database: { name: string; url: string }; fromIt: string[]; before: number }> {
  const dir = copyMigrations();
  const fromIt = listMigrationNames(dir).filter((name) => name >= migration);
  for (const name of fromIt) rmSync(join(dir, name), { recursive: true });
  const database = await createScratchDatabase(label);
  await applyMigrations({ databaseUrl: database.url, migrationsDir: dir });
  return { database, fromIt, before: listMigrationNames(dir).length };
}

describe("20261127000000_account_id_nfc", () => {
  it("puts account ids stored before it in Unicode's composed form, and leaves other rows alone", async () => {
    const { database, fromIt, before } = await databaseBefore("20261127000000_account_id_nfc", "nfc");

    const decomposed = "cafe\u0301@example.com";
    const composed = "caf\u00e9@example.com";
    const storeId = "00000000-0000-4000-8000-000000000001";
    const accounts = { [`${storeId.slice(0, -1)}2`]: decomposed, [`${storeId.slice(0, -1)}3`]: "member-7" };
    await withClient(database.url, async (client) => {
      await client.query("INSERT INTO store (id, slug, name) VALUES ($1, 'nfc', 'NFC')", [storeId]);
      let sequence = 0;
      for (const [id, accountId] of Object.entries(accounts)) {
        sequence += 1;
        await client.query(
          `INSERT INTO reservation (id, store_id, code_input, code_key, account_id, partition, sequence, status,
             error_code, currency, cart, lines, totals, accepted_at, decided_at)
           VALUES ($1, $2, 'NOPE01', 'NOPE01', $3, 0, $4, 'REJECTED', 'CODE_NOT_FOUND', 'TWD', '{}', '[]', '{}',
             now(), now())`,
          [id, storeId, accountId, sequence],
        );
      }
    });

    await expect(
      applyMigrations({ databaseUrl: database.url, migrationsDir: MIGRATIONS_DIR }),
    ).resolves.toEqual({ applied: fromIt, alreadyApplied: before });
    const rows = await withClient(database.url, (client) =>
      client.query<{ account_id: string }>("SELECT account_id FROM reservation ORDER BY sequence"),
    );
    expect(rows.rows.map((row) => row.account_id)).toEqual([composed, "member-7"]);
  });
});

describe("20261130000100_partner_names_nfc", () => {
  it("puts partner names in Unicode's composed form, but for one whose composed form the store has", async () => {
    const { database, fromIt, before } = await databaseBefore("20261130000100_partner_names_nfc", "partners");
    const stores = ["00000000-0000-4000-8000-000000000031", "00000000-0000-4000-8000-000000000032"];
    const partners: [id: string, store: number, name: string, created: string][] = [
      // Store 1: "niño" composed already, so its decomposed twin stays; "ậ" decomposed with its two
      // marks in either order (both compose to U+1EAD): the older is composed, the newer stays.
      ["00000000-0000-4000-8000-000000000033", 0, "ni\u00f1o", "2026-01-01"],
      ["00000000-0000-4000-8000-000000000034", 0, "nin\u0303o", "2026-01-02"],
      ["00000000-0000-4000-8000-000000000035", 0, "a\u0323\u0302-shop", "2026-01-03"],
      ["00000000-0000-4000-8000-000000000036", 0, "a\u0302\u0323-shop", "2026-01-04"],
      ["00000000-0000-4000-8000-000000000037", 0, "Amy", "2026-01-05"],
      // Store 2: the same decomposed name, alone in its store: composed.
      ["00000000-0000-4000-8000-000000000038", 1, "nin\u0303o", "2026-01-06"],
    ];
    await withClient(database.url, async (client) => {
      for (const [index, id] of stores.entries()) {
        await client.query("INSERT INTO store (id, slug, name) VALUES ($1, $2, 'P')", [
          id,
          `partners-${index}`,
        ]);
      }
      for (const [id, store, name, created] of partners) {
        await client.query(
          `INSERT INTO partner (id, store_id, name, kind, created_at, updated_at)
           VALUES ($1, $2, $3, 'creator', $4, now())`,
          [id, stores[store], name, created],
        );
      }
    });

    await expect(
      applyMigrations({ databaseUrl: database.url, migrationsDir: MIGRATIONS_DIR }),
    ).resolves.toEqual({ applied: fromIt, alreadyApplied: before });
    const rows = await withClient(database.url, (client) =>
      client.query<{ name: string }>("SELECT name FROM partner ORDER BY id"),
    );
    expect(rows.rows.map((row) => row.name)).toEqual([
      "ni\u00f1o",
      "nin\u0303o",
      "\u1ead-shop",
      "a\u0302\u0323-shop",
      "Amy",
      "ni\u00f1o",
    ]);
  });
});

describe("20261129000000_catalog_names_nfc", () => {
  it("puts campaigns' product ids and member groups in Unicode's composed form, in order, once each", async () => {
    const { database, fromIt, before } = await databaseBefore("20261129000000_catalog_names_nfc", "catalog");
    const storeId = "00000000-0000-4000-8000-000000000021";
    const campaigns = {
      // Both spellings of one name listed: one is left, where the first stood.
      "00000000-0000-4000-8000-000000000022": {
        products: ["cafe\u0301-mug", "SKU-1", "caf\u00e9-mug"],
        groups: ["VIP", "nin\u0303o"],
      },
      "00000000-0000-4000-8000-000000000023": { products: ["SKU-2", "SKU-2"], groups: [] },
    };
    await withClient(database.url, async (client) => {
      await client.query("INSERT INTO store (id, slug, name) VALUES ($1, 'catalog', 'Catalog')", [storeId]);
      for (const [id, names] of Object.entries(campaigns)) {
        await client.query(
          `INSERT INTO campaign (id, store_id, name, discount_type, amount, currency, starts_at, ends_at,
             member_groups, product_ids, once_per_account, updated_at)
           VALUES ($1, $2, 'C', 'fixed', 100, 'TWD', now(), now() + interval '1 day', $3, $4, false, now())`,
          [id, storeId, names.groups, names.products],
        );
      }
    });

    await expect(
      applyMigrations({ databaseUrl: database.url, migrationsDir: MIGRATIONS_DIR }),
    ).resolves.toEqual({ applied: fromIt, alreadyApplied: before });
    const rows = await withClient(database.url, (client) =>
      client.query<{ product_ids: string[]; member_groups: string[] }>(
        "SELECT product_ids, member_groups FROM campaign ORDER BY id",
      ),
    );
    expect(rows.rows).toEqual([
      { product_ids: ["caf\u00e9-mug", "SKU-1"], member_groups: ["VIP", "ni\u00f1o"] },
      // Already composed: left as it was, repeats and all.
      { product_ids: ["SKU-2", "SKU-2"], member_groups: [] },
    ]);
  });
});

describe("20261128000000_drop_stored_error_reports", () => {
  it("removes the error reports workers stored, and keeps uploads", async () => {
    const { database, fromIt, before } = await databaseBefore(
      "20261128000000_drop_stored_error_reports",
      "reports",
    );
    const storeId = "00000000-0000-4000-8000-000000000011";
    const jobId = "00000000-0000-4000-8000-000000000012";
    await withClient(database.url, async (client) => {
      await client.query("INSERT INTO store (id, slug, name) VALUES ($1, 'reports', 'Reports')", [storeId]);
      await client.query(
        `INSERT INTO job (id, store_id, kind, state, params, updated_at)
         VALUES ($1, $2, 'import_codes', 'failed', '{}', now())`,
        [jobId, storeId],
      );
      for (const purpose of ["upload", "error_report"]) {
        await client.query(
          `INSERT INTO job_file (id, job_id, purpose, file_name, content_type, size, content)
           VALUES (gen_random_uuid(), $1, $2::job_file_purpose, 'f', 'text/csv', 1, 'x')`,
          [jobId, purpose],
        );
      }
    });

    await expect(
      applyMigrations({ databaseUrl: database.url, migrationsDir: MIGRATIONS_DIR }),
    ).resolves.toEqual({ applied: fromIt, alreadyApplied: before });
    const rows = await withClient(database.url, (client) =>
      client.query<{ purpose: string }>("SELECT purpose FROM job_file WHERE job_id = $1", [jobId]),
    );
    expect(rows.rows.map((row) => row.purpose)).toEqual(["upload"]);
  });
});

describe("20261201000000_processed_events_per_store", () => {
  it("keeps the events processed before under no store, and takes one id from two stores after", async () => {
    const { database, fromIt, before } = await databaseBefore(
      "20261201000000_processed_events_per_store",
      "processed",
    );
    const eventId = "00000000-0000-4000-8000-000000000021";
    await withClient(database.url, (client) =>
      client.query("INSERT INTO processed_event (consumer, event_id, fingerprint) VALUES ('c', $1, 'f')", [
        eventId,
      ]),
    );

    await expect(
      applyMigrations({ databaseUrl: database.url, migrationsDir: MIGRATIONS_DIR }),
    ).resolves.toEqual({ applied: fromIt, alreadyApplied: before });
    const stores = ["00000000-0000-4000-8000-000000000022", "00000000-0000-4000-8000-000000000023"];
    const rows = await withClient(database.url, async (client) => {
      for (const storeId of stores) {
        await client.query(
          "INSERT INTO processed_event (consumer, store_id, event_id) VALUES ('c', $1, $2)",
          [storeId, eventId],
        );
      }
      return client.query<{ store_id: string; fingerprint: string | null }>(
        "SELECT store_id, fingerprint FROM processed_event ORDER BY store_id",
      );
    });
    expect(rows.rows).toEqual([
      { store_id: "00000000-0000-0000-0000-000000000000", fingerprint: "f" },
      { store_id: stores[0], fingerprint: null },
      { store_id: stores[1], fingerprint: null },
    ]);
  });
});
