// The operator API's own Pothos builder: nothing registered here can reach the public schema,
// and nothing of the public schema is here (src/schema/builder.ts is another builder). The
// plugins are the public builder's, since Pothos declares their options for every builder; no
// auth scopes are used: the gate (../use-operator-gate.ts) has checked the key before any resolver.
import SchemaBuilder from '@pothos/core';
import PrismaPlugin from '@pothos/plugin-prisma';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import type PrismaTypes from '../../generated/pothos-types.ts';
import { getDatamodel } from '../../generated/pothos-types.ts';
import type { AdminContext } from '../admin-context.ts';

export const adminBuilder = new SchemaBuilder<{
  Context: AdminContext;
  PrismaTypes: PrismaTypes;
  AuthScopes: {};
  Scalars: { DateTime: { Input: Date; Output: Date } };
  DefaultFieldNullability: false;
}>({
  plugins: [ScopeAuthPlugin, PrismaPlugin],
  defaultFieldNullability: false,
  scopeAuth: { authScopes: () => ({}) },
  prisma: { client: (context) => context.services.prisma, dmmf: getDatamodel(), onUnusedQuery: null },
});

adminBuilder.queryType({ description: 'Reads: any live operator key (scope READ or WRITE).' });
adminBuilder.mutationType({ description: 'Changes: a WRITE key only; each is a security event the user sees and one [audit] log line.' });
