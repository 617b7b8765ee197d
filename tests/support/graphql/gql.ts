/* eslint-disable */
import * as types from './graphql.js';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  mutation SignUp($input: SignUpInput!) {\n    signUp(input: $input) { message user { id username email createdAt } session { id createdAt expiresAt absoluteExpiresAt } }\n  }": typeof types.SignUpDocument,
    "\n  mutation SignIn($input: SignInInput!) {\n    signIn(input: $input) { message user { id username email } session { id expiresAt absoluteExpiresAt } }\n  }": typeof types.SignInDocument,
    "\n  query Dashboard { dashboard { message user { id email username } session { id expiresAt absoluteExpiresAt } } }": typeof types.DashboardDocument,
    "query Me { me { id username email emailVerified } }": typeof types.MeDocument,
    "mutation Logout { logout { message } }": typeof types.LogoutDocument,
    "\n  mutation SendMail($input: SendMailInput!) { sendMail(input: $input) { message } }": typeof types.SendMailDocument,
    "\n  mutation ResetPassword($input: ResetPasswordInput!) { resetPassword(input: $input) { message } }": typeof types.ResetPasswordDocument,
    "\n  mutation DeleteUser($input: DeleteUserInput!) { deleteUser(input: $input) { message } }": typeof types.DeleteUserDocument,
    "\n  query Sessions { sessions { id createdAt expiresAt absoluteExpiresAt current lastActiveAt userAgent ipAddress } }": typeof types.SessionsDocument,
    "\n  query SecurityEvents($limit: Int) { securityEvents(limit: $limit) { id kind createdAt ipAddress userAgent } }": typeof types.SecurityEventsDocument,
    "\n  mutation ChangePassword($input: ChangePasswordInput!) {\n    changePassword(input: $input) { message user { id email } session { id current expiresAt absoluteExpiresAt userAgent ipAddress } }\n  }": typeof types.ChangePasswordDocument,
    "\n  mutation RevokeSession($input: RevokeSessionInput!) { revokeSession(input: $input) { message } }": typeof types.RevokeSessionDocument,
    "mutation RevokeOtherSessions { revokeOtherSessions { message } }": typeof types.RevokeOtherSessionsDocument,
    "mutation SendVerificationMail { sendVerificationMail { message } }": typeof types.SendVerificationMailDocument,
    "\n  mutation VerifyEmail($input: VerifyEmailInput!) { verifyEmail(input: $input) { message } }": typeof types.VerifyEmailDocument,
    "\n  mutation ChangeEmail($input: ChangeEmailInput!) { changeEmail(input: $input) { message } }": typeof types.ChangeEmailDocument,
    "\n  mutation ConfirmEmailChange($input: ConfirmEmailChangeInput!) { confirmEmailChange(input: $input) { message } }": typeof types.ConfirmEmailChangeDocument,
    "\n  mutation SignInWithTwoFactor($input: SignInInput!) {\n    signIn(input: $input) { message user { id email twoFactorEnabled recoveryCodesLeft } session { id } }\n  }": typeof types.SignInWithTwoFactorDocument,
    "query TwoFactorStatus { me { id twoFactorEnabled recoveryCodesLeft } }": typeof types.TwoFactorStatusDocument,
    "\n  mutation StartTwoFactorSetup($input: StartTwoFactorSetupInput!) {\n    startTwoFactorSetup(input: $input) { secret otpauthUrl qrCodeSvg }\n  }": typeof types.StartTwoFactorSetupDocument,
    "\n  mutation EnableTwoFactor($input: EnableTwoFactorInput!) { enableTwoFactor(input: $input) { message recoveryCodes } }": typeof types.EnableTwoFactorDocument,
    "\n  mutation DisableTwoFactor($input: TwoFactorProofInput!) { disableTwoFactor(input: $input) { message } }": typeof types.DisableTwoFactorDocument,
    "\n  mutation RegenerateRecoveryCodes($input: TwoFactorProofInput!) { regenerateRecoveryCodes(input: $input) { message recoveryCodes } }": typeof types.RegenerateRecoveryCodesDocument,
    "\n  query Passkeys { passkeys { id credentialId name createdAt lastUsedAt backupEligible backedUp } }": typeof types.PasskeysDocument,
    "\n  mutation StartPasskeyRegistration($input: StartPasskeyRegistrationInput!) {\n    startPasskeyRegistration(input: $input) { challengeId options expiresAt }\n  }": typeof types.StartPasskeyRegistrationDocument,
    "\n  mutation FinishPasskeyRegistration($input: FinishPasskeyRegistrationInput!) {\n    finishPasskeyRegistration(input: $input) { message passkey { id credentialId name createdAt lastUsedAt backupEligible backedUp } }\n  }": typeof types.FinishPasskeyRegistrationDocument,
    "\n  mutation StartPasskeySignIn($input: StartPasskeySignInInput! = {}) {\n    startPasskeySignIn(input: $input) { challengeId options expiresAt }\n  }": typeof types.StartPasskeySignInDocument,
    "\n  mutation FinishPasskeySignIn($input: FinishPasskeySignInInput!) {\n    finishPasskeySignIn(input: $input) { message user { id email } session { id } }\n  }": typeof types.FinishPasskeySignInDocument,
    "\n  mutation RenamePasskey($input: RenamePasskeyInput!) { renamePasskey(input: $input) { message passkey { id name } } }": typeof types.RenamePasskeyDocument,
    "\n  mutation RemovePasskey($input: RemovePasskeyInput!) { removePasskey(input: $input) { message } }": typeof types.RemovePasskeyDocument,
    "\n  query PasskeyEvents($limit: Int) { securityEvents(limit: $limit) { kind passkeyName } }": typeof types.PasskeyEventsDocument,
};
const documents: Documents = {
    "\n  mutation SignUp($input: SignUpInput!) {\n    signUp(input: $input) { message user { id username email createdAt } session { id createdAt expiresAt absoluteExpiresAt } }\n  }": types.SignUpDocument,
    "\n  mutation SignIn($input: SignInInput!) {\n    signIn(input: $input) { message user { id username email } session { id expiresAt absoluteExpiresAt } }\n  }": types.SignInDocument,
    "\n  query Dashboard { dashboard { message user { id email username } session { id expiresAt absoluteExpiresAt } } }": types.DashboardDocument,
    "query Me { me { id username email emailVerified } }": types.MeDocument,
    "mutation Logout { logout { message } }": types.LogoutDocument,
    "\n  mutation SendMail($input: SendMailInput!) { sendMail(input: $input) { message } }": types.SendMailDocument,
    "\n  mutation ResetPassword($input: ResetPasswordInput!) { resetPassword(input: $input) { message } }": types.ResetPasswordDocument,
    "\n  mutation DeleteUser($input: DeleteUserInput!) { deleteUser(input: $input) { message } }": types.DeleteUserDocument,
    "\n  query Sessions { sessions { id createdAt expiresAt absoluteExpiresAt current lastActiveAt userAgent ipAddress } }": types.SessionsDocument,
    "\n  query SecurityEvents($limit: Int) { securityEvents(limit: $limit) { id kind createdAt ipAddress userAgent } }": types.SecurityEventsDocument,
    "\n  mutation ChangePassword($input: ChangePasswordInput!) {\n    changePassword(input: $input) { message user { id email } session { id current expiresAt absoluteExpiresAt userAgent ipAddress } }\n  }": types.ChangePasswordDocument,
    "\n  mutation RevokeSession($input: RevokeSessionInput!) { revokeSession(input: $input) { message } }": types.RevokeSessionDocument,
    "mutation RevokeOtherSessions { revokeOtherSessions { message } }": types.RevokeOtherSessionsDocument,
    "mutation SendVerificationMail { sendVerificationMail { message } }": types.SendVerificationMailDocument,
    "\n  mutation VerifyEmail($input: VerifyEmailInput!) { verifyEmail(input: $input) { message } }": types.VerifyEmailDocument,
    "\n  mutation ChangeEmail($input: ChangeEmailInput!) { changeEmail(input: $input) { message } }": types.ChangeEmailDocument,
    "\n  mutation ConfirmEmailChange($input: ConfirmEmailChangeInput!) { confirmEmailChange(input: $input) { message } }": types.ConfirmEmailChangeDocument,
    "\n  mutation SignInWithTwoFactor($input: SignInInput!) {\n    signIn(input: $input) { message user { id email twoFactorEnabled recoveryCodesLeft } session { id } }\n  }": types.SignInWithTwoFactorDocument,
    "query TwoFactorStatus { me { id twoFactorEnabled recoveryCodesLeft } }": types.TwoFactorStatusDocument,
    "\n  mutation StartTwoFactorSetup($input: StartTwoFactorSetupInput!) {\n    startTwoFactorSetup(input: $input) { secret otpauthUrl qrCodeSvg }\n  }": types.StartTwoFactorSetupDocument,
    "\n  mutation EnableTwoFactor($input: EnableTwoFactorInput!) { enableTwoFactor(input: $input) { message recoveryCodes } }": types.EnableTwoFactorDocument,
    "\n  mutation DisableTwoFactor($input: TwoFactorProofInput!) { disableTwoFactor(input: $input) { message } }": types.DisableTwoFactorDocument,
    "\n  mutation RegenerateRecoveryCodes($input: TwoFactorProofInput!) { regenerateRecoveryCodes(input: $input) { message recoveryCodes } }": types.RegenerateRecoveryCodesDocument,
    "\n  query Passkeys { passkeys { id credentialId name createdAt lastUsedAt backupEligible backedUp } }": types.PasskeysDocument,
    "\n  mutation StartPasskeyRegistration($input: StartPasskeyRegistrationInput!) {\n    startPasskeyRegistration(input: $input) { challengeId options expiresAt }\n  }": types.StartPasskeyRegistrationDocument,
    "\n  mutation FinishPasskeyRegistration($input: FinishPasskeyRegistrationInput!) {\n    finishPasskeyRegistration(input: $input) { message passkey { id credentialId name createdAt lastUsedAt backupEligible backedUp } }\n  }": types.FinishPasskeyRegistrationDocument,
    "\n  mutation StartPasskeySignIn($input: StartPasskeySignInInput! = {}) {\n    startPasskeySignIn(input: $input) { challengeId options expiresAt }\n  }": types.StartPasskeySignInDocument,
    "\n  mutation FinishPasskeySignIn($input: FinishPasskeySignInInput!) {\n    finishPasskeySignIn(input: $input) { message user { id email } session { id } }\n  }": types.FinishPasskeySignInDocument,
    "\n  mutation RenamePasskey($input: RenamePasskeyInput!) { renamePasskey(input: $input) { message passkey { id name } } }": types.RenamePasskeyDocument,
    "\n  mutation RemovePasskey($input: RemovePasskeyInput!) { removePasskey(input: $input) { message } }": types.RemovePasskeyDocument,
    "\n  query PasskeyEvents($limit: Int) { securityEvents(limit: $limit) { kind passkeyName } }": types.PasskeyEventsDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignUp($input: SignUpInput!) {\n    signUp(input: $input) { message user { id username email createdAt } session { id createdAt expiresAt absoluteExpiresAt } }\n  }"): typeof import('./graphql.js').SignUpDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignIn($input: SignInInput!) {\n    signIn(input: $input) { message user { id username email } session { id expiresAt absoluteExpiresAt } }\n  }"): typeof import('./graphql.js').SignInDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Dashboard { dashboard { message user { id email username } session { id expiresAt absoluteExpiresAt } } }"): typeof import('./graphql.js').DashboardDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Me { me { id username email emailVerified } }"): typeof import('./graphql.js').MeDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Logout { logout { message } }"): typeof import('./graphql.js').LogoutDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SendMail($input: SendMailInput!) { sendMail(input: $input) { message } }"): typeof import('./graphql.js').SendMailDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ResetPassword($input: ResetPasswordInput!) { resetPassword(input: $input) { message } }"): typeof import('./graphql.js').ResetPasswordDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteUser($input: DeleteUserInput!) { deleteUser(input: $input) { message } }"): typeof import('./graphql.js').DeleteUserDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Sessions { sessions { id createdAt expiresAt absoluteExpiresAt current lastActiveAt userAgent ipAddress } }"): typeof import('./graphql.js').SessionsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SecurityEvents($limit: Int) { securityEvents(limit: $limit) { id kind createdAt ipAddress userAgent } }"): typeof import('./graphql.js').SecurityEventsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ChangePassword($input: ChangePasswordInput!) {\n    changePassword(input: $input) { message user { id email } session { id current expiresAt absoluteExpiresAt userAgent ipAddress } }\n  }"): typeof import('./graphql.js').ChangePasswordDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeSession($input: RevokeSessionInput!) { revokeSession(input: $input) { message } }"): typeof import('./graphql.js').RevokeSessionDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation RevokeOtherSessions { revokeOtherSessions { message } }"): typeof import('./graphql.js').RevokeOtherSessionsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation SendVerificationMail { sendVerificationMail { message } }"): typeof import('./graphql.js').SendVerificationMailDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation VerifyEmail($input: VerifyEmailInput!) { verifyEmail(input: $input) { message } }"): typeof import('./graphql.js').VerifyEmailDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ChangeEmail($input: ChangeEmailInput!) { changeEmail(input: $input) { message } }"): typeof import('./graphql.js').ChangeEmailDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConfirmEmailChange($input: ConfirmEmailChangeInput!) { confirmEmailChange(input: $input) { message } }"): typeof import('./graphql.js').ConfirmEmailChangeDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignInWithTwoFactor($input: SignInInput!) {\n    signIn(input: $input) { message user { id email twoFactorEnabled recoveryCodesLeft } session { id } }\n  }"): typeof import('./graphql.js').SignInWithTwoFactorDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query TwoFactorStatus { me { id twoFactorEnabled recoveryCodesLeft } }"): typeof import('./graphql.js').TwoFactorStatusDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StartTwoFactorSetup($input: StartTwoFactorSetupInput!) {\n    startTwoFactorSetup(input: $input) { secret otpauthUrl qrCodeSvg }\n  }"): typeof import('./graphql.js').StartTwoFactorSetupDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation EnableTwoFactor($input: EnableTwoFactorInput!) { enableTwoFactor(input: $input) { message recoveryCodes } }"): typeof import('./graphql.js').EnableTwoFactorDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DisableTwoFactor($input: TwoFactorProofInput!) { disableTwoFactor(input: $input) { message } }"): typeof import('./graphql.js').DisableTwoFactorDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RegenerateRecoveryCodes($input: TwoFactorProofInput!) { regenerateRecoveryCodes(input: $input) { message recoveryCodes } }"): typeof import('./graphql.js').RegenerateRecoveryCodesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Passkeys { passkeys { id credentialId name createdAt lastUsedAt backupEligible backedUp } }"): typeof import('./graphql.js').PasskeysDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StartPasskeyRegistration($input: StartPasskeyRegistrationInput!) {\n    startPasskeyRegistration(input: $input) { challengeId options expiresAt }\n  }"): typeof import('./graphql.js').StartPasskeyRegistrationDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation FinishPasskeyRegistration($input: FinishPasskeyRegistrationInput!) {\n    finishPasskeyRegistration(input: $input) { message passkey { id credentialId name createdAt lastUsedAt backupEligible backedUp } }\n  }"): typeof import('./graphql.js').FinishPasskeyRegistrationDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StartPasskeySignIn($input: StartPasskeySignInInput! = {}) {\n    startPasskeySignIn(input: $input) { challengeId options expiresAt }\n  }"): typeof import('./graphql.js').StartPasskeySignInDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation FinishPasskeySignIn($input: FinishPasskeySignInInput!) {\n    finishPasskeySignIn(input: $input) { message user { id email } session { id } }\n  }"): typeof import('./graphql.js').FinishPasskeySignInDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RenamePasskey($input: RenamePasskeyInput!) { renamePasskey(input: $input) { message passkey { id name } } }"): typeof import('./graphql.js').RenamePasskeyDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RemovePasskey($input: RemovePasskeyInput!) { removePasskey(input: $input) { message } }"): typeof import('./graphql.js').RemovePasskeyDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PasskeyEvents($limit: Int) { securityEvents(limit: $limit) { kind passkeyName } }"): typeof import('./graphql.js').PasskeyEventsDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
