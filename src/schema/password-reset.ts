// "Forgot password": sendMail emails a one-time code; resetPassword spends it.
import { builder } from './builder.ts';
import { MessagePayload } from './message-payload.ts';

const SendMailInput = builder.inputType('SendMailInput', {
  fields: (t) => ({ email: t.string({ required: true }) }),
});

const ResetPasswordInput = builder.inputType('ResetPasswordInput', {
  fields: (t) => ({
    email: t.string({ required: true }),
    code: t.string({ required: true }),
    newPassword: t.string({ required: true }),
  }),
});

builder.mutationFields((t) => ({
  sendMail: t.field({
    type: MessagePayload,
    description: '"Forgot password": emails a one-time reset code if an account exists.',
    args: { input: t.arg({ type: SendMailInput, required: true }) },
    resolve: async (_root, { input }, { services, caller }) => {
      await services.passwordReset.requestCode(input.email, caller);
      return { message: 'If an account exists for that email, a reset code has been sent.' };
    },
  }),
  resetPassword: t.field({
    type: MessagePayload,
    description:
      "Sets a new password with the mailed code and signs out every session of the user. The caller's cookie is cleared only when it belongs to that user.",
    args: { input: t.arg({ type: ResetPasswordInput, required: true }) },
    resolve: async (_root, { input }, { services, auth, caller, viewer }) => {
      const { userId } = await services.passwordReset.resetPassword(input, caller);
      // Someone else's session on this browser (a shared computer, a support agent) stays signed in.
      if (viewer?.user.id === userId) auth.signedOut();
      return { message: 'password reset successful!' };
    },
  }),
}));
