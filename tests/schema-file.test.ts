// schema.graphql is what client developers read and generate types from: it must be the schema
// the server really serves, printed exactly as `npm run codegen` prints it.
import { readFile } from 'node:fs/promises';
import { plugin as printSchemaAst } from '@graphql-codegen/schema-ast';
import { lexicographicSortSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../src/schema/index.ts';

const schemaFile = new URL('../schema.graphql', import.meta.url);

describe('schema.graphql', () => {
  it('is up to date with the schema the server serves', async () => {
    const committed = await readFile(schemaFile, 'utf8').catch(() => '(schema.graphql is missing)');
    // What codegen does with codegen.ts: load the schema, sort it, print it with the schema-ast plugin.
    const current = await printSchemaAst(lexicographicSortSchema(schema), [], {});
    expect(committed, 'schema.graphql is stale: run `npm run codegen` and commit the result').toBe(current);
  });
});
