import type { SessionView } from '../services/sessions.ts';
import { builder } from './builder.ts';

export const SessionType = builder.objectRef<SessionView>('Session').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    expiresAt: t.expose('expiresAt', {
      type: 'DateTime',
      description: 'Idle expiry: moves forward with every authenticated request.',
    }),
    absoluteExpiresAt: t.expose('absoluteExpiresAt', {
      type: 'DateTime',
      description: 'Hard cap: no refresh extends a session past it.',
    }),
  }),
});
