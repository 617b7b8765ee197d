// The database as an operator meets it: migrations recorded the way `prisma migrate deploy` records
// them (so either tool can take over), refused when edited or failed, and no drift between the
// migrated database and prisma/schema.prisma.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { get_dmmf } from '@prisma/prisma-schema-wasm';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type MigrationConnection, migrate, migrationsDir } from '../src/db/migrate.ts';
import { createTestDatabase, usingPostgres } from './support/test-database.ts';

const schemaFile = fileURLToPath(new URL('../prisma/schema.prisma', import.meta.url));

interface Connection extends MigrationConnection {
  close(): Promise<void>;
}

/** An empty database on one connection: in-memory PGlite, or a new database on the PostgreSQL server. */
async function emptyDatabase(): Promise<Connection> {
  if (!usingPostgres) {
    const pglite = await PGlite.create();
    return {
      exec: async (sql) => void (await pglite.exec(sql)),
      query: async <Row>(sql: string, params?: unknown[]) => (await pglite.query<Row>(sql, params)).rows,
      close: () => pglite.close(),
    };
  }
  const database = await createTestDatabase();
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  return {
    exec: async (sql) => void (await client.query(sql)),
    query: async <Row>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as Row[],
    close: async () => {
      await client.end();
      await database.drop();
    },
  };
}

const opened: Connection[] = [];
const tempDirs: string[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((c) => c.close()));
  await Promise.all(tempDirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function freshDatabase(): Promise<Connection> {
  const connection = await emptyDatabase();
  opened.push(connection);
  return connection;
}

/** A scratch copy of prisma/migrations that a test may edit. */
async function copyOfMigrations(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'auth-api-migrations-'));
  tempDirs.push(dir);
  await cp(migrationsDir, dir, { recursive: true });
  return dir;
}

async function migrationFolders(dir = migrationsDir): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
}

interface MigrationRow {
  id: string;
  checksum: string;
  finished_at: Date | null;
  migration_name: string;
  logs: string | null;
  rolled_back_at: Date | null;
  started_at: Date;
  applied_steps_count: number;
}

const migrationRows = (db: MigrationConnection) =>
  db.query<MigrationRow>('SELECT * FROM "_prisma_migrations" ORDER BY migration_name, started_at');

const tableExists = async (db: MigrationConnection, table: string) =>
  (await db.query<{ found: string | null }>('SELECT to_regclass($1)::text AS found', [table]))[0]?.found != null;

