// Passkeys: the account's list, registration, sign-in (usernameless, with an email hint, or as the
// second factor after the password), rename and removal.
import type { PasskeyChallengeView, PasskeyView } from '../services/passkeys/passkeys.ts';
import { answerSignIn, AuthPayload } from './auth.ts';
import { builder } from './builder.ts';
import { CURRENT_PASSWORD_RULES, EMAIL_RULES, PASSWORD_RULES } from './field-rules.ts';
import { MessagePayload } from './message-payload.ts';

const PasskeyType = builder.objectRef<PasskeyView>('Passkey').implement({
  description: 'A WebAuthn discoverable credential of the account: a fingerprint, face, PIN or security key that signs in without the password.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Opaque and stable; renamePasskey and removePasskey take it.' }),
    credentialId: t.exposeString('credentialId', { description: 'The WebAuthn credential id, base64url, as the authenticator knows it.' }),
    name: t.exposeString('name', { description: 'The name the user gave it (1 to 64 characters), or "Passkey <n>".' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was registered.' }),
    lastUsedAt: t.expose('lastUsedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'Its last sign-in or second factor; null until then.',
    }),
    backupEligible: t.exposeBoolean('backupEligible', {
      description: 'A synced (multi-device) passkey, as a password manager or a platform account keeps; fixed at registration.',
    }),
    backedUp: t.exposeBoolean('backedUp', { description: 'Whether it was backed up (synced), as reported at its last use.' }),
  }),
});

const PasskeyChallengeType = builder.objectRef<PasskeyChallengeView>('PasskeyChallenge').implement({
  description:
    'A WebAuthn ceremony to carry out: pass `options` to navigator.credentials.create() or get() (parseCreationOptionsFromJSON / ' +
    'parseRequestOptionsFromJSON) or a platform passkey API, then send `challengeId` back with credential.toJSON(). Kept on the ' +
    'server, never in a cookie; single-use.',
  fields: (t) => ({
    challengeId: t.exposeID('challengeId', { description: 'Send it back with the answer. Single-use: the first finish uses it up, success or not.' }),
    options: t.field({
      type: 'WebAuthnJSON',
      description: 'PublicKeyCredentialCreationOptionsJSON (registration) or PublicKeyCredentialRequestOptionsJSON (sign-in).',
      resolve: (challenge) => challenge.options,
    }),
    expiresAt: t.expose('expiresAt', {
      type: 'DateTime',
      description: 'After this, the finish answers INVALID_CHALLENGE (PASSKEY_CHALLENGE_TTL_SECONDS, also options.timeout).',
    }),
  }),
});

const PasskeyPayload = builder.objectRef<{ message: string; passkey: PasskeyView }>('PasskeyPayload').implement({
  description: 'A passkey just added or renamed.',
  fields: (t) => ({
    message: t.exposeString('message', { description: '"passkey added!" or "passkey renamed!".' }),
    passkey: t.field({ type: PasskeyType, description: 'The passkey as it is now.', resolve: (payload) => payload.passkey }),
  }),
});

const NAME_RULES = 'Trimmed; at most 64 characters.';
const CHALLENGE_ID = 'The challengeId the start… answered.';
const RESPONSE =
  'credential.toJSON() of what navigator.credentials.create() or get() returned (or the same JSON from a platform passkey API), ' +
  'as an object or a string holding one.';
const REFUSALS =
  'INVALID_CHALLENGE for an unknown, used, expired or foreign challenge (start again). Every other refusal is INVALID_CREDENTIALS; ' +
  'one caused by the client setup adds extensions.reason: ORIGIN (an origin not in PASSKEY_ORIGINS, or a cross-origin iframe), ' +
  'RP_ID, USER_VERIFICATION, MALFORMED';

const StartPasskeyRegistrationInput = builder.inputType('StartPasskeyRegistrationInput', {
  description: 'Proof that the person at the session is its owner.',
  fields: (t) => ({
    password: t.string({ required: false, description: CURRENT_PASSWORD_RULES }),
    code: t.string({
      required: false,
      description: 'With two-factor on: an authenticator or recovery code (SECOND_FACTOR_REQUIRED without it, INVALID_CODE when wrong).',
    }),
  }),
});

const FinishPasskeyRegistrationInput = builder.inputType('FinishPasskeyRegistrationInput', {
  description: "The authenticator's answer to startPasskeyRegistration's options.",
  fields: (t) => ({
    challengeId: t.id({ required: true, description: CHALLENGE_ID }),
    response: t.field({ type: 'WebAuthnJSON', required: true, description: RESPONSE }),
    name: t.string({ required: false, description: `What to call it, e.g. "Work laptop". ${NAME_RULES} Blank or absent: "Passkey <n>".` }),
  }),
});

const StartPasskeySignInInput = builder.inputType('StartPasskeySignInInput', {
  description:
    'Nothing: usernameless (the device offers its passkeys for this site). `email`: the passkeys of that account are listed ' +
    '(an unknown email gets made-up ones: the answer does not tell). `email` and `password`: a passkey as the second factor.',
  fields: (t) => ({
    email: t.string({ required: false, description: EMAIL_RULES }),
    password: t.string({
      required: false,
      description: `${PASSWORD_RULES} Checked as signIn checks it (errors, limits); with it the passkey is the second factor and user verification is not asked.`,
    }),
  }),
});

