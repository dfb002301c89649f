import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { ensureTemplateDatabase, TEMPLATE_IDLE_MS, templateDatabaseName } from "./databases.ts";
import { databaseUrlFor, readTestEnv } from "./test-env.ts";

const serverUrl = readTestEnv().DATABASE_URL;
const admin = new pg.Client({ connectionString: databaseUrlFor(serverUrl, "postgres") });
await admin.connect();

afterAll(async () => {
  await admin.end();
});

/** Another migrations content's template (as another checkout builds it), last used at `lastUsed`. */
async function otherTemplate(label: string, lastUsed: Date | null): Promise<string> {
  const name = `promo_test_tmpl_${label}_${randomBytes(3).toString("hex")}`;
  await admin.query(`CREATE DATABASE "${name}"`);
  if (lastUsed)
    await admin.query(
      `COMMENT ON DATABASE "${name}" IS 'promo test template, last used ${lastUsed.toISOString()}'`,
    );
  return name;
}

async function existing(names: readonly string[]): Promise<string[]> {
  const { rows } = await admin.query<{ datname: string }>(
    "SELECT datname FROM pg_database WHERE datname = ANY($1) ORDER BY datname",
    [[...names]],
  );
  return rows.map((row) => row.datname);
}

describe("ensureTemplateDatabase", () => {
  it("keeps another checkout's template while it is in use and drops it once idle", async () => {
    const now = new Date();
    const inUse = await otherTemplate("inuse", new Date(now.getTime() - 60_000));
    const idle = await otherTemplate("idle", new Date(now.getTime() - TEMPLATE_IDLE_MS - 60_000));
    const leftover = await otherTemplate("leftover", null);

    expect(await ensureTemplateDatabase(serverUrl, now)).toBe(templateDatabaseName());

    expect(await existing([inUse, idle, leftover])).toEqual([inUse]);
    const { rows } = await admin.query<{ note: string }>(
      "SELECT shobj_description(oid, 'pg_database') AS note FROM pg_database WHERE datname = $1",
      [templateDatabaseName()],
    );
    expect(rows[0]?.note).toBe(`promo test template, last used ${now.toISOString()}`);
    await admin.query(`DROP DATABASE "${inUse}"`);
  });
});
