import { describe, expect, it } from "vitest";
import { parseForeignKeyAction, unqualifyIndexDefinition } from "./schema-snapshot.ts";

describe("parseForeignKeyAction", () => {
  it("names pg_constraint's action codes", () => {
    expect(["a", "r", "c", "n", "d"].map(parseForeignKeyAction)).toEqual([
      "no action",
      "restrict",
      "cascade",
      "set null",
      "set default",
    ]);
    expect(() => parseForeignKeyAction("z")).toThrow(/"z"/);
  });
});

describe("unqualifyIndexDefinition", () => {
  it("drops the schema from the indexed table only", () => {
    expect(
      unqualifyIndexDefinition(
        "CREATE UNIQUE INDEX code_campaign_id_code_key_key ON public.code USING btree (campaign_id, code_key)",
        "public.code",
        "code",
      ),
    ).toBe("CREATE UNIQUE INDEX code_campaign_id_code_key_key ON code USING btree (campaign_id, code_key)");
    expect(
      unqualifyIndexDefinition(
        'CREATE INDEX "Odd" ON ONLY "My Schema"."Tab" USING btree (public)',
        '"My Schema"."Tab"',
        '"Tab"',
      ),
    ).toBe('CREATE INDEX "Odd" ON ONLY "Tab" USING btree (public)');
  });
});
