import type pg from "pg";

type Queryable = Pick<pg.Client, "query">;

export type SchemaSnapshot = {
  enums: Record<string, string[]>;
  tables: Record<
    string,
    {
      columns: Record<string, { type: string; notNull: boolean; default: string | null; identity: string }>;
      constraints: Record<string, string>;
      indexes: Record<string, string>;
    }
  >;
  sequences: string[];
};

const IGNORED_TABLES = new Set(["_prisma_migrations"]);

/**
 * A deterministic description of a schema from the catalog: enums (labels in order), tables with
 * their columns (type, nullability, default, identity), constraints (definitions as PostgreSQL
 * prints them) and indexes (definitions), and sequences. Two databases built from the same model
 * produce equal snapshots.
 */
export async function describeDatabaseSchema(client: Queryable, schema = "public"): Promise<SchemaSnapshot> {
  const enums = await client.query<{ name: string; labels: string[] }>(
    `SELECT t.typname AS name, array_agg(e.enumlabel ORDER BY e.enumsortorder)::text[] AS labels
     FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
     WHERE n.nspname = $1 GROUP BY t.typname ORDER BY t.typname`,
    [schema],
  );
  const columns = await client.query<{
    table_name: string;
    column_name: string;
    type: string;
    not_null: boolean;
    default_value: string | null;
    identity: string;
  }>(
    `SELECT c.relname AS table_name, a.attname AS column_name, format_type(a.atttypid, a.atttypmod) AS type,
            a.attnotnull AS not_null, pg_get_expr(d.adbin, d.adrelid) AS default_value, a.attidentity::text AS identity
     FROM pg_attribute a
     JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE n.nspname = $1 AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
     ORDER BY c.relname, a.attname`,
    [schema],
  );
  const constraints = await client.query<{ table_name: string; name: string; definition: string }>(
    `SELECT c.relname AS table_name, con.conname AS name, pg_get_constraintdef(con.oid, true) AS definition
     FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 ORDER BY c.relname, con.conname`,
    [schema],
  );
  const indexes = await client.query<{ table_name: string; name: string; definition: string }>(
    `SELECT tablename AS table_name, indexname AS name, indexdef AS definition
     FROM pg_indexes WHERE schemaname = $1 ORDER BY tablename, indexname`,
    [schema],
  );
  const sequences = await client.query<{ name: string }>(
    `SELECT sequence_name AS name FROM information_schema.sequences WHERE sequence_schema = $1 ORDER BY sequence_name`,
    [schema],
  );

  const snapshot: SchemaSnapshot = {
    enums: {},
    tables: {},
    sequences: sequences.rows.map((row) => row.name),
  };
  for (const row of enums.rows) snapshot.enums[row.name] = row.labels;
  const tableOf = (name: string) => {
    snapshot.tables[name] ??= { columns: {}, constraints: {}, indexes: {} };
    return snapshot.tables[name];
  };
  for (const row of columns.rows) {
    if (IGNORED_TABLES.has(row.table_name)) continue;
    tableOf(row.table_name).columns[row.column_name] = {
      type: row.type,
      notNull: row.not_null,
      default: row.default_value,
      identity: row.identity,
    };
  }
  for (const row of constraints.rows) {
    if (IGNORED_TABLES.has(row.table_name)) continue;
    tableOf(row.table_name).constraints[row.name] = row.definition;
  }
  for (const row of indexes.rows) {
    if (IGNORED_TABLES.has(row.table_name)) continue;
    tableOf(row.table_name).indexes[row.name] = row.definition.replaceAll(`${schema}.`, "");
  }
  return snapshot;
}
