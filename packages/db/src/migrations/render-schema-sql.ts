import { execFile } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Where `npm install` puts the Prisma 6.19 CLI and pg adapter (dev-only aliases in package.json). */
const PRISMA_6_CLI = "node_modules/prisma-wasm-engine/build/index.js";
const PRISMA_6_ADAPTER_PG = "node_modules/prisma-wasm-adapter-pg/dist/index.mjs";
const DIFF_TIMEOUT_MS = 120_000;
const OUTPUT_TAIL_CHARS = 4_000;

export type RenderSchemaSqlOptions = {
  /** Any reachable PostgreSQL database: the engine connects to it but changes nothing there. */
  databaseUrl: string;
  /** The Prisma 7 schema (prisma/schema.prisma). */
  schemaPath: string;
  /** The repository root, whose node_modules hold the Prisma 6.19 aliases. */
  repoRoot: string;
  /**
   * Extra environment for the Prisma CLI process (e.g. `DEBUG`). It needs none: by default it
   * runs with only the variables set here.
   */
  env?: Record<string, string | undefined>;
};

/**
 * Prisma 7 forbids `url` in the datasource block; Prisma 6 requires one. Adds
 * `url = env("<variable>")` to the copy handed to Prisma 6 (unchanged if the block has a url).
 */
export function addDatasourceUrl(schema: string, variable = "DATABASE_URL"): string {
  const block = /^datasource\s+\w+\s*\{[^}]*\}/m.exec(schema);
  if (!block) throw new Error("the Prisma schema has no datasource block");
  if (/^\s*url\s*=/m.test(block[0])) return schema;
  const patched = block[0].replace(/\n?\s*\}$/, `\n  url      = env("${variable}")\n}`);
  return schema.slice(0, block.index) + patched + schema.slice(block.index + block[0].length);
}

/** A partial index of the schema: its name (`map:`) and its predicate (`where: raw("...")`). */
export type PartialIndex = { name: string; predicate: string };

const PRISMA_STRING = String.raw`"((?:[^"\\]|\\.)*)"`;
const WHERE_ARGUMENT = new RegExp(String.raw`\s*,\s*where:\s*raw\(\s*${PRISMA_STRING}\s*\)`);
const MAP_ARGUMENT = new RegExp(String.raw`\bmap:\s*${PRISMA_STRING}`);

function unescapePrismaString(text: string): string {
  return text.replace(/\\(.)/g, "$1");
}

/**
 * Prisma 6.19 knows no partial indexes (Prisma 7's `partialIndexes` preview feature:
 * `@@index([...], map: "name", where: raw("predicate"))`). Returns the schema Prisma 6 can read,
 * without the `where:` arguments and without the preview feature, and the partial indexes, whose
 * predicates addIndexPredicates puts back into the SQL. A partial index must name itself with
 * `map:`: that name is how its statement is found.
 */
export function withoutPartialIndexes(schema: string): { schema: string; partialIndexes: PartialIndex[] } {
  const partialIndexes: PartialIndex[] = [];
  const lines = schema.split("\n").map((line) => {
    const where = WHERE_ARGUMENT.exec(line);
    if (!where || !/^\s*@@(index|unique)\(/.test(line)) return line;
    const map = MAP_ARGUMENT.exec(line);
    if (!map) throw new Error(`a partial index needs map: "<name>" (${line.trim()})`);
    partialIndexes.push({
      name: unescapePrismaString(map[1] ?? ""),
      predicate: unescapePrismaString(where[1] ?? ""),
    });
    return line.slice(0, where.index) + line.slice(where.index + where[0].length);
  });
  const withoutFeature = lines
    .join("\n")
    .replace(/^(\s*previewFeatures\s*=\s*\[)([^\]]*)\]/m, (_whole, start: string, list: string) => {
      const kept = list
        .split(",")
        .map((feature) => feature.trim())
        .filter((feature) => feature !== "" && feature !== '"partialIndexes"');
      return `${start}${kept.join(", ")}]`;
    })
    .replace(/^\s*previewFeatures\s*=\s*\[\]\s*\n/m, "");
  return { schema: withoutFeature, partialIndexes };
}

