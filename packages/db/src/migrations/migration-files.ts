import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { computeMigrationChecksum } from "./checksum.ts";
import { MigrationError } from "./migration-error.ts";

/** One `prisma/migrations/<name>/migration.sql`. */
export type MigrationFile = {
  name: string;
  /** The file's text exactly as on disk (a byte order mark, if any, included). */
  script: string;
  /** {@link computeMigrationChecksum} of the file's bytes. */
  checksum: string;
};

export const MIGRATION_LOCK_FILE = "migration_lock.toml";
export const MIGRATION_SCRIPT_FILE = "migration.sql";
const EXPECTED_PROVIDER = "postgresql";

function compareCodeUnits(a: string, b: string): number {
  if (a < b) return -1;
  return a > b ? 1 : 0;
}

/**
 * Migration folder names in the order they apply: by UTF-16 code unit, which for Prisma's
 * `<14-digit timestamp>_<name>` folders is timestamp order. Prisma's CLI sorts the same list with
 * `localeCompare` (locale-dependent: `_` and letter case order differently), so names on which the
 * two orders disagree are refused: our runner and `prisma migrate deploy` must apply in one order.
 */
export function orderMigrationNames(names: readonly string[]): string[] {
  const ordered = [...names].sort(compareCodeUnits);
  for (let index = 1; index < ordered.length; index += 1) {
    const previous = ordered[index - 1] ?? "";
    const current = ordered[index] ?? "";
    if (previous.localeCompare(current) >= 0) {
      throw new MigrationError(
        `migrations ${previous} and ${current} sort differently by name and by Prisma's locale order; ` +
          "rename one (use the <YYYYMMDDHHMMSS>_<snake_case_name> form)",
      );
    }
  }
  return ordered;
}

/** The `provider` a migration_lock.toml names, or null when it names none. */
export function parseMigrationLockProvider(toml: string): string | null {
  for (const line of toml.split(/\r?\n/)) {
    const match = /^\s*provider\s*=\s*(?:"([^"]*)"|'([^']*)')\s*(?:#.*)?$/.exec(line);
    if (match) return match[1] ?? match[2] ?? null;
  }
  return null;
}

const TRANSACTION_CONTROL =
  /^[ \t]*(BEGIN|START[ \t]+TRANSACTION|COMMIT|ROLLBACK)(?:[ \t]+(?:WORK|TRANSACTION))?[ \t]*;[ \t]*(?:--.*)?\r?$/im;

/**
 * The first line of a migration script that is a bare transaction statement (`BEGIN;`, `COMMIT;`,
 * ...), with its 1-based line number, or null. The runner wraps each migration in its own
 * transaction; a script that commits part-way would break "all or nothing". (`END;` is not
 * matched: on a line of its own it usually closes a PL/pgSQL block.)
 */
export function findTransactionControl(script: string): { statement: string; line: number } | null {
  const match = TRANSACTION_CONTROL.exec(script);
  if (!match) return null;
  return {
    statement: match[0].trim(),
    line: script.slice(0, match.index).split("\n").length,
  };
}

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Reads and checks a Prisma migrations folder: `migration_lock.toml` must name provider
 * "postgresql", every sub-folder must hold a migration.sql in UTF-8 (Prisma reads it as UTF-8 and
 * checksums that text) without transaction statements of its own. Returns the migrations in the
 * order they apply. Throws {@link MigrationError} naming the folder or file at fault.
 */
export function readMigrations(migrationsDir: string): MigrationFile[] {
  if (!existsSync(migrationsDir) || !statSync(migrationsDir).isDirectory()) {
    throw new MigrationError(`migrations folder ${migrationsDir} does not exist`);
  }
  const lockPath = join(migrationsDir, MIGRATION_LOCK_FILE);
  if (!existsSync(lockPath)) {
    throw new MigrationError(`${lockPath} is missing; it must say provider = "${EXPECTED_PROVIDER}"`);
  }
  const provider = parseMigrationLockProvider(readFileSync(lockPath, "utf8"));
  if (provider !== EXPECTED_PROVIDER) {
    throw new MigrationError(
      `${lockPath} says provider = ${provider === null ? "(none)" : `"${provider}"`}, expected "${EXPECTED_PROVIDER}"`,
    );
  }
  const folders = readdirSync(migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
  return orderMigrationNames(folders).map((name) => {
    const path = join(migrationsDir, name, MIGRATION_SCRIPT_FILE);
    if (!existsSync(path)) throw new MigrationError(`migration ${name} has no ${MIGRATION_SCRIPT_FILE}`);
    const bytes = readFileSync(path);
    let script: string;
    try {
      script = UTF8.decode(bytes);
    } catch {
      throw new MigrationError(`migration ${name}: ${MIGRATION_SCRIPT_FILE} is not valid UTF-8`);
    }
    const control = findTransactionControl(script);
    if (control) {
      throw new MigrationError(
        `migration ${name}: line ${control.line} "${control.statement}" controls the transaction; ` +
          "remove it (each migration already runs in a transaction of its own)",
      );
    }
    return { name, script, checksum: computeMigrationChecksum(bytes) };
  });
}
