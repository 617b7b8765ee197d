import type { User } from '../generated/prisma/client.ts';
import type { SessionView } from '../services/sessions/sessions.ts';
import { builder } from './builder.ts';
import { SessionType } from './session.ts';
import { UserType } from './user.ts';

const Dashboard = builder.objectRef<{ user: User; session: SessionView }>('Dashboard').implement({
  description: 'What only a signed-in user sees.',
  fields: (t) => ({
    message: t.string({ description: 'A greeting, e.g. "Welcome, ABC!".', resolve: ({ user }) => `Welcome, ${user.username}!` }),
    user: t.field({ type: UserType, description: 'The signed-in user.', resolve: ({ user }) => user }),
    session: t.field({ type: SessionType, description: 'The session of this request, already refreshed.', resolve: ({ session }) => session }),
  }),
});

builder.queryField('dashboard', (t) =>
  t.withAuth({ signedIn: true }).field({
    type: Dashboard,
    description:
      'Only with a valid session (UNAUTHENTICATED otherwise); with REQUIRE_VERIFIED_EMAIL on, only once the address is verified (EMAIL_NOT_VERIFIED). Reading it refreshes the session like any signed-in request.',
    resolve: (_root, _args, { services, viewer }) => {
      services.emailVerification.requireVerified(viewer.user);
      return viewer;
    },
  }),
);
