// The account's address: verifying it, and moving the account to another one.
import { builder } from './builder.ts';
import { CURRENT_PASSWORD_RULES } from './field-rules.ts';
import { MessagePayload } from './message-payload.ts';

const CODE_RULE = 'The 6-digit code from the mail (RESET_CODE_DIGITS): single-use, dead after 5 wrong tries, valid VERIFY_CODE_TTL_SECONDS (an hour by default).';

const VerifyEmailInput = builder.inputType('VerifyEmailInput', {
  description: 'The code mailed to the account\'s address by signUp or sendVerificationMail.',
  fields: (t) => ({ code: t.string({ required: true, description: CODE_RULE }) }),
});

const ChangeEmailInput = builder.inputType('ChangeEmailInput', {
  description: 'The address to move the account to, and the password that proves it is the owner asking.',
  fields: (t) => ({
    newEmail: t.string({
      required: true,
      description: 'Trimmed and lower-cased, at most 254 characters, must look like an address; EMAIL_TAKEN if an account has it.',
    }),
    password: t.string({ required: false, description: CURRENT_PASSWORD_RULES }),
  }),
});

const ConfirmEmailChangeInput = builder.inputType('ConfirmEmailChangeInput', {
  description: 'The code changeEmail mailed to the new address.',
  fields: (t) => ({ code: t.string({ required: true, description: `${CODE_RULE} Mailed to the new address.` }) }),
});

builder.mutationFields((t) => ({
  sendVerificationMail: t.withAuth({ signedIn: true }).field({
    type: MessagePayload,
    description:
      'Mails a new verification code to the account\'s address, replacing any earlier one ("verification code sent!"); "email already verified!" and no mail when it is verified.',
    resolve: async (_root, _args, { services, viewer, caller }) => {
      const sent = await services.emailVerification.resend(viewer.user, caller);
      return { message: sent === 'sent' ? 'verification code sent!' : 'email already verified!' };
    },
  }),
  verifyEmail: t.withAuth({ signedIn: true }).field({
    type: MessagePayload,
    description: 'Marks the address verified with the mailed code; INVALID_CODE when wrong, used or expired.',
    args: { input: t.arg({ type: VerifyEmailInput, required: true, description: 'The code from the verification mail.' }) },
    resolve: async (_root, { input }, { services, viewer, caller }) => {
      await services.emailVerification.verify(viewer.user, input.code, caller);
      return { message: 'email verified!' };
    },
  }),
  changeEmail: t.withAuth({ signedIn: true }).field({
    type: MessagePayload,
    description:
      'Checks the password and the new address, mails a code to the new address and a notice to the current one. Nothing changes until confirmEmailChange.',
    args: { input: t.arg({ type: ChangeEmailInput, required: true, description: 'The new address and the current password.' }) },
    resolve: async (_root, { input }, { services, viewer, caller }) => {
      await services.emailChange.request(viewer, input, caller);
      return { message: 'verification code sent!' };
    },
  }),
  confirmEmailChange: t.withAuth({ signedIn: true }).field({
    type: MessagePayload,
    description:
      'With the code, the email becomes the new one, verified; EMAIL_TAKEN if an account took it meanwhile. The old address is told, and every other session is signed out.',
    args: { input: t.arg({ type: ConfirmEmailChangeInput, required: true, description: 'The code mailed to the new address.' }) },
    resolve: async (_root, { input }, { services, viewer, caller }) => {
      await services.emailChange.confirm(viewer.user, input.code, viewer.session.id, caller);
      return { message: 'email changed!' };
    },
  }),
}));
