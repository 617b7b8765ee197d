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
    code: t.string({
      required: false,
      description:
        'For an account with two-factor on, sent again after SECOND_FACTOR_REQUIRED: the 6-digit code the ' +
        'authenticator app shows now, or an unused recovery code (xxxxx-xxxxx). Spaces, dashes and case are ' +
        'ignored; at most 64 characters. Ignored for accounts without two-factor.',
    }),
  }),
});

builder.mutationFields((t) => ({
  signUp: t.field({
    type: AuthPayload,
    description: 'Creates the user and signs them in.',
    args: { input: t.arg({ type: SignUpInput, required: true }) },
    resolve: async (_root, { input }, { services, auth, viewer, caller, device }) => {
      const signedIn = await services.accounts.signUp(input, caller);
      await replaceSession(services, viewer);
      auth.signedIn(signedIn);
      device.remember(signedIn.deviceToken);
      return { message: 'user created!', ...signedIn };
    },
  }),
  signIn: t.field({
    type: AuthPayload,
    description:
      'Signs in with email and password. For an account with two-factor on, the right password without `code` ' +
      'answers SECOND_FACTOR_REQUIRED (and starts no session): send signIn again with `code`.',
    args: { input: t.arg({ type: SignInInput, required: true }) },
    resolve: async (_root, { input }, { services, auth, viewer, caller, device }) => {
      const signedIn = await services.accounts.signIn(input, caller);
      await replaceSession(services, viewer);
      auth.signedIn(signedIn);
      device.remember(signedIn.deviceToken);
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

/** The browser's cookie is about to be replaced: the session it held is ended, not orphaned. */
async function replaceSession({ sessions }: Context['services'], viewer: Context['viewer']): Promise<void> {
  if (viewer) await sessions.revoke(viewer.session.id);
}
