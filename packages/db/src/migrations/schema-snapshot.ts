import type pg from "pg";

/** A pg client, pool client or pool: anything that runs a parameterized query. */
export type CatalogReader = Pick<pg.ClientBase, "query">;

export type ColumnSnapshot = {
  /** As `format_type` prints it: `timestamp(3) with time zone`, `text[]`, `campaign_state`. */
  type: string;
  notNull: boolean;
  /** The default expression as PostgreSQL prints it, or null. */
  default: string | null;
  identity: "always" | "by default" | null;
  /** The expression of a stored generated column, or null. */
  generated: string | null;
  /** A collation other than the type's default, or null. */
  collation: string | null;
};

export type ForeignKeyAction = "no action" | "restrict" | "cascade" | "set null" | "set default";

export type ForeignKeySnapshot = {
  columns: string[];
  /** The table name, schema-qualified only when it lives in another schema. */
  referencedTable: string;
  referencedColumns: string[];
  onDelete: ForeignKeyAction;
  onUpdate: ForeignKeyAction;
  match: "simple" | "full" | "partial";
  deferrable: boolean;
  initiallyDeferred: boolean;
};

export type TableSnapshot = {
  /** By name: column order is deliberately left out (a later ADD COLUMN appends). */
  columns: Record<string, ColumnSnapshot>;
  primaryKey: { name: string; columns: string[] } | null;
  /** Unique constraints by name (Prisma's @unique makes unique indexes instead: see `indexes`). */
  uniqueConstraints: Record<string, string[]>;
  checkConstraints: Record<string, string>;
  exclusionConstraints: Record<string, string>;
  foreignKeys: Record<string, ForeignKeySnapshot>;
  /** `pg_get_indexdef` by index name, the table not schema-qualified. */
  indexes: Record<string, string>;
};

export type SequenceSnapshot = {
  type: string;
  start: string;
  increment: string;
  min: string;
  max: string;
  cache: string;
  cycle: boolean;
  /** `table.column` owning the sequence (serial or identity column), or null. */
  ownedBy: string | null;
};

export type SchemaSnapshot = {
  /** Enum types with their labels in sort order. */
  enums: Record<string, string[]>;
  tables: Record<string, TableSnapshot>;
  sequences: Record<string, SequenceSnapshot>;
};

/** Prisma's bookkeeping, not part of the model. */
const IGNORED_TABLES = ["_prisma_migrations"];

const FOREIGN_KEY_ACTIONS: Record<string, ForeignKeyAction> = {
  a: "no action",
  r: "restrict",
  c: "cascade",
  n: "set null",
  d: "set default",
};

const MATCH_TYPES: Record<string, ForeignKeySnapshot["match"]> = { s: "simple", f: "full", p: "partial" };

/** `pg_constraint.confdeltype` / `confupdtype` as words. */
export function parseForeignKeyAction(code: string): ForeignKeyAction {
  const action = FOREIGN_KEY_ACTIONS[code];
  if (!action) throw new Error(`unknown foreign key action code "${code}"`);
  return action;
}

/**
 * `pg_get_indexdef` always schema-qualifies the indexed table (`ON public.code USING btree ...`);
 * the snapshot keeps the table name alone so that it does not depend on the schema's name.
 */
export function unqualifyIndexDefinition(definition: string, qualifiedTable: string, table: string): string {
  return definition
    .replace(` ON ${qualifiedTable} USING `, ` ON ${table} USING `)
    .replace(` ON ONLY ${qualifiedTable} USING `, ` ON ONLY ${table} USING `);
}

/** Object keys in code-unit order, so that equal snapshots also serialize to equal JSON. */
function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  const sorted: Record<string, T> = {};
  for (const key of Object.keys(record).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    const value = record[key];
    if (value !== undefined) sorted[key] = value;
  }
  return sorted;
}

type ColumnRow = {
  table_name: string;
  column_name: string;
  type: string;
  not_null: boolean;
  default_value: string | null;
  generated: string | null;
  identity: string;
  collation: string | null;
};

type ConstraintRow = {
  table_name: string;
  name: string;
  kind: string;
  columns: string[];
  referenced_schema: string | null;
  referenced_table: string | null;
  referenced_columns: string[];
  on_delete: string;
  on_update: string;
  match_type: string;
  deferrable: boolean;
  deferred: boolean;
  definition: string;
};

