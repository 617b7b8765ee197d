import type { User } from '../generated/prisma/client.ts';
import type { SessionView } from '../services/sessions/sessions.ts';
import { builder } from './builder.ts';
import { SessionType } from './session.ts';
import { UserType } from './user.ts';

const Dashboard = builder.objectRef<{ user: User; session: SessionView }>('Dashboard').implement({
  fields: (t) => ({
    message: t.string({ resolve: ({ user }) => `Welcome, ${user.username}!` }),
    user: t.field({ type: UserType, resolve: ({ user }) => user }),
    session: t.field({ type: SessionType, resolve: ({ session }) => session }),
  }),
});

builder.queryField('dashboard', (t) =>
  t.withAuth({ signedIn: true }).field({
    type: Dashboard,
    description: 'Only with a valid session; with REQUIRE_VERIFIED_EMAIL on, only once the address is verified (EMAIL_NOT_VERIFIED).',
    resolve: (_root, _args, { services, viewer }) => {
      services.emailVerification.requireVerified(viewer.user);
      return viewer;
    },
  }),
);