describe('migrate()', () => {
  it('records every migration folder in _prisma_migrations as prisma migrate deploy does', async () => {
    const db = await freshDatabase();
    const folders = await migrationFolders();
    expect(folders.length).toBeGreaterThan(0);

    expect(await migrate(db)).toEqual(folders);

    const rows = await migrationRows(db);
    expect(rows.map((r) => r.migration_name)).toEqual(folders);
    for (const row of rows) {
      // Prisma's checksum: sha256 of the file's bytes, lower-case hex.
      const bytes = await readFile(join(migrationsDir, row.migration_name, 'migration.sql'));
      expect(row.checksum).toBe(createHash('sha256').update(bytes).digest('hex'));
      expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.finished_at!.getTime()).toBeGreaterThanOrEqual(row.started_at.getTime());
      expect(row.applied_steps_count).toBe(1);
      expect(row.rolled_back_at).toBeNull();
      expect(row.logs).toBeNull();
    }
  });

  it('creates _prisma_migrations with exactly the columns Prisma creates', async () => {
    const db = await freshDatabase();
    await migrate(db);
    const columns = await db.query<{ name: string; type: string; nullable: boolean; default: string | null }>(
      `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, NOT a.attnotnull AS nullable,
              pg_get_expr(d.adbin, d.adrelid) AS default
         FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attrelid = '"_prisma_migrations"'::regclass AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum`,
    );
    expect(columns).toEqual([
      { name: 'id', type: 'character varying(36)', nullable: false, default: null },
      { name: 'checksum', type: 'character varying(64)', nullable: false, default: null },
      { name: 'finished_at', type: 'timestamp with time zone', nullable: true, default: null },
      { name: 'migration_name', type: 'character varying(255)', nullable: false, default: null },
      { name: 'logs', type: 'text', nullable: true, default: null },
      { name: 'rolled_back_at', type: 'timestamp with time zone', nullable: true, default: null },
      { name: 'started_at', type: 'timestamp with time zone', nullable: false, default: 'now()' },
      { name: 'applied_steps_count', type: 'integer', nullable: false, default: '0' },
    ]);
  });

  it('applies nothing when run again and leaves the records as they were', async () => {
    const db = await freshDatabase();
    await migrate(db);
    const before = await migrationRows(db);
    expect(await migrate(db)).toEqual([]);
    expect(await migrationRows(db)).toEqual(before);
  });

  it('applies only a migration added since the last run', async () => {
    const dir = await copyOfMigrations();
    const db = await freshDatabase();
    await migrate(db, dir);
    await mkdir(join(dir, '99990101000000_add_probe'));
    await writeFile(join(dir, '99990101000000_add_probe', 'migration.sql'), 'CREATE TABLE "probe" ("id" INTEGER NOT NULL);\n');

    expect(await migrate(db, dir)).toEqual(['99990101000000_add_probe']);
    expect(await tableExists(db, 'probe')).toBe(true);
  });

  it('rewrites emails stored decomposed to NFC, unless the NFC form already has an account', async () => {
    const dir = await copyOfMigrations();
    const nfc = '20261201100000_emails_nfc';
    const held = await mkdtemp(join(tmpdir(), 'auth-api-held-'));
    tempDirs.push(held);
    await cp(join(dir, nfc), join(held, nfc), { recursive: true });
    await rm(join(dir, nfc), { recursive: true });
    const db = await freshDatabase();
    await migrate(db, dir);
    // Stored before emails were normalised: one decomposed alone, one whose NFC form is taken.
    const user = (email: string) =>
      db.exec(`INSERT INTO "users" ("id", "username", "email", "password_hash", "updated_at")
               VALUES (gen_random_uuid(), 'Old', '${email}', 'x', now())`);
    await user('jose\u0301@example.com');
    await user('rene\u0301@example.com');
    await user('ren\u00e9@example.com');

    await cp(join(held, nfc), join(dir, nfc), { recursive: true });
    expect(await migrate(db, dir)).toEqual([nfc]);
    const emails = (await db.query<{ email: string }>('SELECT "email" FROM "users" ORDER BY "email"')).map((r) => r.email);
    expect(emails.sort()).toEqual(['jos\u00e9@example.com', 'rene\u0301@example.com', 'ren\u00e9@example.com'].sort());
  });

  it('refuses to run when a migration was edited after it was applied', async () => {
    const dir = await copyOfMigrations();
    const db = await freshDatabase();
    await migrate(db, dir);
    const edited = (await migrationFolders(dir)).at(-1)!;
    const file = join(dir, edited, 'migration.sql');
    await writeFile(file, `${await readFile(file, 'utf8')}\n-- a harmless-looking edit\n`);
    const before = await migrationRows(db);

    await expect(migrate(db, dir)).rejects.toThrow(`Migration ${edited} was edited after it was applied (checksum mismatch).`);
    expect(await migrationRows(db)).toEqual(before);
  });

  it('leaves no half-applied schema when a migration fails, and refuses to go on until it is resolved', async () => {
    const dir = await copyOfMigrations();
    const db = await freshDatabase();
    await migrate(db, dir);
    const broken = '99990101000000_broken';
    const later = '99990102000000_later';
    await mkdir(join(dir, broken));
    await writeFile(
      join(dir, broken, 'migration.sql'),
      'CREATE TABLE "half_applied" ("id" INTEGER NOT NULL);\nALTER TABLE "no_such_table" ADD COLUMN "x" INTEGER;\n',
    );
    await mkdir(join(dir, later));
    await writeFile(join(dir, later, 'migration.sql'), 'CREATE TABLE "later" ("id" INTEGER NOT NULL);\n');

    await expect(migrate(db, dir)).rejects.toThrow(/no_such_table/);
    // The statement that did succeed was rolled back, and nothing after the failure ran.
    expect(await tableExists(db, 'half_applied')).toBe(false);
    expect(await tableExists(db, 'later')).toBe(false);
    const failed = (await migrationRows(db)).filter((r) => r.migration_name === broken);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ finished_at: null, rolled_back_at: null, applied_steps_count: 0 });
    expect(failed[0]!.logs).toMatch(/no_such_table/);
    expect((await migrationRows(db)).some((r) => r.migration_name === later)).toBe(false);

    // Fixing the file is not enough: the failed attempt has to be resolved first.
    await writeFile(join(dir, broken, 'migration.sql'), 'CREATE TABLE "half_applied" ("id" INTEGER NOT NULL);\n');
    await expect(migrate(db, dir)).rejects.toThrow(`Migration ${broken} failed earlier; resolve it before starting again.`);
    expect(await tableExists(db, 'half_applied')).toBe(false);

    // What `prisma migrate resolve --rolled-back` does; then the fixed migration and the next one apply.
    await db.query('UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = $1', [broken]);
    expect(await migrate(db, dir)).toEqual([broken, later]);
    expect(await tableExists(db, 'half_applied')).toBe(true);
    expect(await tableExists(db, 'later')).toBe(true);
    const attempts = (await migrationRows(db)).filter((r) => r.migration_name === broken);
    expect(attempts.map((r) => [r.rolled_back_at === null, r.finished_at === null])).toEqual([
      [false, true],
      [true, false],
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Drift: the shape of the database as PostgreSQL reports it, against the shape schema.prisma
// describes (through Prisma's own schema parser). Both sides become the same plain structure, so
// a table, column, type, nullability, default, key, index or foreign key missing or extra on
// either side shows up in the diff.

interface ColumnShape {
  type: string;
  nullable: boolean;
  default: string | null;
}
interface IndexShape {
  columns: string[];
  unique: boolean;
  method: string;
  predicate: string | null;
}
interface ForeignKeyShape {
  references: string;
  onDelete: string;
  onUpdate: string;
}
interface TableShape {
  columns: Record<string, ColumnShape>;
  primaryKey: { name: string; columns: string[] } | null;
  /** Every index other than the primary key's, by name. */
  indexes: Record<string, IndexShape>;
  /**
   * By "columns -> table(columns)": the DMMF does not carry a relation's `map:`, so foreign key
   * names are not compared.
   */
  foreignKeys: Record<string, ForeignKeyShape>;
}
interface DatabaseShape {
  tables: Record<string, TableShape>;
  enums: Record<string, string[]>;
}

const ACTIONS: Record<string, string> = { a: 'NoAction', r: 'Restrict', c: 'Cascade', n: 'SetNull', d: 'SetDefault' };

/** One JSON document per catalog query: identical on PGlite and PostgreSQL, whatever the driver does with types. */
async function catalog<Row>(db: MigrationConnection, sql: string): Promise<Row[]> {
  const [row] = await db.query<{ json: string }>(`SELECT coalesce(json_agg(x), '[]')::text AS json FROM (${sql}) x`);
  return JSON.parse(row!.json) as Row[];
}

async function describeDatabase(db: MigrationConnection): Promise<DatabaseShape> {
  const tables = await catalog<{ name: string }>(
    db,
    `SELECT table_name AS name FROM information_schema.tables
      WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> '_prisma_migrations'`,
  );
  const columns = await catalog<{ table: string; name: string } & ColumnShape>(
    db,
    `SELECT c.relname AS table, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
            NOT a.attnotnull AS nullable, pg_get_expr(d.adbin, d.adrelid) AS default
       FROM pg_class c
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
       LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
      WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')`,
  );
  const indexes = await catalog<{ table: string; name: string; primary: boolean } & IndexShape>(
    db,
    `SELECT t.relname AS table, i.relname AS name, x.indisprimary AS primary, x.indisunique AS unique,
            am.amname AS method, pg_get_expr(x.indpred, x.indrelid) AS predicate,
            ARRAY(SELECT coalesce(a.attname::text, pg_get_indexdef(x.indexrelid, k.n::int, true))
                         || CASE WHEN pg_index_column_has_property(x.indexrelid, k.n::int, 'desc') THEN ' DESC' ELSE '' END
                    FROM generate_subscripts(x.indkey, 1) WITH ORDINALITY AS k(sub, n)
                    LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[k.sub]
                   WHERE k.n <= x.indnkeyatts
                   ORDER BY k.n) AS columns
       FROM pg_index x
       JOIN pg_class i ON i.oid = x.indexrelid
       JOIN pg_class t ON t.oid = x.indrelid
       JOIN pg_am am ON am.oid = i.relam
      WHERE t.relnamespace = current_schema()::regnamespace`,
  );
  const foreignKeys = await catalog<{ table: string; columns: string[]; ref_table: string; ref_columns: string[]; del: string; upd: string }>(
    db,
    `SELECT t.relname AS table, r.relname AS ref_table, con.confdeltype AS del, con.confupdtype AS upd,
            ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(num, n)
                    JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num ORDER BY k.n) AS columns,
            ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(num, n)
                    JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num ORDER BY k.n) AS ref_columns
       FROM pg_constraint con
       JOIN pg_class t ON t.oid = con.conrelid
       JOIN pg_class r ON r.oid = con.confrelid
      WHERE con.contype = 'f' AND t.relnamespace = current_schema()::regnamespace`,
  );
  const enums = await catalog<{ name: string; values: string[] }>(
    db,
    `SELECT t.typname AS name, ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) AS values
       FROM pg_type t WHERE t.typtype = 'e' AND t.typnamespace = current_schema()::regnamespace`,
  );

  const shape: DatabaseShape = { tables: {}, enums: {} };
  for (const { name } of tables) shape.tables[name] = { columns: {}, primaryKey: null, indexes: {}, foreignKeys: {} };
  for (const c of columns) {
    const table = shape.tables[c.table];
    if (table) table.columns[c.name] = { type: c.type, nullable: c.nullable, default: c.default };
  }
  for (const i of indexes) {
    const table = shape.tables[i.table];
    if (!table) continue;
    if (i.primary) table.primaryKey = { name: i.name, columns: i.columns };
    else table.indexes[i.name] = { columns: i.columns, unique: i.unique, method: i.method, predicate: i.predicate };
  }
  for (const f of foreignKeys) {
    const table = shape.tables[f.table];
    if (!table) continue;
    table.foreignKeys[f.columns.join(', ')] = {
      references: `${f.ref_table}(${f.ref_columns.join(', ')})`,
      onDelete: ACTIONS[f.del] ?? f.del,
      onUpdate: ACTIONS[f.upd] ?? f.upd,
    };
  }
  for (const e of enums) shape.enums[e.name] = e.values;
  return shape;
}

// The parts of Prisma's DMMF the comparison reads.
interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: 'scalar' | 'object' | 'enum' | 'unsupported';
  type: string;
  isList: boolean;
  isRequired: boolean;
  nativeType?: [string, string[]] | null;
  default?: unknown;
  hasDefaultValue: boolean;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
  relationOnUpdate?: string;
}
interface DmmfModel {
  name: string;
  dbName: string | null;
  schema: string | null;
  fields: DmmfField[];
}
interface DmmfIndex {
  model: string;
  type: 'id' | 'unique' | 'normal' | 'fulltext';
  dbName?: string | null;
  algorithm?: string | null;
  fields: { name: string; sortOrder?: 'asc' | 'desc' }[];
}
interface DmmfEnum {
  name: string;
  dbName?: string | null;
  values: { name: string; dbName: string | null }[];
}
interface Datamodel {
  models: DmmfModel[];
  enums: DmmfEnum[];
  indexes: DmmfIndex[];
}

function parseSchema(source: string): Datamodel {
  return (JSON.parse(get_dmmf(JSON.stringify({ prismaSchema: [['schema.prisma', source]] }))) as { datamodel: Datamodel }).datamodel;
}

// Column types exactly as PostgreSQL's format_type() prints them.
const PRISMA_TYPES: Record<string, string> = {
  String: 'text',
  Int: 'integer',
  BigInt: 'bigint',
  Float: 'double precision',
  Decimal: 'numeric(65,30)',
  Boolean: 'boolean',
  DateTime: 'timestamp(3) without time zone',
  Json: 'jsonb',
  Bytes: 'bytea',
};
const NATIVE_TYPES: Record<string, (args: string[]) => string> = {
  Text: () => 'text',
  VarChar: (a) => `character varying${typmod(a)}`,
  Char: (a) => `character${typmod(a)}`,
  Uuid: () => 'uuid',
  SmallInt: () => 'smallint',
  Integer: () => 'integer',
  BigInt: () => 'bigint',
  Oid: () => 'oid',
  Real: () => 'real',
  DoublePrecision: () => 'double precision',
  Decimal: (a) => `numeric${typmod(a)}`,
  Money: () => 'money',
  Boolean: () => 'boolean',
  Timestamp: (a) => `timestamp${typmod(a)} without time zone`,
  Timestamptz: (a) => `timestamp${typmod(a)} with time zone`,
  Date: () => 'date',
  Time: (a) => `time${typmod(a)} without time zone`,
  Timetz: (a) => `time${typmod(a)} with time zone`,
  Json: () => 'json',
  JsonB: () => 'jsonb',
  ByteA: () => 'bytea',
  Inet: () => 'inet',
  Citext: () => 'citext',
  Xml: () => 'xml',
  Bit: (a) => `bit${typmod(a)}`,
  VarBit: (a) => `bit varying${typmod(a)}`,
};
const typmod = (args: string[]) => (args.length > 0 ? `(${args.join(',')})` : '');
const quoteIdent = (name: string) => (/^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`);
const quoteLiteral = (value: string) => `'${value.replaceAll("'", "''")}'`;

/** Prisma's default constraint names: table_columns_suffix, shortened to PostgreSQL's 63 bytes. */
function defaultName(table: string, columns: string[], suffix: string): string {
  const base = [table, ...columns].join('_');
  const full = `${base}_${suffix}`;
  return full.length <= 63 ? full : `${base.slice(0, 63 - suffix.length - 1)}_${suffix}`;
}

function columnType(field: DmmfField, enums: DmmfEnum[]): string {
  let type: string | undefined;
  if (field.kind === 'enum') {
    const enumType = enums.find((e) => e.name === field.type);
    type = quoteIdent(enumType?.dbName ?? field.type);
  } else if (field.nativeType) {
    const [name, args] = field.nativeType;
    type = NATIVE_TYPES[name]?.(args);
  } else {
    type = PRISMA_TYPES[field.type];
  }
  if (!type) throw new Error(`The drift test does not know the PostgreSQL type of ${field.name} (${field.type}, ${JSON.stringify(field.nativeType)}): teach it.`);
  return field.isList ? `${type}[]` : type;
}

/** The default PostgreSQL reports for the column, or null where Prisma fills it in (uuid(), cuid(), @updatedAt). */
function columnDefault(field: DmmfField, table: string, column: string, type: string, enums: DmmfEnum[]): string | null {
  if (!field.hasDefaultValue) return null;
  const value = field.default;
  const baseType = type.replace(/\(.*?\)/, '');
  if (typeof value === 'object' && value !== null && 'name' in value) {
    const fn = value as { name: string; args: unknown[] };
    if (['uuid', 'cuid', 'nanoid', 'ulid'].includes(fn.name)) return null;
    if (fn.name === 'now') return 'CURRENT_TIMESTAMP';
    if (fn.name === 'autoincrement') return `nextval('${defaultName(table, [column], 'seq')}'::regclass)`;
    if (fn.name === 'dbgenerated' && typeof fn.args[0] === 'string') return fn.args[0];
  } else if (typeof value === 'boolean') {
    return String(value);
  } else if (typeof value === 'number' || (typeof value === 'string' && ['BigInt', 'Decimal'].includes(field.type))) {
    const text = String(value);
    return text.startsWith('-') ? `${quoteLiteral(text)}::${baseType}` : text;
  } else if (typeof value === 'string' && field.kind === 'enum') {
    const dbValue = enums.find((e) => e.name === field.type)?.values.find((v) => v.name === value)?.dbName ?? value;
    return `${quoteLiteral(dbValue)}::${type}`;
  } else if (typeof value === 'string' && ['String', 'Json'].includes(field.type)) {
    return `${quoteLiteral(value)}::${baseType}`;
  }
  throw new Error(`The drift test does not know how PostgreSQL shows the default of ${field.name}: ${JSON.stringify(value)}: teach it.`);
}

// Prefix search indexes (text_pattern_ops, and one on an expression) Prisma's schema cannot state;
// prisma/schema.prisma names them in a comment on the User model.
const INDEXES_PRISMA_CANNOT_DESCRIBE: Record<string, Record<string, IndexShape>> = {
  users: {
    users_email_pattern_idx: { columns: ['email'], unique: false, method: 'btree', predicate: null },
    users_username_pattern_idx: { columns: ['lower(username::text)'], unique: false, method: 'btree', predicate: null },
  },
};

function describeSchema(source: string): DatabaseShape {
  const datamodel = parseSchema(source);
  const shape: DatabaseShape = { tables: {}, enums: {} };
  const models = new Map(datamodel.models.map((m) => [m.name, m]));
  const tableOf = (model: DmmfModel) => model.dbName ?? model.name;
  const columnOf = (model: DmmfModel, fieldName: string) => {
    const field = model.fields.find((f) => f.name === fieldName);
    if (!field) throw new Error(`${model.name}.${fieldName} not found in the DMMF`);
    return field.dbName ?? field.name;
  };

  for (const e of datamodel.enums) shape.enums[e.dbName ?? e.name] = e.values.map((v) => v.dbName ?? v.name);

  for (const model of datamodel.models) {
    if (model.schema && model.schema !== 'public') throw new Error(`${model.name} lives in schema ${model.schema}: teach the drift test.`);
    const table = tableOf(model);
    const tableShape: TableShape = { columns: {}, primaryKey: null, indexes: {}, foreignKeys: {} };
    for (const field of model.fields) {
      if (field.kind === 'object') continue;
      const column = field.dbName ?? field.name;
      const type = columnType(field, datamodel.enums);
      // Prisma Migrate creates scalar lists (String[]) without NOT NULL, though the client never reads a null.
      const nullable = field.isList || !field.isRequired;
      tableShape.columns[column] = { type, nullable, default: columnDefault(field, table, column, type, datamodel.enums) };
    }
    for (const field of model.fields) {
      if (field.kind !== 'object' || !field.relationFromFields?.length) continue;
      const target = models.get(field.type)!;
      const from = field.relationFromFields.map((name) => columnOf(model, name));
      const to = (field.relationToFields ?? []).map((name) => columnOf(target, name));
      const allRequired = field.relationFromFields.every((name) => model.fields.find((f) => f.name === name)?.isRequired);
      tableShape.foreignKeys[from.join(', ')] = {
        references: `${tableOf(target)}(${to.join(', ')})`,
        // Prisma's defaults when the schema names no action.
        onDelete: field.relationOnDelete ?? (allRequired ? 'Restrict' : 'SetNull'),
        onUpdate: field.relationOnUpdate ?? 'Cascade',
      };
    }
    shape.tables[table] = tableShape;
  }

  for (const index of datamodel.indexes) {
    const model = models.get(index.model)!;
    const table = tableOf(model);
    const tableShape = shape.tables[table]!;
    const columns = index.fields.map((f) => columnOf(model, f.name));
    if (index.type === 'id') {
      tableShape.primaryKey = { name: index.dbName ?? `${table}_pkey`, columns };
      continue;
    }
    if (index.type === 'fulltext') throw new Error(`Full-text index on ${table}: not a PostgreSQL feature in Prisma.`);
    const unique = index.type === 'unique';
    tableShape.indexes[index.dbName ?? defaultName(table, columns, unique ? 'key' : 'idx')] = {
      columns: index.fields.map((f, i) => `${columns[i]}${f.sortOrder === 'desc' ? ' DESC' : ''}`),
      unique,
      method: (index.algorithm ?? 'BTree').toLowerCase(),
      predicate: null,
    };
  }
  for (const [table, indexes] of Object.entries(INDEXES_PRISMA_CANNOT_DESCRIBE)) Object.assign(shape.tables[table]!.indexes, indexes);
  return shape;
}

describe('schema drift', () => {
  let db: Connection;
  let schemaSource: string;
  beforeAll(async () => {
    db = await emptyDatabase();
    await migrate(db);
    schemaSource = await readFile(schemaFile, 'utf8');
  });
  afterAll(() => db?.close());

  it('finds the migrated database exactly as prisma/schema.prisma describes it', async () => {
    const expected = describeSchema(schemaSource);
    expect(Object.keys(expected.tables).length).toBeGreaterThan(0);
    expect(
      await describeDatabase(db),
      'The migrations under prisma/migrations and prisma/schema.prisma disagree: add a migration (or fix the schema) so both describe the same database.',
    ).toEqual(expected);
  });

  // The check is only worth something if it notices. Each probe changes one thing on one side only,
  // picking its target from the schema itself so the probes keep working as models come and go.
  const plainColumn = (shape: DatabaseShape) => {
    for (const [table, t] of Object.entries(shape.tables)) {
      const taken = new Set([
        ...(t.primaryKey?.columns ?? []),
        ...Object.values(t.indexes).flatMap((i) => i.columns),
        ...Object.keys(t.foreignKeys).flatMap((k) => k.split(', ')),
      ]);
      for (const [column, c] of Object.entries(t.columns)) {
        if (!c.nullable && c.default === null && !taken.has(column)) return { table, column, type: c.type };
      }
    }
    throw new Error('no plain required column to probe with');
  };
  const firstWith = <T,>(shape: DatabaseShape, pick: (t: TableShape) => T | undefined) => {
    for (const [table, t] of Object.entries(shape.tables)) {
      const found = pick(t);
      if (found !== undefined) return { table, found };
    }
    throw new Error('nothing in the schema to probe with');
  };

  it.each<[string, (expected: DatabaseShape) => Promise<string>]>([
    ['an extra table', async () => 'CREATE TABLE "drift_probe" ("id" INTEGER PRIMARY KEY)'],
    ['an extra column', async (e) => `ALTER TABLE "${plainColumn(e).table}" ADD COLUMN "drift_probe" INTEGER`],
    ['a dropped column', async (e) => `ALTER TABLE "${plainColumn(e).table}" DROP COLUMN "${plainColumn(e).column}"`],
    [
      'a changed type',
      async (e) => {
        const { table, column, type } = plainColumn(e);
        return `ALTER TABLE "${table}" ALTER COLUMN "${column}" TYPE ${type === 'text' ? 'bytea' : 'text'} USING NULL`;
      },
    ],
    ['a changed nullability', async (e) => `ALTER TABLE "${plainColumn(e).table}" ALTER COLUMN "${plainColumn(e).column}" DROP NOT NULL`],
    [
      'a dropped default',
      async (e) => {
        const { table, found } = firstWith(e, (t) => Object.entries(t.columns).find(([, c]) => c.default !== null)?.[0]);
        return `ALTER TABLE "${table}" ALTER COLUMN "${found}" DROP DEFAULT`;
      },
    ],
    ['an extra index', async (e) => `CREATE INDEX "drift_probe_idx" ON "${plainColumn(e).table}" ("${plainColumn(e).column}")`],
    ['a dropped index', async (e) => `DROP INDEX "${firstWith(e, (t) => Object.keys(t.indexes)[0]).found}"`],
    [
      'a dropped primary key',
      async (e) => {
        const { table, found } = firstWith(e, (t) => t.primaryKey?.name);
        return `ALTER TABLE "${table}" DROP CONSTRAINT "${found}" CASCADE`;
      },
    ],
    [
      'a foreign key with another delete rule',
      async (e) => {
        const { table, found } = firstWith(e, (t) => Object.entries(t.foreignKeys)[0]);
        const [columns, fk] = found;
        const [constraint] = await catalog<{ name: string }>(
          db,
          `SELECT c.conname AS name FROM pg_constraint c
            WHERE c.contype = 'f' AND c.conrelid = '"${table}"'::regclass
              AND ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(num, n)
                          JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.num ORDER BY k.n) = string_to_array('${columns}', ', ')`,
        );
        const name = constraint!.name;
        const [refTable, refColumns] = fk.references.split(/[()]/) as [string, string];
        const quote = (list: string) => list.split(', ').map((c) => `"${c}"`).join(', ');
        const rule = fk.onDelete === 'Cascade' ? 'NO ACTION' : 'CASCADE';
        return `ALTER TABLE "${table}" DROP CONSTRAINT "${name}",
                ADD CONSTRAINT "${name}" FOREIGN KEY (${quote(columns)}) REFERENCES "${refTable}" (${quote(refColumns)}) ON DELETE ${rule}`;
      },
    ],
  ])('notices %s in the database only', async (_change, probe) => {
    const expected = describeSchema(schemaSource);
    const ddl = await probe(expected);
    await db.exec('BEGIN');
    try {
      await db.exec(ddl);
      expect(await describeDatabase(db)).not.toEqual(expected);
    } finally {
      await db.exec('ROLLBACK');
    }
    expect(await describeDatabase(db)).toEqual(expected);
  });

  it.each<[string, (source: string) => string]>([
    ['an extra model', (s) => `${s}\nmodel DriftProbe {\n  id Int @id\n}\n`],
    ['an extra field', (s) => s.replace(/^(model \w+ \{)$/m, '$1\n  driftProbe Int?')],
    ['a changed length', (s) => s.replace(/@db\.VarChar\((\d+)\)/, (_m, n: string) => `@db.VarChar(${Number(n) + 1})`)],
    ['a dropped default', (s) => s.replace('@default(now())', '')],
    ['an extra index', (s) => s.replace(/^(model \w+ \{\n\s*(\w+)[^]*?)^\}/m, '$1  @@index([$2])\n}')],
    ['a different delete rule', (s) => s.replace(/onDelete: (\w+)/, (_m, rule: string) => `onDelete: ${rule === 'Cascade' ? 'Restrict' : 'Cascade'}`)],
  ])('notices %s in schema.prisma only', async (_change, edit) => {
    const edited = edit(schemaSource);
    expect(edited, 'the probe found nothing to change in schema.prisma').not.toBe(schemaSource);
    expect(await describeDatabase(db)).not.toEqual(describeSchema(edited));
  });
});

describe('closing the database', () => {
  it('returns with queries in flight, and the process ends', async () => {
    // In a child process: closing PGlite the wrong way under a query in flight loops forever in
    // its WebAssembly, which would block this test's own thread and timers.
    const script = `
      const { openDatabase } = await import(${JSON.stringify(new URL('../src/db/open-database.ts', import.meta.url).href)});
      const db = await openDatabase(process.env.TARGET_URL ? { url: process.env.TARGET_URL } : { dataDir: undefined });
      await db.prisma.$queryRaw\`SELECT 0\`;
      for (const n of [1, 2]) db.prisma.$queryRaw\`SELECT \${n}::int\`.catch(() => {});
      await db.close();
      console.log('closed');
    `;
    const database = usingPostgres ? await createTestDatabase() : undefined;
    try {
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        env: { ...process.env, TARGET_URL: database?.url ?? '' },
        timeout: 60_000,
      });
      expect(stdout.trim().split('\n').at(-1)).toBe('closed');
    } finally {
      await database?.drop();
    }
  });
});
