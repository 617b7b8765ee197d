// The calling key, for integration health checks: a caller learns its scope and expiry, nothing else.
import type { OperatorKeyView } from '../../services/operators/operator-keys.ts';
import { adminBuilder } from './builder.ts';

const OperatorScopeEnum = adminBuilder.enumType('OperatorScope', {
  description: 'What a key may do.',
  values: { READ: { description: 'Queries only.' }, WRITE: { description: 'Queries and mutations.' } } as const,
});

const OperatorKeyType = adminBuilder.objectRef<OperatorKeyView>('OperatorKey').implement({
  description: 'An operator API key, never its secret. Keys are made, rotated and revoked by `npm run operator-key`.',
  fields: (t) => ({
    keyId: t.exposeString('keyId', { description: 'The public part: 10 characters, shown in lists and logs.' }),
    name: t.exposeString('name', { description: 'The name given at creation.' }),
    scope: t.field({ type: OperatorScopeEnum, description: 'READ or WRITE.', resolve: (k) => (k.scope === 'write' ? 'WRITE' : 'READ') }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was made.' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true, description: 'When it stops working; null: never (until revoked).' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true, description: 'Last use, to within a minute.' }),
  }),
});

adminBuilder.queryField('operatorKey', (t) =>
  t.field({ type: OperatorKeyType, description: 'The calling key.', resolve: (_root, _args, { key }) => key }),
);
