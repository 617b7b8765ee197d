// `npm run codegen` (second half): types the example pages' operations from the committed
// schema.graphql, as a client project would, with GraphQL Code Generator's client preset.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['examples/shared/operations.ts'],
  generates: {
    'examples/graphql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: { scalars: { DateTime: 'string' }, useTypeImports: true, emitLegacyCommonJSImports: false },
    },
  },
};

export default config;
