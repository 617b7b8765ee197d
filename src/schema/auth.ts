// Sign-up, sign-in and logout.
import type { Context } from '../context/create-context.ts';
import type { User } from '../generated/prisma/client.ts';
import type { SignedIn } from '../services/sessions/session-start.ts';
import { builder } from './builder.ts';
import { EMAIL_RULES, NEW_PASSWORD_RULES, PASSWORD_RULES, USERNAME_RULES } from './field-rules.ts';
import { MessagePayload } from './message-payload.ts';
import { type SessionShape, SessionType } from './session.ts';
import { UserType } from './user.ts';

export const AuthPayload = builder.objectRef<{ message: string; user: User; session: SessionShape }>('AuthPayload').implement({
  description: 'A new session: the user signed in, and the session their cookie (or X-Session-Token header) now carries.',
  fields: (t) => ({
    message: t.exposeString('message', { description: '"user created!" after signUp, "login successful!" after signIn.' }),
    user: t.field({ type: UserType, description: 'The signed-in user.', resolve: (payload) => payload.user }),
    session: t.field({ type: SessionType, description: 'The session just started.', resolve: (payload) => payload.session }),
  }),
});

const SignUpInput = builder.inputType('SignUpInput', {
  description: 'A new account. EMAIL_TAKEN if the address already has one.',
  fields: (t) => ({
    username: t.string({ required: true, description: USERNAME_RULES }),
    email: t.string({ required: true, description: EMAIL_RULES }),
    password: t.string({ required: true, description: NEW_PASSWORD_RULES }),
  }),
});

const SignInInput = builder.inputType('SignInInput', {
  description: 'Credentials. An unknown email and a wrong password both answer INVALID_CREDENTIALS.',
  fields: (t) => ({
    email: t.string({ required: true, description: EMAIL_RULES }),
    password: t.string({ required: true, description: PASSWORD_RULES }),
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
    description:
      'Creates the user and signs them in: sets the session cookie, or with the request header X-Session-Transport: header answers the token in X-Session-Token instead. Rate-limited per client address (RATE_LIMITED with retryAfter).',
    args: { input: t.arg({ type: SignUpInput, required: true, description: 'The new account.' }) },
    resolve: async (_root, { input }, context) => answerSignIn(context, await context.services.accounts.signUp(input, context.caller), 'user created!'),
  }),
  signIn: t.field({
    type: AuthPayload,
    description:
      'Signs in: sets the session cookie, or with the request header X-Session-Transport: header answers the token in X-Session-Token instead. Ends the session the request carried, if any. For an account with two-factor on, the right password without `code` answers SECOND_FACTOR_REQUIRED (and starts no session; extensions.passkey is true when the account has a passkey to use instead, through startPasskeySignIn with email and password): send signIn again with `code`. Rate-limited per account, or per device for a browser holding a device cookie known for the account, and per client address (RATE_LIMITED with retryAfter).',
    args: { input: t.arg({ type: SignInInput, required: true, description: 'The credentials.' }) },
    resolve: async (_root, { input }, context) => answerSignIn(context, await context.services.accounts.signIn(input, context.caller), 'login successful!'),
  }),
  logout: t.field({
    type: MessagePayload,
    description: 'Revokes the current session, if any, and clears the cookie.',
    resolve: async (_root, _args, { services, auth, viewer, caller }) => {
      if (viewer) await services.accountSessions.logout(viewer.user.id, viewer.session.id, caller);
      auth.signedOut();
      return { message: 'logout successful!' };
    },
  }),
}));

/**
 * Hands the client a session just started (signUp, signIn, finishPasskeySignIn): the token goes
 * where the request asked, the token it carried is ended rather than orphaned, and the device is
 * remembered.
 */
export async function answerSignIn({ services, auth, viewer, device }: Context, signedIn: SignedIn, message: string) {
  if (viewer && auth.signInReplacesCurrent()) await services.sessions.revoke(viewer.session.id);
  auth.signedIn(signedIn);
  device.remember(signedIn.deviceToken);
  return { message, user: signedIn.user, session: { ...signedIn.session, current: true } };
}
