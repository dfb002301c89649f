import { describe, expect, it } from "vitest";
import { computeMigrationChecksum } from "./checksum.ts";
import type { MigrationFile } from "./migration-files.ts";
import { type MigrationRecord, planMigrations } from "./migration-plan.ts";

function migration(name: string, script = `-- ${name}\nSELECT 1;\n`): MigrationFile {
  return { name, script, checksum: computeMigrationChecksum(script) };
}

const DONE = new Date("2026-11-22T00:00:00Z");

function record(file: MigrationFile, changes: Partial<MigrationRecord> = {}): MigrationRecord {
  return {
    migrationName: file.name,
    checksum: file.checksum,
    finishedAt: DONE,
    rolledBackAt: null,
    ...changes,
  };
}

const INIT = migration("20261122000000_init");
const CODES = migration("20261123000000_codes");
const ALERTS = migration("20261124000000_alerts");

describe("planMigrations", () => {
  it("applies everything to an empty history", () => {
    expect(planMigrations([INIT, CODES], [])).toEqual({
      pending: [INIT, CODES],
      alreadyApplied: 0,
      unknown: [],
    });
  });

  it("applies only what has no finished row", () => {
    expect(planMigrations([INIT, CODES, ALERTS], [record(INIT), record(CODES)])).toEqual({
      pending: [ALERTS],
      alreadyApplied: 2,
      unknown: [],
    });
  });

  it("applies again a migration whose row was marked rolled back", () => {
    const plan = planMigrations(
      [INIT, CODES],
      [record(INIT), record(CODES, { finishedAt: null, rolledBackAt: DONE })],
    );
    expect(plan.pending).toEqual([CODES]);
  });

  it("refuses a failed migration that is not marked rolled back, naming it", () => {
    expect(() => planMigrations([INIT, CODES], [record(INIT), record(CODES, { finishedAt: null })])).toThrow(
      /migration 20261123000000_codes failed/,
    );
  });

  it("refuses an applied migration whose file changed, naming it", () => {
    const edited = migration(INIT.name, "-- edited\nSELECT 2;\n");
    expect(() => planMigrations([edited, CODES], [record(INIT)])).toThrow(
      /migration 20261122000000_init was modified after it was applied/,
    );
  });

  it("accepts a file whose line endings changed (Prisma's checksum tolerance)", () => {
    const crlf = migration(INIT.name, INIT.script.replaceAll("\n", "\r\n"));
    expect(planMigrations([crlf], [record(INIT)])).toEqual({ pending: [], alreadyApplied: 1, unknown: [] });
  });

  it("reports rows of migrations the folder does not have, and ignores their checksum", () => {
    const ghost = migration("20261130000000_from_a_newer_checkout");
    expect(planMigrations([INIT], [record(INIT), record(ghost), record(ghost)])).toEqual({
      pending: [],
      alreadyApplied: 1,
      unknown: ["20261130000000_from_a_newer_checkout"],
    });
  });
});
