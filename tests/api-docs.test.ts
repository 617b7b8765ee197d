// docs/api.md is the client developers' reference: it must keep up with the schema and the error
// codes. Whoever adds an operation, type, field or error code fails here until it is documented.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isSpecifiedScalarType,
  type GraphQLSchema,
} from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../src/services/errors.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));

let docs: string;
let schema: GraphQLSchema;
beforeAll(async () => {
  docs = await readFile(join(repo, 'docs', 'api.md'), 'utf8');
  // The committed schema file, which tests/schema-file.test.ts keeps equal to the served schema.
  schema = buildSchema(await readFile(join(repo, 'schema.graphql'), 'utf8'));
});

const escape = (name: string) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Mentioned as a word of its own anywhere in the page (prose, tables or GraphQL blocks). */
const mentions = (name: string) => new RegExp(`(^|[^A-Za-z0-9_])${escape(name)}($|[^A-Za-z0-9_])`).test(docs);

/** The types the schema declares itself (not GraphQL's built-in scalars and introspection types). */
function ownTypes() {
  return Object.values(schema.getTypeMap()).filter((type) => !type.name.startsWith('__') && !isSpecifiedScalarType(type));
}

describe('docs/api.md', () => {
  it('has a section for every query and mutation', () => {
    const operations = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].flatMap((root) =>
      root ? Object.keys(root.getFields()) : [],
    );
    expect(operations.length).toBeGreaterThan(0);
    const missing = operations.filter((name) => !new RegExp(`^### ${escape(name)}$`, 'm').test(docs));
    expect(missing, 'operations without a "### <name>" section in docs/api.md').toEqual([]);
  });

  it('names every type, input, field, argument and enum value of the schema', () => {
    const missing: string[] = [];
    const roots = new Set([schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].map((root) => root?.name));
    for (const type of ownTypes()) {
      // Root types are documented through their operations (the test above).
      if (!roots.has(type.name) && !docs.includes(`\`${type.name}\``)) missing.push(`type ${type.name} (in backticks)`);
      if (isObjectType(type) || isInterfaceType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!mentions(field.name)) missing.push(`${type.name}.${field.name}`);
          for (const arg of field.args) if (!mentions(arg.name)) missing.push(`${type.name}.${field.name}(${arg.name})`);
        }
      }
      if (isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) if (!mentions(field.name)) missing.push(`${type.name}.${field.name}`);
      }
      if (isEnumType(type)) {
        for (const value of type.getValues()) if (!mentions(value.name)) missing.push(`${type.name}.${value.name}`);
      }
    }
    expect(missing, 'schema elements docs/api.md does not mention').toEqual([]);
  });

  it('documents every error code the API answers in its errors table, and lists the others as reserved', async () => {
    // A code counts as answered once some code outside the table in errors.ts names it: a reserved
    // code (defined for operations still being built) may wait in the "Reserved" line, but the
    // change that first uses it fails here until it has a row saying when and with what message.
    const answered = await codesUsedInSource();
    const tableRows = new Set([...docs.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]!));
    const reservedLine = /^Reserved for coming operations[^\n]*(?:\n[^\n]+)*/m.exec(docs)?.[0] ?? '';
    const reserved = new Set([...reservedLine.matchAll(/`([A-Z_]+)`/g)].map((m) => m[1]!));

    for (const code of Object.keys(ERROR_CODES)) {
      if (answered.has(code)) {
        expect(tableRows.has(code), `${code} is answered: give it a row in docs/api.md's errors table`).toBe(true);
        expect(reserved.has(code), `${code} is answered now: take it out of the "Reserved" line`).toBe(false);
      } else {
        expect(tableRows.has(code) || reserved.has(code), `${code} is not in docs/api.md at all`).toBe(true);
      }
    }
    // And no row for a code the API does not have.
    expect([...reserved, ...tableRows].filter((code) => !(code in ERROR_CODES))).toEqual([]);
  });

  it('points only inside the repository', () => {
    expect(docs).not.toMatch(/shared\/docs|\.\.\/shared|\/work\//);
  });
});

/** Error codes named as string literals in src/, leaving out their own definition table. */
async function codesUsedInSource(): Promise<Set<string>> {
  const files = (await readdir(join(repo, 'src'), { recursive: true })).filter(
    (file) => file.endsWith('.ts') && !file.startsWith('generated'),
  );
  let source = '';
  for (const file of files) {
    let text = await readFile(join(repo, 'src', file), 'utf8');
    if (file === join('services', 'errors.ts')) {
      const withoutTable = text.replace(/export const ERROR_CODES = \{[\s\S]*?\n\} as const;/, '');
      if (withoutTable === text) throw new Error('ERROR_CODES table not found in src/services/errors.ts: update this test');
      text = withoutTable;
    }
    source += text;
  }
  return new Set(Object.keys(ERROR_CODES).filter((code) => new RegExp(`['"\`]${code}['"\`]`).test(source)));
}
