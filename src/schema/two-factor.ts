// Two-factor sign-in with an authenticator app: setup, enable, disable, recovery codes, and what
// the User shows of it. signIn's `code` is in auth.ts.
import { builder } from './builder.ts';
import { CURRENT_PASSWORD_RULES } from './field-rules.ts';
import { MessagePayload } from './message-payload.ts';
import { UserType } from './user.ts';

const CODE_RULES = 'Spaces, dashes and case are ignored; at most 64 characters.';

builder.prismaObjectFields(UserType, (t) => ({
  twoFactorEnabled: t.boolean({
    description: 'Whether signing in takes an authenticator or recovery code after the password.',
    select: { twoFactor: { select: { enabledAt: true } } },
    resolve: (user) => user.twoFactor?.enabledAt != null,
  }),
  recoveryCodesLeft: t.relationCount('recoveryCodes', {
    description: 'Unused recovery codes; 0 while two-factor is off.',
  }),
}));

const TwoFactorSetup = builder.objectRef<{ secret: string; otpauthUrl: string; qrCodeSvg: string }>('TwoFactorSetup').implement({
  description: 'A pending authenticator secret: show it, then send one of its codes to enableTwoFactor.',
  fields: (t) => ({
    secret: t.exposeString('secret', {
      description: 'RFC 4648 base32, no padding, 160 random bits (32 characters): for typing into an authenticator app by hand.',
    }),
    otpauthUrl: t.exposeString('otpauthUrl', {
      description:
        'otpauth://totp/<issuer>:<email>?secret=<secret>&issuer=<issuer>&algorithm=SHA1&digits=6&period=30, the issuer being the app name.',
    }),
    qrCodeSvg: t.exposeString('qrCodeSvg', {
      description: 'An SVG document (<svg ...>...</svg>) of a QR code encoding otpauthUrl, ready to show for an authenticator app to scan.',
    }),
  }),
});

const RecoveryCodesPayload = builder.objectRef<{ message: string; recoveryCodes: string[] }>('RecoveryCodesPayload').implement({
  description: 'A new set of recovery codes, for the user to keep somewhere safe: the server cannot show them again.',
  fields: (t) => ({
    message: t.exposeString('message', { description: '"two-factor enabled!" or "recovery codes replaced!".' }),
    recoveryCodes: t.exposeStringList('recoveryCodes', {
      description:
        '10 new recovery codes, shown this once (the server keeps only hashes). Each is 10 characters as xxxxx-xxxxx, works once, ' +
        'and is accepted wherever an authenticator code is asked for.',
    }),
  }),
});

const StartTwoFactorSetupInput = builder.inputType('StartTwoFactorSetupInput', {
  description: 'The password again, so a session left open cannot set up a second factor.',
  fields: (t) => ({ password: t.string({ required: false, description: CURRENT_PASSWORD_RULES }) }),
});

const EnableTwoFactorInput = builder.inputType('EnableTwoFactorInput', {
  description: 'Proves the authenticator app holds the pending secret.',
  fields: (t) => ({
    code: t.string({ required: true, description: `The 6-digit code the authenticator app shows for the pending secret. ${CODE_RULES}` }),
  }),
});

const TwoFactorProofInput = builder.inputType('TwoFactorProofInput', {
  description: 'Both factors, for changes to two-factor itself.',
  fields: (t) => ({
    password: t.string({ required: false, description: CURRENT_PASSWORD_RULES }),
    code: t.string({ required: true, description: `A current 6-digit authenticator code or an unused recovery code. ${CODE_RULES}` }),
  }),
});

builder.mutationFields((t) => ({
  startTwoFactorSetup: t.withAuth({ signedIn: true }).field({
    type: TwoFactorSetup,
    description:
      'Makes a new pending authenticator secret, replacing an earlier pending one. Needs the password (INVALID_CREDENTIALS); ' +
      'CONFLICT if two-factor is already on. Sign-in is unchanged until enableTwoFactor.',
    args: { input: t.arg({ type: StartTwoFactorSetupInput, required: true, description: "The account's password." }) },
    resolve: (_root, { input }, { services, viewer }) => services.twoFactor.startSetup(viewer, input.password),
  }),
  enableTwoFactor: t.withAuth({ signedIn: true }).field({
    type: RecoveryCodesPayload,
    description:
      'Turns two-factor on with a code of the pending secret and returns the first recovery codes; INVALID_CODE if the code is ' +
      'wrong or nothing is pending. Signs out every other session of the user and mails a notice.',
    args: { input: t.arg({ type: EnableTwoFactorInput, required: true, description: 'A code of the pending secret.' }) },
    resolve: async (_root, { input }, { services, viewer, caller }) => {
      const recoveryCodes = await services.twoFactor.enable(viewer.user, input.code, viewer.session.id, caller);
      return { message: 'two-factor enabled!', recoveryCodes };
    },
  }),
  disableTwoFactor: t.withAuth({ signedIn: true }).field({
    type: MessagePayload,
    description:
      'Turns two-factor off and forgets the secret and recovery codes. Needs the password and a code; CONFLICT if it is off. Mails a notice.',
    args: { input: t.arg({ type: TwoFactorProofInput, required: true, description: 'The password and a current code.' }) },
    resolve: async (_root, { input }, { services, viewer, caller }) => {
      await services.twoFactor.disable(viewer, input, caller);
      return { message: 'two-factor disabled!' };
    },
  }),
  regenerateRecoveryCodes: t.withAuth({ signedIn: true }).field({
    type: RecoveryCodesPayload,
    description: 'Returns 10 new recovery codes; the old ones stop working. Needs the password and a code; CONFLICT if two-factor is off. Mails a notice.',
    args: { input: t.arg({ type: TwoFactorProofInput, required: true, description: 'The password and a current code.' }) },
    resolve: async (_root, { input }, { services, viewer, caller }) => {
      const recoveryCodes = await services.twoFactor.regenerateRecoveryCodes(viewer, input, caller);
      return { message: 'recovery codes replaced!', recoveryCodes };
    },
  }),
}));