/** Appends each partial index's predicate to its CREATE INDEX statement (found by name). */
export function addIndexPredicates(sql: string, partialIndexes: readonly PartialIndex[]): string {
  return partialIndexes.reduce((text, index) => {
    const statement = new RegExp(`^(CREATE (?:UNIQUE )?INDEX "${escapeRegExp(index.name)}" ON [^;]*);`, "m");
    if (!statement.test(text))
      throw new Error(`the SQL has no CREATE INDEX "${index.name}" for its predicate`);
    return text.replace(statement, (_whole, create: string) => `${create} WHERE ${index.predicate};`);
  }, sql);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * The SQL of `prisma migrate diff --from-empty --script` without what is not ours to create:
 * the `public` schema exists in every database (its `-- CreateSchema` statement is dropped), and
 * any line the CLI printed before the SQL (such as "Loaded Prisma config ...") goes too.
 */
export function extractSchemaSql(output: string): string {
  const lines = output.replaceAll("\r\n", "\n").split("\n");
  const start = lines.findIndex((line) => line.startsWith("--") || /^[A-Z]{2,}\b/.test(line));
  const sql = start === -1 ? "" : lines.slice(start).join("\n");
  return `${sql.replace(/(?:-- CreateSchema\n)?CREATE SCHEMA IF NOT EXISTS "public";\n*/, "").trim()}\n`;
}

/** The prisma.config.ts that points Prisma 6.19's Wasm schema engine at PostgreSQL through pg. */
export function renderPrismaConfig(adapterPath: string, databaseUrl: string): string {
  return `import { PrismaPg } from ${JSON.stringify(adapterPath)};

export default {
  schema: "schema.prisma",
  engine: "js",
  experimental: { adapter: true },
  // allowExitOnIdle: the idle pool must not keep the CLI alive for another ten seconds.
  adapter: async () =>
    new PrismaPg({ connectionString: ${JSON.stringify(databaseUrl)}, allowExitOnIdle: true }),
};
`;
}

function runNode(
  args: string[],
  options: { cwd: string; env: Record<string, string> },
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      args,
      { ...options, timeout: DIFF_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          const output = `${stderr}\n${stdout}`.trim().slice(-OUTPUT_TAIL_CHARS);
          reject(new Error(`prisma migrate diff failed (${error.message.split("\n")[0]}):\n${output}`));
        } else {
          resolve({ stdout, stderr });
        }
      },
    );
  });
}

/**
 * The SQL that builds `schemaPath` from an empty database, as `prisma migrate diff --from-empty
 * --to-schema-datamodel <schema> --script` prints it, without the `public` schema creation. Runs
 * Prisma 6.19's Wasm schema engine (`engine: "js"`) offline in a temporary folder (removed after):
 * Prisma 7's CLI would download a native engine. Partial indexes, which Prisma 6.19 cannot read,
 * are rendered without their predicates and the predicates added after (withoutPartialIndexes).
 * Throws with the CLI's output when it fails.
 */
export async function renderSchemaSql(options: RenderSchemaSqlOptions): Promise<string> {
  const cli = join(options.repoRoot, PRISMA_6_CLI);
  const adapter = join(options.repoRoot, PRISMA_6_ADAPTER_PG);
  for (const [path, alias] of [
    [cli, "prisma-wasm-engine (npm:prisma@6.19.3)"],
    [adapter, "prisma-wasm-adapter-pg (npm:@prisma/adapter-pg@6.19.3)"],
  ] as const) {
    if (!existsSync(path)) throw new Error(`${path} not found: install the dev dependency ${alias}`);
  }
  const { schema: prisma6Schema, partialIndexes } = withoutPartialIndexes(
    readFileSync(options.schemaPath, "utf8"),
  );
  const schema = addDatasourceUrl(prisma6Schema);
  const dir = mkdtempSync(join(tmpdir(), "promo-schema-sql-"));
  try {
    writeFileSync(join(dir, "schema.prisma"), schema);
    writeFileSync(join(dir, "prisma.config.ts"), renderPrismaConfig(adapter, options.databaseUrl), {
      mode: 0o600,
    });
    // Prisma insists on engine files before it looks at `engine: "js"`; neither is ever run.
    const stub = join(dir, "engine-stub");
    writeFileSync(stub, "#!/bin/sh\necho 'engine stub: not used with engine \"js\"' >&2\nexit 1\n");
    chmodSync(stub, 0o755);
    const output = join(dir, "schema.sql");
    const extraEnv = Object.entries(options.env ?? {}).filter(
      (entry): entry is [string, string] => entry[1] !== undefined,
    );
    await runNode(
      [
        cli,
        "migrate",
        "diff",
        "--config",
        join(dir, "prisma.config.ts"),
        "--from-empty",
        "--to-schema-datamodel",
        join(dir, "schema.prisma"),
        "--script",
        "--output",
        output,
      ],
      {
        cwd: dir,
        env: {
          ...Object.fromEntries(extraEnv),
          DATABASE_URL: options.databaseUrl,
          PRISMA_SCHEMA_ENGINE_BINARY: stub,
          PRISMA_QUERY_ENGINE_LIBRARY: stub,
          PRISMA_HIDE_UPDATE_MESSAGE: "1",
          CHECKPOINT_DISABLE: "1",
        },
      },
    );
    if (!existsSync(output)) throw new Error("prisma migrate diff succeeded but wrote no SQL");
    return addIndexPredicates(extractSchemaSql(readFileSync(output, "utf8")), partialIndexes);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
