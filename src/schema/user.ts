import { builder } from './builder.ts';

export const UserType = builder.prismaObject('User', {
  fields: (t) => ({
    id: t.exposeID('id'),
    username: t.exposeString('username'),
    email: t.exposeString('email'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    emailVerified: t.exposeBoolean('emailVerified', {
      description: 'False from signUp until a mailed code comes back (verifyEmail, confirmEmailChange or resetPassword).',
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