type IndexRow = {
  table_name: string;
  name: string;
  definition: string;
  qualified_table: string;
  table_ident: string;
};

type SequenceRow = {
  name: string;
  type: string;
  start: string;
  increment: string;
  min: string;
  max: string;
  cache: string;
  cycle: boolean;
  owner_table: string | null;
  owner_column: string | null;
};

/**
 * A deterministic description of one schema from the catalogs (`pg_catalog`): enums with ordered
 * labels; tables with columns (type, not-null, default, identity), primary key, unique, check,
 * exclusion and foreign key constraints, indexes; sequences with their owning column. Names of
 * constraints and indexes are part of it (Prisma derives them from the model). Leaves out
 * `_prisma_migrations`, column order, and what schema.prisma cannot describe (views, functions,
 * triggers). Two databases built from the same model give deep-equal snapshots.
 */
export async function describeDatabaseSchema(
  client: CatalogReader,
  schemaName = "public",
): Promise<SchemaSnapshot> {
  const parameters = [schemaName, IGNORED_TABLES];
  const enums = await client.query<{ name: string; labels: string[] }>(
    `SELECT t.typname::text AS name,
            array_remove(array_agg(e.enumlabel::text ORDER BY e.enumsortorder), NULL) AS labels
       FROM pg_type t
       JOIN pg_namespace n ON n.oid = t.typnamespace
       LEFT JOIN pg_enum e ON e.enumtypid = t.oid
      WHERE n.nspname = $1 AND t.typtype = 'e'
      GROUP BY t.typname`,
    [schemaName],
  );
  const tables = await client.query<{ table_name: string }>(
    `SELECT c.relname::text AS table_name
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT (c.relname = ANY ($2::text[]))`,
    parameters,
  );
  const columns = await client.query<ColumnRow>(
    `SELECT c.relname::text AS table_name,
            a.attname::text AS column_name,
            format_type(a.atttypid, a.atttypmod) AS type,
            a.attnotnull AS not_null,
            CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, d.adrelid) END AS default_value,
            CASE WHEN a.attgenerated <> '' THEN pg_get_expr(d.adbin, d.adrelid) END AS generated,
            a.attidentity::text AS identity,
            CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN co.collname::text END AS collation
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_type t ON t.oid = a.atttypid
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
       LEFT JOIN pg_collation co ON co.oid = a.attcollation
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT (c.relname = ANY ($2::text[]))
        AND a.attnum > 0 AND NOT a.attisdropped`,
    parameters,
  );
  const constraints = await client.query<ConstraintRow>(
    `SELECT c.relname::text AS table_name,
            con.conname::text AS name,
            con.contype::text AS kind,
            ARRAY(SELECT a.attname::text
                    FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, position)
                    JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
                   ORDER BY k.position) AS columns,
            fn.nspname::text AS referenced_schema,
            fc.relname::text AS referenced_table,
            ARRAY(SELECT a.attname::text
                    FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, position)
                    JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum
                   ORDER BY k.position) AS referenced_columns,
            con.confdeltype::text AS on_delete,
            con.confupdtype::text AS on_update,
            con.confmatchtype::text AS match_type,
            con.condeferrable AS deferrable,
            con.condeferred AS deferred,
            pg_get_constraintdef(con.oid, true) AS definition
       FROM pg_constraint con
       JOIN pg_class c ON c.oid = con.conrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_class fc ON fc.oid = con.confrelid
       LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
      WHERE n.nspname = $1 AND NOT (c.relname = ANY ($2::text[]))`,
    parameters,
  );
  const indexes = await client.query<IndexRow>(
    `SELECT c.relname::text AS table_name,
            i.relname::text AS name,
            pg_get_indexdef(i.oid) AS definition,
            quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS qualified_table,
            quote_ident(c.relname) AS table_ident
       FROM pg_index x
       JOIN pg_class i ON i.oid = x.indexrelid
       JOIN pg_class c ON c.oid = x.indrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT (c.relname = ANY ($2::text[]))`,
    parameters,
  );
  const sequences = await client.query<SequenceRow>(
    `SELECT s.relname::text AS name,
            format_type(q.seqtypid, NULL) AS type,
            q.seqstart::text AS start,
            q.seqincrement::text AS increment,
            q.seqmin::text AS min,
            q.seqmax::text AS max,
            q.seqcache::text AS cache,
            q.seqcycle AS cycle,
            oc.relname::text AS owner_table,
            oa.attname::text AS owner_column
       FROM pg_class s
       JOIN pg_namespace n ON n.oid = s.relnamespace
       JOIN pg_sequence q ON q.seqrelid = s.oid
       LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid
            AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0 AND d.deptype IN ('a', 'i')
       LEFT JOIN pg_class oc ON oc.oid = d.refobjid
       LEFT JOIN pg_attribute oa ON oa.attrelid = d.refobjid AND oa.attnum = d.refobjsubid
      WHERE n.nspname = $1 AND s.relkind = 'S'`,
    [schemaName],
  );

  const tableSnapshots: Record<string, TableSnapshot> = {};
  for (const row of tables.rows) {
    tableSnapshots[row.table_name] = {
      columns: {},
      primaryKey: null,
      uniqueConstraints: {},
      checkConstraints: {},
      exclusionConstraints: {},
      foreignKeys: {},
      indexes: {},
    };
  }
  for (const row of columns.rows) {
    const table = tableSnapshots[row.table_name];
    if (!table) continue;
    table.columns[row.column_name] = {
      type: row.type,
      notNull: row.not_null,
      default: row.default_value,
      identity: row.identity === "a" ? "always" : row.identity === "d" ? "by default" : null,
      generated: row.generated,
      collation: row.collation,
    };
  }
  for (const row of constraints.rows) {
    const table = tableSnapshots[row.table_name];
    if (!table) continue;
    if (row.kind === "p") table.primaryKey = { name: row.name, columns: row.columns };
    else if (row.kind === "u") table.uniqueConstraints[row.name] = row.columns;
    else if (row.kind === "c") table.checkConstraints[row.name] = row.definition;
    else if (row.kind === "x") table.exclusionConstraints[row.name] = row.definition;
    else if (row.kind === "f") {
      table.foreignKeys[row.name] = {
        columns: row.columns,
        referencedTable:
          row.referenced_schema === schemaName || row.referenced_schema === null
            ? (row.referenced_table ?? "")
            : `${row.referenced_schema}.${row.referenced_table ?? ""}`,
        referencedColumns: row.referenced_columns,
        onDelete: parseForeignKeyAction(row.on_delete),
        onUpdate: parseForeignKeyAction(row.on_update),
        match: MATCH_TYPES[row.match_type] ?? "simple",
        deferrable: row.deferrable,
        initiallyDeferred: row.deferred,
      };
    }
    // Other kinds (constraint triggers, PostgreSQL 18's not-null constraints) are covered by
    // what the snapshot already records or are outside what schema.prisma describes.
  }
  for (const row of indexes.rows) {
    const table = tableSnapshots[row.table_name];
    if (!table) continue;
    table.indexes[row.name] = unqualifyIndexDefinition(row.definition, row.qualified_table, row.table_ident);
  }

  const sequenceSnapshots: Record<string, SequenceSnapshot> = {};
  for (const row of sequences.rows) {
    sequenceSnapshots[row.name] = {
      type: row.type,
      start: row.start,
      increment: row.increment,
      min: row.min,
      max: row.max,
      cache: row.cache,
      cycle: row.cycle,
      ownedBy: row.owner_table && row.owner_column ? `${row.owner_table}.${row.owner_column}` : null,
    };
  }

  const enumSnapshots: Record<string, string[]> = {};
  for (const row of enums.rows) enumSnapshots[row.name] = row.labels;

  const sortedTables: Record<string, TableSnapshot> = {};
  for (const [name, table] of Object.entries(sortKeys(tableSnapshots))) {
    sortedTables[name] = {
      columns: sortKeys(table.columns),
      primaryKey: table.primaryKey,
      uniqueConstraints: sortKeys(table.uniqueConstraints),
      checkConstraints: sortKeys(table.checkConstraints),
      exclusionConstraints: sortKeys(table.exclusionConstraints),
      foreignKeys: sortKeys(table.foreignKeys),
      indexes: sortKeys(table.indexes),
    };
  }
  return { enums: sortKeys(enumSnapshots), tables: sortedTables, sequences: sortKeys(sequenceSnapshots) };
}
