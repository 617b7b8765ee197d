// The Pothos builder: types of the context, plugins and scalars. No GraphQL types are defined here.
import SchemaBuilder from '@pothos/core';
import PrismaPlugin from '@pothos/plugin-prisma';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import type { Context, SignedInContext } from '../context/create-context.ts';
import type PrismaTypes from '../generated/pothos-types.ts';
import { getDatamodel } from '../generated/pothos-types.ts';
import { AppError } from '../services/errors.ts';
import type { WebAuthnJson } from './webauthn-json.ts';

export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  AuthScopes: { signedIn: boolean };
  AuthContexts: { signedIn: SignedInContext };
  Scalars: { DateTime: { Input: Date; Output: Date }; WebAuthnJSON: { Input: WebAuthnJson; Output: object } };
  DefaultFieldNullability: false;
}>({
  plugins: [ScopeAuthPlugin, PrismaPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authScopes: (context) => ({ signedIn: context.viewer !== null }),
    unauthorizedError: () => new AppError('UNAUTHENTICATED'),
  },
  prisma: {
    // Resolved per request, so importing the schema opens no connection.
    client: (context) => context.services.prisma,
    dmmf: getDatamodel(),
    filterConnectionTotalCount: true,
    onUnusedQuery: null,
  },
});

builder.queryType({ description: 'Reads. Sent as GET or POST; a valid session is refreshed by any of them.' });
builder.mutationType({ description: 'Changes. POST with Content-Type: application/json only (never GET).' });
