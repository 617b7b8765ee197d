// Changing the password while signed in.
import { AuthPayload } from './auth.ts';
import { builder } from './builder.ts';
import { CURRENT_PASSWORD_RULES } from './field-rules.ts';

const ChangePasswordInput = builder.inputType('ChangePasswordInput', {
  description: 'The password in use now, and the one to use from now on.',
  fields: (t) => ({
    currentPassword: t.string({
      required: false,
      description: `${CURRENT_PASSWORD_RULES} Without one, the account sets its first password.`,
    }),
    newPassword: t.string({
      required: true,
      description:
        "The signUp policy: at least 8 characters (PASSWORD_MIN_LENGTH), at most 256, counted in code points; common or easily guessed passwords are refused with the reason.",
    }),
  }),
});

builder.mutationField('changePassword', (t) =>
  t.withAuth({ signedIn: true }).field({
    type: AuthPayload,
    description:
      'Checks the current password (rate-limited per account like deleteUser), sets the new one, signs out every session of the user and starts a new one for this browser (cookie set, returned in `session`), then mails a notice.',
    args: { input: t.arg({ type: ChangePasswordInput, required: true, description: 'The current password and the new one.' }) },
    resolve: async (_root, { input }, { services, auth, viewer, caller }) => {
      const issued = await services.passwordChange.change(viewer, input, caller);
      auth.signedIn(issued);
      return { message: 'password changed!', user: viewer.user, session: { ...issued.session, current: true } };
    },
  }),
);
