// What `npm run codegen` writes is committed: schema.graphql, which client developers read and
// generate types from, the operation types the tests use, and the example pages' types. Both must match the schema the
// server really serves, so codegen runs here, in memory, with the project's own codegen.ts.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from '@graphql-codegen/cli';
import { describe, expect, it } from 'vitest';
import config from '../codegen.ts';
import examplesConfig from '../examples/codegen.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));

describe('generated files', () => {
  it('are what `npm run codegen` writes from the current schema and operations', async () => {
    // Paths relative to the repository, as codegen.ts names them.
    const outputs: { filename: string; content: string }[] = [
      ...(await generate({ ...config, cwd: repo, silent: true }, false)),
      // The examples are typed from the committed schema.graphql, as a client project would be.
      ...(await generate({ ...examplesConfig, cwd: repo, silent: true }, false)),
    ];
    expect(outputs.map((o) => o.filename).sort()).toEqual([
      'admin-schema.graphql',
      'examples/graphql/gql.ts',
      'examples/graphql/graphql.ts',
      'examples/graphql/index.ts',
      'schema.graphql',
      'tests/support/graphql/gql.ts',
      'tests/support/graphql/graphql.ts',
      'tests/support/graphql/index.ts',
    ]);
    for (const { filename, content } of outputs) {
      const committed = await readFile(join(repo, filename), 'utf8').catch(() => `(${filename} is missing)`);
      expect(committed, `${filename} is stale: run \`npm run codegen\` and commit the result`).toBe(content);
    }
  }, 60_000);
});
