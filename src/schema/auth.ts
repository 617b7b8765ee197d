// Sign-up, sign-in and logout.
import type { Context } from '../context/create-context.ts';
import type { User } from '../generated/prisma/client.ts';
import type { SessionView } from '../services/sessions.ts';
import { builder } from './builder.ts';
import { MessagePayload } from './message-payload.ts';
import { SessionType } from './session.ts';
import { UserType } from './user.ts';

const AuthPayload = builder.objectRef<{ message: string; user: User; session: SessionView }>('AuthPayload').implement({
  fields: (t) => ({
    message: t.exposeString('message'),
    user: t.field({ type: UserType, resolve: (payload) => payload.user }),
    session: t.field({ type: SessionType, resolve: (payload) => payload.session }),
  }),
});

const SignUpInput = builder.inputType('SignUpInput', {
  fields: (t) => ({
    username: t.string({ required: true }),
    email: t.string({ required: true }),
    password: t.string({ required: true }),
  }),
});

const SignInInput = builder.inputType('SignInInput', {
  fields: (t) => ({
    email: t.string({ required: true }),
    password: t.string({ required: true }),
  }),
});

builder.mutationFields((t) => ({
  signUp: t.field({
    type: AuthPayload,
    description: 'Creates the user and signs them in.',
    args: { input: t.arg({ type: SignUpInput, required: true }) },
    resolve: async (_root, { input }, { services, auth, viewer, caller }) => {
      const signedIn = await services.accounts.signUp(input, caller);
      if (auth.signInReplacesCurrent()) await replaceSession(services, viewer);
      auth.signedIn(signedIn);
      return { message: 'user created!', ...signedIn };
    },
  }),
  signIn: t.field({
    type: AuthPayload,
    args: { input: t.arg({ type: SignInInput, required: true }) },
    resolve: async (_root, { input }, { services, auth, viewer, caller }) => {
      const signedIn = await services.accounts.signIn(input, caller);
      if (auth.signInReplacesCurrent()) await replaceSession(services, viewer);
      auth.signedIn(signedIn);
      return { message: 'login successful!', ...signedIn };
    },
  }),
  logout: t.field({
    type: MessagePayload,
    description: 'Revokes the current session, if any, and clears the cookie.',
    resolve: async (_root, _args, { services, auth, viewer }) => {
      if (viewer) await services.sessions.revoke(viewer.session.id);
      auth.signedOut();
      return { message: 'logout successful!' };
    },
  }),
}));

/** The client's token is about to be replaced: the session it held is ended, not orphaned. */
async function replaceSession({ sessions }: Context['services'], viewer: Context['viewer']): Promise<void> {
  if (viewer) await sessions.revoke(viewer.session.id);
}
