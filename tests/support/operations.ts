// The operations the tests send, written once. `graphql()` returns each as a typed document:
// `npm run codegen` generates, from the schema, the result and variable types of every operation
// here into ./graphql/, so the tests read typed answers (tests/schema-file.test.ts keeps it fresh).
import { graphql } from './graphql/index.ts';

export const SIGN_UP = graphql(`
  mutation SignUp($input: SignUpInput!) {
    signUp(input: $input) { message user { id username email createdAt } session { id createdAt expiresAt absoluteExpiresAt } }
  }`);

export const SIGN_IN = graphql(`
  mutation SignIn($input: SignInInput!) {
    signIn(input: $input) { message user { id username email } session { id expiresAt absoluteExpiresAt } }
  }`);

export const DASHBOARD = graphql(`
  query Dashboard { dashboard { message user { id email username } session { id expiresAt absoluteExpiresAt } } }`);

export const ME = graphql(`query Me { me { id username email emailVerified } }`);

export const LOGOUT = graphql(`mutation Logout { logout { message } }`);

export const SEND_MAIL = graphql(`
  mutation SendMail($input: SendMailInput!) { sendMail(input: $input) { message } }`);

export const RESET_PASSWORD = graphql(`
  mutation ResetPassword($input: ResetPasswordInput!) { resetPassword(input: $input) { message } }`);

export const DELETE_USER = graphql(`
  mutation DeleteUser($input: DeleteUserInput!) { deleteUser(input: $input) { message } }`);

export const SESSIONS = graphql(`
  query Sessions { sessions { id createdAt expiresAt absoluteExpiresAt current lastActiveAt userAgent ipAddress } }`);

export const SECURITY_EVENTS = graphql(`
  query SecurityEvents($limit: Int) { securityEvents(limit: $limit) { id kind createdAt ipAddress userAgent } }`);

export const CHANGE_PASSWORD = graphql(`
  mutation ChangePassword($input: ChangePasswordInput!) {
    changePassword(input: $input) { message user { id email } session { id current expiresAt absoluteExpiresAt userAgent ipAddress } }
  }`);

export const REVOKE_SESSION = graphql(`
  mutation RevokeSession($input: RevokeSessionInput!) { revokeSession(input: $input) { message } }`);

export const REVOKE_OTHER_SESSIONS = graphql(`mutation RevokeOtherSessions { revokeOtherSessions { message } }`);

export const SEND_VERIFICATION_MAIL = graphql(`mutation SendVerificationMail { sendVerificationMail { message } }`);

export const VERIFY_EMAIL = graphql(`
  mutation VerifyEmail($input: VerifyEmailInput!) { verifyEmail(input: $input) { message } }`);

export const CHANGE_EMAIL = graphql(`
  mutation ChangeEmail($input: ChangeEmailInput!) { changeEmail(input: $input) { message } }`);

export const CONFIRM_EMAIL_CHANGE = graphql(`
  mutation ConfirmEmailChange($input: ConfirmEmailChangeInput!) { confirmEmailChange(input: $input) { message } }`);
export const SIGN_IN_WITH_TWO_FACTOR = graphql(`
  mutation SignInWithTwoFactor($input: SignInInput!) {
    signIn(input: $input) { message user { id email twoFactorEnabled recoveryCodesLeft } session { id } }
  }`);

export const TWO_FACTOR_STATUS = graphql(`query TwoFactorStatus { me { id twoFactorEnabled recoveryCodesLeft } }`);

export const START_TWO_FACTOR_SETUP = graphql(`
  mutation StartTwoFactorSetup($input: StartTwoFactorSetupInput!) {
    startTwoFactorSetup(input: $input) { secret otpauthUrl qrCodeSvg }
  }`);

export const ENABLE_TWO_FACTOR = graphql(`
  mutation EnableTwoFactor($input: EnableTwoFactorInput!) { enableTwoFactor(input: $input) { message recoveryCodes } }`);

export const DISABLE_TWO_FACTOR = graphql(`
  mutation DisableTwoFactor($input: TwoFactorProofInput!) { disableTwoFactor(input: $input) { message } }`);

export const REGENERATE_RECOVERY_CODES = graphql(`
  mutation RegenerateRecoveryCodes($input: TwoFactorProofInput!) { regenerateRecoveryCodes(input: $input) { message recoveryCodes } }`);

/** A password that passes the policy (long, not common). */
export const GOOD_PASSWORD = 'violet-harbor-cactus-42';

let counter = 0;
/** A unique, valid email per call. */
export function uniqueEmail(prefix = 'user'): string {
  counter += 1;
  return `${prefix}${counter}.${process.pid}.${Date.now()}@example.com`;
}

export const PASSKEYS = graphql(`
  query Passkeys { passkeys { id credentialId name createdAt lastUsedAt backupEligible backedUp } }`);

export const START_PASSKEY_REGISTRATION = graphql(`
  mutation StartPasskeyRegistration($input: StartPasskeyRegistrationInput!) {
    startPasskeyRegistration(input: $input) { challengeId options expiresAt }
  }`);

export const FINISH_PASSKEY_REGISTRATION = graphql(`
  mutation FinishPasskeyRegistration($input: FinishPasskeyRegistrationInput!) {
    finishPasskeyRegistration(input: $input) { message passkey { id credentialId name createdAt lastUsedAt backupEligible backedUp } }
  }`);

export const START_PASSKEY_SIGN_IN = graphql(`
  mutation StartPasskeySignIn($input: StartPasskeySignInInput! = {}) {
    startPasskeySignIn(input: $input) { challengeId options expiresAt }
  }`);

export const FINISH_PASSKEY_SIGN_IN = graphql(`
  mutation FinishPasskeySignIn($input: FinishPasskeySignInInput!) {
    finishPasskeySignIn(input: $input) { message user { id email } session { id } }
  }`);

export const RENAME_PASSKEY = graphql(`
  mutation RenamePasskey($input: RenamePasskeyInput!) { renamePasskey(input: $input) { message passkey { id name } } }`);

export const REMOVE_PASSKEY = graphql(`
  mutation RemovePasskey($input: RemovePasskeyInput!) { removePasskey(input: $input) { message } }`);

export const PASSKEY_EVENTS = graphql(`
  query PasskeyEvents($limit: Int) { securityEvents(limit: $limit) { kind passkeyName } }`);
