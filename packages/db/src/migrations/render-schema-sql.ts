import { execFile } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/**
 * Prisma 6 requires `url` in the datasource block, Prisma 7 forbids it: the copy handed to the
 * Prisma 6.19 engine gets one.
 */
export function withDatasourceUrl(schema: string): string {
  const datasource = /datasource\s+\w+\s*\{[^}]*\}/m.exec(schema);
  if (!datasource) throw new Error("schema.prisma has no datasource block");
  if (/^\s*url\s*=/m.test(datasource[0])) return schema;
  const patched = datasource[0].replace(/\}$/, '  url = env("DATABASE_URL")\n}');
  return schema.replace(datasource[0], patched);
}

/** Keeps only the SQL of `prisma migrate diff --script` output, without the schema creation line. */
export function extractSql(output: string): string {
  const start = output.search(/^-- /m);
  const sql = start === -1 ? "" : output.slice(start);
  return `${sql.replace(/^-- CreateSchema\nCREATE SCHEMA IF NOT EXISTS "public";\n\n/m, "").trim()}\n`;
}

/**
 * The SQL that builds `schema.prisma` from an empty database, printed offline by Prisma 6.19's
 * Wasm schema engine (`engine: "js"`). Prisma 7's CLI would download a native schema engine, which
 * this machine cannot. The engine connects to `databaseUrl` (any reachable PostgreSQL) but changes
 * nothing there.
 */
export async function renderSchemaSql(options: {
  databaseUrl: string;
  schemaPath: string;
  repoRoot: string;
  /** PATH and HOME for the Prisma CLI process. */
  env: Record<string, string | undefined>;
}): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "promo-schema-sql-"));
  try {
    writeFileSync(join(dir, "schema.prisma"), withDatasourceUrl(readFileSync(options.schemaPath, "utf8")));
    const adapter = join(options.repoRoot, "node_modules/prisma-wasm-adapter-pg/dist/index.mjs");
    writeFileSync(
      join(dir, "prisma.config.ts"),
      `import { PrismaPg } from ${JSON.stringify(adapter)};
export default {
  schema: "schema.prisma",
  engine: "js",
  experimental: { adapter: true },
  adapter: async () => new PrismaPg({ connectionString: ${JSON.stringify(options.databaseUrl)} }),
};
`,
    );
    const stub = join(dir, "engine-stub");
    writeFileSync(stub, "#!/bin/sh\nexit 1\n");
    chmodSync(stub, 0o755);
    const cli = join(options.repoRoot, "node_modules/prisma-wasm-engine/build/index.js");
    const { stdout } = await run(
      process.execPath,
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
      ],
      {
        cwd: dir,
        env: {
          PATH: options.env.PATH ?? "",
          HOME: options.env.HOME ?? "",
          DATABASE_URL: options.databaseUrl,
          PRISMA_SCHEMA_ENGINE_BINARY: stub,
          PRISMA_QUERY_ENGINE_LIBRARY: stub,
          PRISMA_HIDE_UPDATE_MESSAGE: "1",
        },
        maxBuffer: 64 * 1024 * 1024,
      },
    ).catch((error: { stderr?: string; stdout?: string; message: string }) => {
      throw new Error(`prisma migrate diff failed: ${error.stderr || error.stdout || error.message}`);
    });
    return extractSql(stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
