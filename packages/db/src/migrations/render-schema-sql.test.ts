import { describe, expect, it } from "vitest";
import { addDatasourceUrl, extractSchemaSql, renderPrismaConfig } from "./render-schema-sql.ts";

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