const FinishPasskeySignInInput = builder.inputType('FinishPasskeySignInInput', {
  description: "The authenticator's answer to startPasskeySignIn's options.",
  fields: (t) => ({
    challengeId: t.id({ required: true, description: CHALLENGE_ID }),
    response: t.field({ type: 'WebAuthnJSON', required: true, description: RESPONSE }),
  }),
});

const RenamePasskeyInput = builder.inputType('RenamePasskeyInput', {
  description: 'A new name for one of your passkeys.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Passkey.id.' }),
    name: t.string({ required: true, description: `${NAME_RULES} Blank: BAD_USER_INPUT.` }),
  }),
});

const RemovePasskeyInput = builder.inputType('RemovePasskeyInput', {
  description: 'Which passkey, and the password to prove it is you.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Passkey.id.' }),
    password: t.string({ required: false, description: CURRENT_PASSWORD_RULES }),
  }),
});

builder.queryField('passkeys', (t) =>
  t.withAuth({ signedIn: true }).field({
    type: [PasskeyType],
    description: "The signed-in account's passkeys, newest first; [] while the server has no passkey configuration.",
    resolve: (_root, _args, { services, viewer }) => services.passkeys.list(viewer.user.id),
  }),
);

builder.mutationFields((t) => ({
  startPasskeyRegistration: t.withAuth({ signedIn: true }).field({
    type: PasskeyChallengeType,
    description:
      'Options for navigator.credentials.create(): a discoverable credential with user verification, excluding your passkeys. ' +
      'Needs the password (INVALID_CREDENTIALS) and, with two-factor on, a code. CONFLICT at PASSKEY_MAX_PER_USER (10). ' +
      "Replaces this session's pending registration. FORBIDDEN while the server has no passkey configuration.",
    args: { input: t.arg({ type: StartPasskeyRegistrationInput, required: true, description: 'The password, and a code with two-factor on.' }) },
    resolve: (_root, { input }, { services, viewer, caller }) =>
      services.passkeys.startRegistration(viewer, input, caller),
  }),
  finishPasskeyRegistration: t.withAuth({ signedIn: true }).field({
    type: PasskeyPayload,
    description:
      `Stores the new passkey and mails a notice; from the session that started it. ${REFUSALS}, ALGORITHM (not EdDSA, ES256 or RS256). ` +
      'CONFLICT if the credential is registered already or the limit was reached meanwhile.',
    args: { input: t.arg({ type: FinishPasskeyRegistrationInput, required: true, description: "The authenticator's answer." }) },
    resolve: async (_root, { input }, { services, viewer, caller }) => ({
      message: 'passkey added!',
      passkey: await services.passkeys.finishRegistration(viewer, input, caller),
    }),
  }),
  startPasskeySignIn: t.field({
    type: PasskeyChallengeType,
    description:
      'Options for navigator.credentials.get(). Without a session. With email and password, CONFLICT if the account has no passkey. ' +
      'Rate-limited per client address (RATE_LIMITED with retryAfter).',
    args: {
      input: t.arg({ type: StartPasskeySignInInput, required: true, defaultValue: {}, description: 'Nothing, an email, or an email and password.' }),
    },
    resolve: (_root, { input }, { services, caller }) => services.passkeys.startSignIn(input, caller),
  }),
  finishPasskeySignIn: t.field({
    type: AuthPayload,
    description:
      'Signs in as signIn does (cookie, or X-Session-Token with X-Session-Transport: header or Bearer). A user-verified passkey is both ' +
      `factors: no code is asked with two-factor on. ${REFUSALS}; an unknown passkey answers like a bad signature. Rate-limited per client address.`,
    args: { input: t.arg({ type: FinishPasskeySignInInput, required: true, description: "The authenticator's answer." }) },
    resolve: async (_root, { input }, context) => answerSignIn(context, await context.services.passkeys.finishSignIn(input, context.caller), 'login successful!'),
  }),
  renamePasskey: t.withAuth({ signedIn: true }).field({
    type: PasskeyPayload,
    description: 'Renames one of your passkeys; NOT_FOUND for an id that is not one of yours.',
    args: { input: t.arg({ type: RenamePasskeyInput, required: true, description: 'Which passkey, and its new name.' }) },
    resolve: async (_root, { input }, { services, viewer }) => ({
      message: 'passkey renamed!',
      passkey: await services.passkeys.rename(viewer.user, input),
    }),
  }),
  removePasskey: t.withAuth({ signedIn: true }).field({
    type: MessagePayload,
    description:
      'Removes one of your passkeys, ends the sessions it signed in (this one too, if it did) and mails a notice. Needs the password ' +
      '(INVALID_CREDENTIALS; rate-limited like deleteUser); NOT_FOUND for an id that is not one of yours. The last one may go: the password remains.',
    args: { input: t.arg({ type: RemovePasskeyInput, required: true, description: 'Which passkey, and the password.' }) },
    resolve: async (_root, { input }, { services, viewer, caller, auth }) => {
      const ended = await services.passkeys.remove(viewer, input, caller);
      if (ended.includes(viewer.session.id)) auth.signedOut();
      return { message: 'passkey removed!' };
    },
  }),
}));
