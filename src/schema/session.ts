// Sessions as their owner sees them: the session type, the list of live ones, and ending them.
import type { SessionView } from '../services/sessions/sessions.ts';
import { builder } from './builder.ts';
import { MessagePayload } from './message-payload.ts';

/** `current` is set where a resolver starts the session this browser will hold. */
export type SessionShape = SessionView & { current?: boolean };

export const SessionType = builder.objectRef<SessionShape>('Session').implement({
  description: 'A signed-in browser or app: one per sign-in, ended by logout, revocation, a password change or reset, deletion or expiry.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable identifier of the session (a UUID).' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the sign-in happened.' }),
    expiresAt: t.expose('expiresAt', {
      type: 'DateTime',
      description:
        'Idle expiry: moves forward with every authenticated request. For sessions other than the current one it is an upper bound, up to a minute late.',
    }),
    absoluteExpiresAt: t.expose('absoluteExpiresAt', {
      type: 'DateTime',
      description: 'Hard cap: no refresh extends a session past it.',
    }),
    current: t.boolean({
      description: 'True for the session of the request that asks (after signIn or changePassword: the new one).',
      resolve: (session, _args, { viewer }) => session.current ?? session.id === viewer?.session.id,
    }),
    lastActiveAt: t.expose('lastActiveAt', {
      type: 'DateTime',
      description: 'Approximate: may lag real activity by up to a minute.',
    }),
    userAgent: t.exposeString('userAgent', {
      nullable: true,
      description: 'The User-Agent the browser sent at sign-in, cut to 256 characters; null if it sent none. Show it as plain text.',
    }),
    ipAddress: t.exposeString('ipAddress', {
      nullable: true,
      description: 'The client address at sign-in, as the rate limits see it (IPv4 or IPv6 text).',
    }),
    provider: t.string({
      nullable: true,
      description: 'The identity provider id that signed this session in ("google", "github", …); null for other sign-ins.',
      // Read on demand: few clients ask, and the session row carries only the identity's id.
      resolve: async (session, _args, { services }) =>
        (await services.prisma.session.findUnique({ where: { id: session.id }, select: { identity: { select: { provider: true } } } }))?.identity?.provider ?? null,
    }),
  }),
});

const RevokeSessionInput = builder.inputType('RevokeSessionInput', {
  description: 'Which of your sessions to end.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'The `id` of one of your own sessions, as `sessions` lists it.' }),
  }),
});

builder.queryField('sessions', (t) =>
  t.withAuth({ signedIn: true }).field({
    type: [SessionType],
    description: "The signed-in user's live sessions (not revoked, not expired), newest first.",
    resolve: (_root, _args, { services, viewer }) =>
      // The current session as this request refreshed it, the others as stored.
      services.accountSessions.list(viewer.user.id).then((rows) => rows.map((row) => (row.id === viewer.session.id ? viewer.session : row))),
  }),
);

builder.mutationFields((t) => ({
  revokeSession: t.withAuth({ signedIn: true }).field({
    type: MessagePayload,
    description:
      'Ends one of your own live sessions at once, on every server. NOT_FOUND for any other id (unknown, ended, another user\'s, malformed). Ending the current one also clears the cookie.',
    args: { input: t.arg({ type: RevokeSessionInput, required: true, description: 'Which session to end.' }) },
    resolve: async (_root, { input }, { services, auth, viewer, caller }) => {
      const id = String(input.id).toLowerCase();
      await services.accountSessions.revoke(viewer.user.id, id, caller);
      if (id === viewer.session.id) auth.signedOut();
      return { message: 'session revoked!' };
    },
  }),
  revokeOtherSessions: t.withAuth({ signedIn: true }).field({
    type: MessagePayload,
    description: 'Ends every session of yours except the current one.',
    resolve: async (_root, _args, { services, viewer, caller }) => {
      await services.accountSessions.revokeOthers(viewer.user.id, viewer.session.id, caller);
      return { message: 'other sessions revoked!' };
    },
  }),
}));
