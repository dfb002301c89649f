import { describe, expect, it } from "vitest";
import {
  addDatasourceUrl,
  addIndexPredicates,
  extractSchemaSql,
  renderPrismaConfig,
  withoutPartialIndexes,
} from "./render-schema-sql.ts";

const SCHEMA = `// datasource db { is only mentioned in this comment }
generator client {
  provider = "prisma-client"
  output   = "../packages/db/src/generated/prisma"
}

datasource db {
  provider = "postgresql"
}

model Store {
  id String @id
}
`;

describe("addDatasourceUrl", () => {
  it("adds the url Prisma 6 requires inside the datasource block only", () => {
    const patched = addDatasourceUrl(SCHEMA);
    expect(patched).toBe(
      SCHEMA.replace(
        'datasource db {\n  provider = "postgresql"\n}',
        'datasource db {\n  provider = "postgresql"\n  url      = env("DATABASE_URL")\n}',
      ),
    );
    expect(patched.startsWith("// datasource db { is only mentioned in this comment }\n")).toBe(true);
  });

  it("leaves a block that has a url as it is", () => {
    const patched = addDatasourceUrl(SCHEMA);
    expect(addDatasourceUrl(patched)).toBe(patched);
  });

  it("handles a one-line block and another variable name", () => {
    expect(addDatasourceUrl('datasource main { provider = "postgresql" }\n', "DB")).toBe(
      'datasource main { provider = "postgresql"\n  url      = env("DB")\n}\n',
    );
  });

  it("refuses a schema without a datasource", () => {
    expect(() => addDatasourceUrl("model A {\n  id Int @id\n}\n")).toThrow(/no datasource block/);
  });
});

describe("extractSchemaSql", () => {
  it("keeps the SQL, without the public schema creation or the CLI's own lines", () => {
    const output =
      'Loaded Prisma config from prisma.config.ts.\n\n-- CreateSchema\nCREATE SCHEMA IF NOT EXISTS "public";\n\n-- CreateEnum\nCREATE TYPE "a" AS ENUM (\'x\');\n\n-- CreateTable\nCREATE TABLE "b" (\n    "id" UUID NOT NULL\n);\n\n';
    expect(extractSchemaSql(output)).toBe(
      '-- CreateEnum\nCREATE TYPE "a" AS ENUM (\'x\');\n\n-- CreateTable\nCREATE TABLE "b" (\n    "id" UUID NOT NULL\n);\n',
    );
  });

  it("keeps other schemas' creation and normalizes line endings", () => {
    expect(extractSchemaSql('-- CreateSchema\r\nCREATE SCHEMA IF NOT EXISTS "audit";\r\n')).toBe(
      '-- CreateSchema\nCREATE SCHEMA IF NOT EXISTS "audit";\n',
    );
  });
});

describe("renderPrismaConfig", () => {
  it("points the js engine at PostgreSQL through the given adapter, values quoted", () => {
    const config = renderPrismaConfig("/repo/node_modules/a/index.mjs", 'postgresql://u:p"w@h/db');
    expect(config).toContain('import { PrismaPg } from "/repo/node_modules/a/index.mjs";');
    expect(config).toContain('engine: "js"');
    expect(config).toContain("experimental: { adapter: true }");
    expect(config).toContain('connectionString: "postgresql://u:p\\"w@h/db"');
    expect(config).toContain("allowExitOnIdle: true");
  });
});

const PARTIAL = `generator client {
  provider        = "prisma-client"
  previewFeatures = ["views", "partialIndexes"]
}

model Hold {
  id      String  @id
  status  String
  expires DateTime?
  note    String?

  @@index([status])
  @@index([status, expires], map: "hold_live_idx", where: raw("status IN ('A', 'B')"))
  @@unique([note], map: "hold_note_key", where: raw("note <> \\"x\\" AND note IS NOT NULL"))
}
`;

describe("withoutPartialIndexes", () => {
  it("removes the where arguments and the preview feature, and returns the predicates by index name", () => {
    const { schema, partialIndexes } = withoutPartialIndexes(PARTIAL);
    expect(partialIndexes).toEqual([
      { name: "hold_live_idx", predicate: "status IN ('A', 'B')" },
      { name: "hold_note_key", predicate: 'note <> "x" AND note IS NOT NULL' },
    ]);
    expect(schema).toBe(
      PARTIAL.replace('["views", "partialIndexes"]', '["views"]')
        .replace(`, where: raw("status IN ('A', 'B')")`, "")
        .replace(String.raw`, where: raw("note <> \"x\" AND note IS NOT NULL")`, ""),
    );
    expect(schema).not.toContain("where:");
  });

  it("drops a preview feature list left empty, and leaves a schema without partial indexes alone", () => {
    const only = PARTIAL.replace('"views", ', "");
    expect(withoutPartialIndexes(only).schema).not.toContain("previewFeatures");
    expect(withoutPartialIndexes(SCHEMA)).toEqual({ schema: SCHEMA, partialIndexes: [] });
  });

  it("refuses a partial index without map, naming it", () => {
    expect(() =>
      withoutPartialIndexes('model A {\n  x Int @id\n  @@index([x], where: raw("x > 0"))\n}\n'),
    ).toThrow(/partial index needs map: .*@@index\(\[x\]/);
  });
});

describe("addIndexPredicates", () => {
  const sql =
    '-- CreateIndex\nCREATE INDEX "hold_status_idx" ON "hold"("status");\n\n-- CreateIndex\nCREATE INDEX "hold_live_idx" ON "hold"("status", "expires");\n\n-- CreateIndex\nCREATE UNIQUE INDEX "hold_note_key" ON "hold"("note");\n';

  it("appends each predicate to its own statement only", () => {
    expect(
      addIndexPredicates(sql, [
        { name: "hold_live_idx", predicate: "status IN ('A', 'B')" },
        { name: "hold_note_key", predicate: "note IS NOT NULL" },
      ]),
    ).toBe(
      sql
        .replace('("status", "expires");', `("status", "expires") WHERE status IN ('A', 'B');`)
        .replace('("note");', '("note") WHERE note IS NOT NULL;'),
    );
  });

  it("refuses a predicate whose index the SQL does not create", () => {
    expect(() => addIndexPredicates(sql, [{ name: "hold_live", predicate: "true" }])).toThrow(
      /no CREATE INDEX "hold_live"/,
    );
  });
});
