import type { SessionView } from '../services/sessions.ts';
import { builder } from './builder.ts';

export const SessionType = builder.objectRef<SessionView>('Session').implement({
  description: 'A signed-in session: one per sign-in, ended by logout, a password reset, deletion or expiry.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable identifier of the session (a UUID).' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the sign-in happened.' }),
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
