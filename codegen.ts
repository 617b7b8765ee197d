// `npm run codegen`: writes, from the Pothos schemas,
// - schema.graphql, the public API's SDL, for clients and review;
// - admin-schema.graphql, the operator API's SDL (another schema, served on its own listener);
// - tests/support/graphql/, the result and variable types of the operations the tests send.
// tests/schema-file.test.ts fails when a committed file no longer matches the code.
import type { CodegenConfig } from '@graphql-codegen/cli';
import { register } from 'tsx/esm/api';

// The schema modules are TypeScript ESM with .ts import specifiers; codegen's loader imports them
// with Node's plain import(), so let tsx (the runtime `npm start` uses) handle them.
register();

const config: CodegenConfig = {
  // Each output names its schema module (its `schema` export): a schema given at the top would be
  // merged into every output, the operator API's included. Codegen sorts types and fields
  // alphabetically for a stable diff.
  generates: {
    'schema.graphql': { schema: './src/schema/index.ts', plugins: ['schema-ast'] },
    'admin-schema.graphql': { schema: './src/admin/schema/index.ts', plugins: ['schema-ast'] },
    'tests/support/graphql/': {
      schema: './src/schema/index.ts',
      documents: ['tests/support/operations.ts'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: { documentMode: 'string', scalars: { DateTime: 'string' }, useTypeImports: true, emitLegacyCommonJSImports: false },
    },
  },
};

export default config;
