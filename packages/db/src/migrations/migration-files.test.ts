import { describe, expect, it } from "vitest";
import { checksumOf, orderMigrationNames } from "./migration-files.ts";
import { extractSql, withDatasourceUrl } from "./render-schema-sql.ts";

describe("migration files", () => {
  it("orders migrations by folder name", () => {
    expect(orderMigrationNames(["20261201_b", "20261122_a", "20261122_0"])).toEqual([
      "20261122_0",
      "20261122_a",
      "20261201_b",
    ]);
  });

  it("checksums like Prisma: sha256 hex of the file bytes", () => {
    expect(checksumOf("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(checksumOf("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });
});

describe("schema copy for the Prisma 6 engine", () => {
  it("adds a url to the datasource block once", () => {
    const schema =
      'generator client {\n  provider = "prisma-client"\n}\n\ndatasource db {\n  provider = "postgresql"\n}\n';
    const patched = withDatasourceUrl(schema);
    expect(patched).toContain('provider = "postgresql"\n  url = env("DATABASE_URL")\n}');
    expect(withDatasourceUrl(patched)).toBe(patched);
  });

  it("keeps only SQL from the CLI output, without the public schema creation", () => {
    const output =
      'Loaded Prisma config from prisma.config.ts.\n\n-- CreateSchema\nCREATE SCHEMA IF NOT EXISTS "public";\n\n-- CreateTable\nCREATE TABLE "x" ();\n';
    expect(extractSql(output)).toBe('-- CreateTable\nCREATE TABLE "x" ();\n');
  });
});
