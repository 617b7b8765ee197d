// "Forgot password": sendMail emails a one-time code; resetPassword spends it.
import { builder } from './builder.ts';
import { CODE_RULES, EMAIL_RULES, NEW_PASSWORD_RULES } from './field-rules.ts';
import { MessagePayload } from './message-payload.ts';

const SendMailInput = builder.inputType('SendMailInput', {
  description: 'Where to send a reset code.',
  fields: (t) => ({ email: t.string({ required: true, description: EMAIL_RULES }) }),
});

const ResetPasswordInput = builder.inputType('ResetPasswordInput', {
  description: 'A mailed reset code and the password to set with it.',
  fields: (t) => ({
    email: t.string({ required: true, description: `${EMAIL_RULES} The address the code was sent to.` }),
    code: t.string({ required: true, description: CODE_RULES }),
    newPassword: t.string({ required: true, description: NEW_PASSWORD_RULES }),
  }),
});

builder.mutationFields((t) => ({
  sendMail: t.field({
    type: MessagePayload,
    description:
      '"Forgot password": emails a one-time reset code if an account exists. Answers the same message, in the same time, whether or not it does; a new code replaces the previous one. Rate-limited per address and per client.',
    args: { input: t.arg({ type: SendMailInput, required: true, description: 'The account\'s address.' }) },
    resolve: async (_root, { input }, { services, caller }) => {
      await services.passwordReset.requestCode(input.email, caller);
      return { message: 'If an account exists for that email, a reset code has been sent.' };
    },
  }),
  resetPassword: t.field({
    type: MessagePayload,
    description:
      "Sets a new password with the mailed code and signs out every session of the user: \"password reset successful!\". The caller's cookie is cleared only when it belongs to that user. Sign in again afterwards.",
    args: { input: t.arg({ type: ResetPasswordInput, required: true, description: 'The code and the new password.' }) },
    resolve: async (_root, { input }, { services, auth, caller, viewer }) => {
      const { userId } = await services.passwordReset.resetPassword(input, caller);
      // Someone else's session on this browser (a shared computer, a support agent) stays signed in.
      if (viewer?.user.id === userId) auth.signedOut();
      return { message: 'password reset successful!' };
    },
  }),
}));
