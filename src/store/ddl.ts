/**
 * Tables written once, in portable terms, and the DDL of each backend generated from them. A column
 * has a portable type (`text`, `integer`, `float64`, `bytes`), a nullability, and optionally a
 * default, a set of allowed values (a CHECK), a reference to another table and a place in the
 * primary key; a table adds composite keys, unique column sets and indexes.
 *
 * The specs are typed against the query layer's schema (`schema.ts`): a column that is not in it, a
 * type that cannot hold its values, a nullability that disagrees with it, or an allowed value it does
 * not name fails to compile.
 *
 * The SQL is written the way the store's first, hand-written migrations were, word for word (only
 * line breaks may differ), so that SQLite's own copy of each statement (`sqlite_master.sql`) and
 * PostgreSQL's catalogue are the same in a store created then and one created now
 * (test/store/legacy-stores.test.ts holds those migrations and compares).
 */
import type { Selectable } from 'kysely';
import type { StoreSchema } from './schema.js';

export type SqlDialect = 'sqlite' | 'postgres';

/** The column types of the store, each one type in both backends. */
export type PortableType = 'text' | 'integer' | 'float64' | 'bytes';

const SQL_TYPES: Readonly<Record<SqlDialect, Readonly<Record<PortableType, string>>>> = {
  sqlite: { text: 'TEXT', integer: 'INTEGER', float64: 'REAL', bytes: 'BLOB' },
  postgres: { text: 'TEXT', integer: 'INTEGER', float64: 'DOUBLE PRECISION', bytes: 'BYTEA' },
};

type TableName = keyof StoreSchema;
type ColumnName<T extends TableName> = keyof StoreSchema[T] & string;
/** A column's value as a query reads it (Kysely's `Generated<number>` is a number). */
type ValueOf<T extends TableName, C extends ColumnName<T>> = C extends keyof Selectable<StoreSchema[T]>
  ? Selectable<StoreSchema[T]>[C]
  : never;

/** The portable types that hold a value of type V. */
type TypeFor<V> = V extends string
  ? 'text'
  : V extends number
    ? 'integer' | 'float64'
    : V extends Uint8Array
      ? 'bytes'
      : never;

/** A reference to another table's column; deleting that row deletes this one. */
export type ForeignKey = {
  [T in TableName]: { table: T; column: ColumnName<T>; onDelete: 'cascade' };
}[TableName];

/** A column, checked against the TypeScript type V of its values. */
export type ColumnSpec<V> = {
  type: TypeFor<NonNullable<V>>;
  /** The table's primary key is this one column. */
  primaryKey?: true;
  /**
   * An integer primary key the database numbers: SQLite's INTEGER PRIMARY KEY (the rowid) is
   * PostgreSQL's identity column.
   */
  identity?: true;
  references?: ForeignKey;
  default?: Extract<NonNullable<V>, string | number>;
  /** The values the column may hold (a CHECK constraint). */
  oneOf?: readonly Extract<NonNullable<V>, string>[];
} & (null extends V ? { nullable: true } : { nullable?: never });

export interface TableSpec<T extends TableName> {
  name: T;
  /** In the order the table has them. A column added by a later migration is left out here. */
  columns: { [C in ColumnName<T>]?: ColumnSpec<ValueOf<T, C>> };
  /** A primary key of several columns. */
  primaryKey?: readonly ColumnName<T>[];
  unique?: readonly (readonly ColumnName<T>[])[];
  indexes?: readonly { name: string; columns: readonly ColumnName<T>[] }[];
}

/** What the generators read: a spec with the schema's types forgotten. */
interface Column {
  type: PortableType;
  nullable?: boolean;
  primaryKey?: boolean;
  identity?: boolean;
  references?: { table: string; column: string; onDelete: 'cascade' };
  default?: string | number;
  oneOf?: readonly string[];
}

export interface Table {
  name: string;
  columns: Readonly<Record<string, Column | undefined>>;
  primaryKey?: readonly string[];
  unique?: readonly (readonly string[])[];
  indexes?: readonly { name: string; columns: readonly string[] }[];
}

/** One step of a migration. */
export type SchemaChange =
  | { kind: 'create-table'; table: Table }
  | { kind: 'add-column'; table: string; column: string; spec: Column };

/** A table checked against the query layer's schema, ready for the generators. */
export function defineTable<T extends TableName>(table: TableSpec<T>): Table {
  return table as Table;
}

export function createTable<T extends TableName>(table: TableSpec<T>): SchemaChange {
  return { kind: 'create-table', table: defineTable(table) };
}

export function addColumn<T extends TableName, C extends ColumnName<T>>(
  table: T,
  column: C,
  spec: ColumnSpec<ValueOf<T, C>>,
): SchemaChange {
  return { kind: 'add-column', table, column, spec: spec as Column };
}

function literal(value: string | number): string {
  if (typeof value === 'string') return `'${value.replaceAll("'", "''")}'`;
  if (!Number.isFinite(value)) throw new Error(`a column default must be a finite number, not ${value}`);
  return String(value);
}

function columnSql(name: string, column: Column, dialect: SqlDialect): string {
  if (column.identity && !(column.primaryKey && column.type === 'integer'))
    throw new Error(`column ${name}: only an integer primary key can be an identity column`);
  const words = [name, SQL_TYPES[dialect][column.type]];
  if (column.identity && dialect === 'postgres') words.push('GENERATED BY DEFAULT AS IDENTITY');
  // A one-column key says only PRIMARY KEY, as the released migrations did (PostgreSQL adds NOT NULL).
  if (column.primaryKey) words.push('PRIMARY KEY');
  else if (!column.nullable) words.push('NOT NULL');
  if (column.references) {
    const { table, column: target } = column.references;
    words.push(`REFERENCES ${table} (${target}) ON DELETE CASCADE`);
  }
  if (column.default !== undefined) words.push(`DEFAULT ${literal(column.default)}`);
  if (column.oneOf) words.push(`CHECK (${name} IN (${column.oneOf.map(literal).join(', ')}))`);
  return words.join(' ');
}

/** CREATE TABLE, then the table's indexes, in `dialect`. */
export function createTableSql(
  table: Table,
  dialect: SqlDialect,
  options: { ifNotExists?: boolean } = {},
): string {
  const lines: string[] = [];
  for (const [name, column] of Object.entries(table.columns))
    if (column) lines.push(columnSql(name, column, dialect));
  if (table.primaryKey) lines.push(`PRIMARY KEY (${table.primaryKey.join(', ')})`);
  for (const columns of table.unique ?? []) lines.push(`UNIQUE (${columns.join(', ')})`);
  const create = options.ifNotExists ? 'CREATE TABLE IF NOT EXISTS' : 'CREATE TABLE';
  const statements = [`${create} ${table.name} (\n${lines.map((line) => `  ${line}`).join(',\n')}\n);`];
  for (const index of table.indexes ?? [])
    statements.push(`CREATE INDEX ${index.name} ON ${table.name} (${index.columns.join(', ')});`);
  return statements.join('\n');
}

/** A migration's steps as one SQL script in `dialect`. */
export function migrationSql(changes: readonly SchemaChange[], dialect: SqlDialect): string {
  return changes
    .map((change) =>
      change.kind === 'create-table'
        ? createTableSql(change.table, dialect)
        : `ALTER TABLE ${change.table} ADD COLUMN ${columnSql(change.column, change.spec, dialect)};`,
    )
    .join('\n\n');
}
