import pg from "pg";
import { describe, expect, it } from "vitest";
import { describeFailure } from "./apply-migrations.ts";

describe("describeFailure", () => {
  const SQL = 'CREATE TABLE "a" (id int);\nALTER TABLE "missing" ADD COLUMN x int;\n';

  it("adds the migration.sql line a database error points at", () => {
    const error = new pg.DatabaseError('relation "missing" does not exist', 0, "error");
    error.position = String(SQL.indexOf('"missing"') + 1);
    expect(describeFailure(error, SQL)).toBe('relation "missing" does not exist (migration.sql line 2)');
  });

  it("gives the message alone when there is no usable position", () => {
    expect(describeFailure(new Error("connection terminated"), SQL)).toBe("connection terminated");
    const error = new pg.DatabaseError("deadlock detected", 0, "error");
    expect(describeFailure(error, SQL)).toBe("deadlock detected");
    expect(describeFailure("plain", SQL)).toBe("plain");
  });
});
