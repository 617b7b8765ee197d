// `npm run codegen`: writes schema.graphql, the SDL of the Pothos schema, for clients and review.
// tests/schema-file.test.ts fails when the committed file no longer matches the code.
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
  },
};

export default config;
