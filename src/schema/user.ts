import { builder } from './builder.ts';

export const UserType = builder.prismaObject('User', {
  description: 'An account. Only ever shown to its own signed-in user.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable identifier (a UUID).' }),
    username: t.exposeString('username', { description: 'Display name as given at sign-up, trimmed: 1 to 64 characters, not unique.' }),
    email: t.exposeString('email', { description: 'Sign-in address, trimmed and lower-cased as stored; at most 254 characters.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the account was created.' }),
    emailVerified: t.exposeBoolean('emailVerified', {
      description: 'False from signUp until a mailed code comes back (verifyEmail, confirmEmailChange or resetPassword).',
    }),
    hasPassword: t.boolean({
      description:
        'False for an account without a password: it signs in another way, proves itself with a fresh session where others give ' +
        'their password, and sets a first password with "forgot password" (sendMail, resetPassword) or changePassword.',
      resolve: (user) => user.passwordHash !== null,
    }),
  }),
});

builder.queryField('me', (t) =>
  t.field({
    type: UserType,
    nullable: true,
    description: 'The signed-in user, or null: never an error for a missing session.',
    resolve: (_root, _args, context) => context.viewer?.user ?? null,
  }),
);
