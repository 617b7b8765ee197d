// `npm run codegen`: writes, from the Pothos schema,
// - schema.graphql, the SDL, for clients and review;
// - tests/support/graphql/, the result and variable types of the operations the tests send.
// tests/schema-file.test.ts fails when a committed file no longer matches the code.
import type { CodegenConfig } from '@graphql-codegen/cli';
import { register } from 'tsx/esm/api';

// The schema modules are TypeScript ESM with .ts import specifiers; codegen's loader imports them
// with Node's plain import(), so let tsx (the runtime `npm start` uses) handle them.
register();

const config: CodegenConfig = {
  // The module's `schema` export; codegen sorts types and fields alphabetically for a stable diff.
  schema: './src/schema/index.ts',
  generates: {
    'schema.graphql': { plugins: ['schema-ast'] },
    'tests/support/graphql/': {
      documents: ['tests/support/operations.ts'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: { documentMode: 'string', scalars: { DateTime: 'string' }, useTypeImports: true, emitLegacyCommonJSImports: false },
    },
  },
};

export default config;
