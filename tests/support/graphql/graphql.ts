/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** The address to move the account to, and the password that proves it is the owner asking. */
export type ChangeEmailInput = {
  /** Trimmed and lower-cased, at most 254 characters, must look like an address; EMAIL_TAKEN if an account has it. */
  newEmail: string;
  /** The account's current password (INVALID_CREDENTIALS if wrong; BAD_USER_INPUT if left out by an account that has one). An account without a password (User.hasPassword false) leaves it out and must ask from a session started at most REAUTH_MAX_AGE_SECONDS (300) ago, by any sign-in: REAUTHENTICATION_REQUIRED (extensions.maxAge) otherwise. */
  password?: string | null | undefined;
};

/** The password in use now, and the one to use from now on. */
export type ChangePasswordInput = {
  /** The account's current password (INVALID_CREDENTIALS if wrong; BAD_USER_INPUT if left out by an account that has one). An account without a password (User.hasPassword false) leaves it out and must ask from a session started at most REAUTH_MAX_AGE_SECONDS (300) ago, by any sign-in: REAUTHENTICATION_REQUIRED (extensions.maxAge) otherwise. Without one, the account sets its first password. */
  currentPassword?: string | null | undefined;
  /** The signUp policy: at least 8 characters (PASSWORD_MIN_LENGTH), at most 256, counted in code points; common or easily guessed passwords are refused with the reason. */
  newPassword: string;
};

/** The code changeEmail mailed to the new address. */
export type ConfirmEmailChangeInput = {
  /** The 6-digit code from the mail (RESET_CODE_DIGITS): single-use, dead after 5 wrong tries, valid VERIFY_CODE_TTL_SECONDS (an hour by default). Mailed to the new address. */
  code: string;
};

/** Confirms the deletion: the signed-in account's own email and its current password. */
export type DeleteUserInput = {
  /** Email address: trimmed and compared case-insensitively (" Abc@example.com" and "abc@example.com" are one account); at most 254 characters; must look like an address (local@domain). Otherwise BAD_USER_INPUT naming the field. Must be the signed-in account's own (FORBIDDEN otherwise). */
  email: string;
  /** The account's current password (INVALID_CREDENTIALS if wrong; BAD_USER_INPUT if left out by an account that has one). An account without a password (User.hasPassword false) leaves it out and must ask from a session started at most REAUTH_MAX_AGE_SECONDS (300) ago, by any sign-in: REAUTHENTICATION_REQUIRED (extensions.maxAge) otherwise. */
  password?: string | null | undefined;
};

/** Proves the authenticator app holds the pending secret. */
export type EnableTwoFactorInput = {
  /** The 6-digit code the authenticator app shows for the pending secret. Spaces, dashes and case are ignored; at most 64 characters. */
  code: string;
};

/** The authenticator's answer to startPasskeyRegistration's options. */
export type FinishPasskeyRegistrationInput = {
  /** The challengeId the start… answered. */
  challengeId: string | number;
  /** What to call it, e.g. "Work laptop". Trimmed; at most 64 characters. Blank or absent: "Passkey <n>". */
  name?: string | null | undefined;
  /** credential.toJSON() of what navigator.credentials.create() or get() returned (or the same JSON from a platform passkey API), as an object or a string holding one. */
  response: unknown;
};

/** The authenticator's answer to startPasskeySignIn's options. */
export type FinishPasskeySignInInput = {
  /** The challengeId the start… answered. */
  challengeId: string | number;
  /** credential.toJSON() of what navigator.credentials.create() or get() returned (or the same JSON from a platform passkey API), as an object or a string holding one. */
  response: unknown;
};

/** Which passkey, and the password to prove it is you. */
export type RemovePasskeyInput = {
  /** Passkey.id. */
  id: string | number;
  /** The account's current password (INVALID_CREDENTIALS if wrong; BAD_USER_INPUT if left out by an account that has one). An account without a password (User.hasPassword false) leaves it out and must ask from a session started at most REAUTH_MAX_AGE_SECONDS (300) ago, by any sign-in: REAUTHENTICATION_REQUIRED (extensions.maxAge) otherwise. */
  password?: string | null | undefined;
};

/** A new name for one of your passkeys. */
export type RenamePasskeyInput = {
  /** Passkey.id. */
  id: string | number;
  /** Trimmed; at most 64 characters. Blank: BAD_USER_INPUT. */
  name: string;
};

/** A mailed reset code and the password to set with it. */
export type ResetPasswordInput = {
  /** The one-time code from the mail: 6 digits by default (RESET_CODE_DIGITS, 6 to 10), valid 10 minutes, single-use, dead after 5 wrong tries. A wrong, used or expired code answers INVALID_CODE. */
  code: string;
  /** Email address: trimmed and compared case-insensitively (" Abc@example.com" and "abc@example.com" are one account); at most 254 characters; must look like an address (local@domain). Otherwise BAD_USER_INPUT naming the field. The address the code was sent to. */
  email: string;
  /** New password: 8 (PASSWORD_MIN_LENGTH, default) to 256 characters, counted in Unicode code points after NFC normalisation; never trimmed, truncated or case-folded; no composition rules, but very common or easily guessed passwords are refused (BAD_USER_INPUT with the reason). No control characters. */
  newPassword: string;
};

/** Which of your sessions to end. */
export type RevokeSessionInput = {
  /** The `id` of one of your own sessions, as `sessions` lists it. */
  id: string | number;
};

/** What happened to the account. */
export type SecurityEventKind =
  /** Support created the account, without a password (byOperator). */
  | 'ACCOUNT_CREATED'
  /** Support disabled the account: sign-in refused and every session ended (byOperator). */
  | 'ACCOUNT_DISABLED'
  /** Support enabled the account again (byOperator). */
  | 'ACCOUNT_ENABLED'
  /** The account was imported from another system (byOperator). */
  | 'ACCOUNT_IMPORTED'
  /** The address was changed (confirmEmailChange). */
  | 'EMAIL_CHANGED'
  /** A code was mailed to a new address (changeEmail). */
  | 'EMAIL_CHANGE_REQUESTED'
  /** The address was proved with a mailed code. */
  | 'EMAIL_VERIFIED'
  /** An identity provider account was linked: it can now sign in (provider). */
  | 'IDENTITY_LINKED'
  /** An identity provider account was unlinked; the sessions it signed in were ended (provider). */
  | 'IDENTITY_UNLINKED'
  /** A session was ended by logout. */
  | 'LOGOUT'
  /** A passkey was registered (passkeyName). */
  | 'PASSKEY_ADDED'
  /** A passkey presented a signature counter not above the stored one: it may have been copied. A device-bound passkey is refused; a synced one is let in (passkeyName). */
  | 'PASSKEY_COUNTER_MISMATCH'
  /** A passkey was removed, and the sessions it signed in were ended (passkeyName). */
  | 'PASSKEY_REMOVED'
  /** The password was changed while signed in. */
  | 'PASSWORD_CHANGED'
  /** Support made the password stop working and ended every session; a mailed code sets a new one (byOperator). */
  | 'PASSWORD_INVALIDATED'
  /** The password was set with a reset code. */
  | 'PASSWORD_RESET'
  /** A reset code was mailed to the address (sendMail). */
  | 'PASSWORD_RESET_REQUESTED'
  /** The recovery codes were replaced. */
  | 'RECOVERY_CODES_REGENERATED'
  /** A recovery code was used to sign in. */
  | 'RECOVERY_CODE_USED'
  /** A right password with a wrong two-factor code, or a passkey that failed as the second factor (passkeyName, when it is one of the account's). */
  | 'SECOND_FACTOR_FAILED'
  /** One or more sessions were ended from another session (revokeSession, revokeOtherSessions). */
  | 'SESSION_REVOKED'
  /** A successful sign-in (passkeyName: the passkey it was made with, if one). */
  | 'SIGN_IN'
  /** A sign-in with this account's email and a wrong password, or with one of its passkeys that was refused after its signature verified (passkeyName). */
  | 'SIGN_IN_FAILED'
  /** The account was created. */
  | 'SIGN_UP'
  /** Two-factor sign-in was turned off. */
  | 'TWO_FACTOR_DISABLED'
  /** Two-factor sign-in was turned on. */
  | 'TWO_FACTOR_ENABLED';

/** Where to send a reset code. */
export type SendMailInput = {
  /** Email address: trimmed and compared case-insensitively (" Abc@example.com" and "abc@example.com" are one account); at most 254 characters; must look like an address (local@domain). Otherwise BAD_USER_INPUT naming the field. */
  email: string;
};

/** Credentials. An unknown email and a wrong password both answer INVALID_CREDENTIALS. */
export type SignInInput = {
  /** For an account with two-factor on, sent again after SECOND_FACTOR_REQUIRED: the 6-digit code the authenticator app shows now, or an unused recovery code (xxxxx-xxxxx). Spaces, dashes and case are ignored; at most 64 characters. Ignored for accounts without two-factor. */
  code?: string | null | undefined;
  /** Email address: trimmed and compared case-insensitively (" Abc@example.com" and "abc@example.com" are one account); at most 254 characters; must look like an address (local@domain). Otherwise BAD_USER_INPUT naming the field. */
  email: string;
  /** The account's current password, exactly as set (not trimmed). At most 256 characters. */
  password: string;
};

/** A new account. EMAIL_TAKEN if the address already has one. */
export type SignUpInput = {
  /** Email address: trimmed and compared case-insensitively (" Abc@example.com" and "abc@example.com" are one account); at most 254 characters; must look like an address (local@domain). Otherwise BAD_USER_INPUT naming the field. */
  email: string;
  /** New password: 8 (PASSWORD_MIN_LENGTH, default) to 256 characters, counted in Unicode code points after NFC normalisation; never trimmed, truncated or case-folded; no composition rules, but very common or easily guessed passwords are refused (BAD_USER_INPUT with the reason). No control characters. */
  password: string;
  /** Display name: trimmed, 1 to 64 characters, not unique. No control characters. */
  username: string;
};

/** Proof that the person at the session is its owner. */
export type StartPasskeyRegistrationInput = {
  /** With two-factor on: an authenticator or recovery code (SECOND_FACTOR_REQUIRED without it, INVALID_CODE when wrong). */
  code?: string | null | undefined;
  /** The account's current password (INVALID_CREDENTIALS if wrong; BAD_USER_INPUT if left out by an account that has one). An account without a password (User.hasPassword false) leaves it out and must ask from a session started at most REAUTH_MAX_AGE_SECONDS (300) ago, by any sign-in: REAUTHENTICATION_REQUIRED (extensions.maxAge) otherwise. */
  password?: string | null | undefined;
};

/** Nothing: usernameless (the device offers its passkeys for this site). `email`: the passkeys of that account are listed (an unknown email gets made-up ones: the answer does not tell). `email` and `password`: a passkey as the second factor. */
export type StartPasskeySignInInput = {
  /** Email address: trimmed and compared case-insensitively (" Abc@example.com" and "abc@example.com" are one account); at most 254 characters; must look like an address (local@domain). Otherwise BAD_USER_INPUT naming the field. */
  email?: string | null | undefined;
  /** The account's current password, exactly as set (not trimmed). At most 256 characters. Checked as signIn checks it (errors, limits); with it the passkey is the second factor and user verification is not asked. */
  password?: string | null | undefined;
};

/** The password again, so a session left open cannot set up a second factor. */
export type StartTwoFactorSetupInput = {
  /** The account's current password (INVALID_CREDENTIALS if wrong; BAD_USER_INPUT if left out by an account that has one). An account without a password (User.hasPassword false) leaves it out and must ask from a session started at most REAUTH_MAX_AGE_SECONDS (300) ago, by any sign-in: REAUTHENTICATION_REQUIRED (extensions.maxAge) otherwise. */
  password?: string | null | undefined;
};

/** Both factors, for changes to two-factor itself. */
export type TwoFactorProofInput = {
  /** A current 6-digit authenticator code or an unused recovery code. Spaces, dashes and case are ignored; at most 64 characters. */
  code: string;
  /** The account's current password (INVALID_CREDENTIALS if wrong; BAD_USER_INPUT if left out by an account that has one). An account without a password (User.hasPassword false) leaves it out and must ask from a session started at most REAUTH_MAX_AGE_SECONDS (300) ago, by any sign-in: REAUTHENTICATION_REQUIRED (extensions.maxAge) otherwise. */
  password?: string | null | undefined;
};

/** The code mailed to the account's address by signUp or sendVerificationMail. */
export type VerifyEmailInput = {
  /** The 6-digit code from the mail (RESET_CODE_DIGITS): single-use, dead after 5 wrong tries, valid VERIFY_CODE_TTL_SECONDS (an hour by default). */
  code: string;
};

export type SignUpMutationVariables = Exact<{
  input: SignUpInput;
}>;


export type SignUpMutation = { signUp: { message: string, user: { id: string, username: string, email: string, createdAt: string }, session: { id: string, createdAt: string, expiresAt: string, absoluteExpiresAt: string } } };

export type SignInMutationVariables = Exact<{
  input: SignInInput;
}>;


export type SignInMutation = { signIn: { message: string, user: { id: string, username: string, email: string }, session: { id: string, expiresAt: string, absoluteExpiresAt: string } } };

export type DashboardQueryVariables = Exact<{ [key: string]: never; }>;


export type DashboardQuery = { dashboard: { message: string, user: { id: string, email: string, username: string }, session: { id: string, expiresAt: string, absoluteExpiresAt: string } } };

export type MeQueryVariables = Exact<{ [key: string]: never; }>;


export type MeQuery = { me: { id: string, username: string, email: string, emailVerified: boolean } | null };

export type LogoutMutationVariables = Exact<{ [key: string]: never; }>;


export type LogoutMutation = { logout: { message: string } };

export type SendMailMutationVariables = Exact<{
  input: SendMailInput;
}>;


export type SendMailMutation = { sendMail: { message: string } };

export type ResetPasswordMutationVariables = Exact<{
  input: ResetPasswordInput;
}>;


export type ResetPasswordMutation = { resetPassword: { message: string } };

export type DeleteUserMutationVariables = Exact<{
  input: DeleteUserInput;
}>;


export type DeleteUserMutation = { deleteUser: { message: string } };

export type SessionsQueryVariables = Exact<{ [key: string]: never; }>;


export type SessionsQuery = { sessions: Array<{ id: string, createdAt: string, expiresAt: string, absoluteExpiresAt: string, current: boolean, lastActiveAt: string, userAgent: string | null, ipAddress: string | null }> };

export type SecurityEventsQueryVariables = Exact<{
  limit?: number | null | undefined;
}>;


export type SecurityEventsQuery = { securityEvents: Array<{ id: string, kind: SecurityEventKind, createdAt: string, ipAddress: string | null, userAgent: string | null }> };

export type ChangePasswordMutationVariables = Exact<{
  input: ChangePasswordInput;
}>;


export type ChangePasswordMutation = { changePassword: { message: string, user: { id: string, email: string }, session: { id: string, current: boolean, expiresAt: string, absoluteExpiresAt: string, userAgent: string | null, ipAddress: string | null } } };

export type RevokeSessionMutationVariables = Exact<{
  input: RevokeSessionInput;
}>;


export type RevokeSessionMutation = { revokeSession: { message: string } };

export type RevokeOtherSessionsMutationVariables = Exact<{ [key: string]: never; }>;


export type RevokeOtherSessionsMutation = { revokeOtherSessions: { message: string } };

export type SendVerificationMailMutationVariables = Exact<{ [key: string]: never; }>;


export type SendVerificationMailMutation = { sendVerificationMail: { message: string } };

export type VerifyEmailMutationVariables = Exact<{
  input: VerifyEmailInput;
}>;


export type VerifyEmailMutation = { verifyEmail: { message: string } };

export type ChangeEmailMutationVariables = Exact<{
  input: ChangeEmailInput;
}>;


export type ChangeEmailMutation = { changeEmail: { message: string } };

export type ConfirmEmailChangeMutationVariables = Exact<{
  input: ConfirmEmailChangeInput;
}>;


export type ConfirmEmailChangeMutation = { confirmEmailChange: { message: string } };

export type SignInWithTwoFactorMutationVariables = Exact<{
  input: SignInInput;
}>;


export type SignInWithTwoFactorMutation = { signIn: { message: string, user: { id: string, email: string, twoFactorEnabled: boolean, recoveryCodesLeft: number }, session: { id: string } } };

export type TwoFactorStatusQueryVariables = Exact<{ [key: string]: never; }>;


export type TwoFactorStatusQuery = { me: { id: string, twoFactorEnabled: boolean, recoveryCodesLeft: number } | null };

export type StartTwoFactorSetupMutationVariables = Exact<{
  input: StartTwoFactorSetupInput;
}>;


export type StartTwoFactorSetupMutation = { startTwoFactorSetup: { secret: string, otpauthUrl: string, qrCodeSvg: string } };

export type EnableTwoFactorMutationVariables = Exact<{
  input: EnableTwoFactorInput;
}>;


export type EnableTwoFactorMutation = { enableTwoFactor: { message: string, recoveryCodes: Array<string> } };

export type DisableTwoFactorMutationVariables = Exact<{
  input: TwoFactorProofInput;
}>;


export type DisableTwoFactorMutation = { disableTwoFactor: { message: string } };

export type RegenerateRecoveryCodesMutationVariables = Exact<{
  input: TwoFactorProofInput;
}>;


export type RegenerateRecoveryCodesMutation = { regenerateRecoveryCodes: { message: string, recoveryCodes: Array<string> } };

export type PasskeysQueryVariables = Exact<{ [key: string]: never; }>;


export type PasskeysQuery = { passkeys: Array<{ id: string, credentialId: string, name: string, createdAt: string, lastUsedAt: string | null, backupEligible: boolean, backedUp: boolean }> };

export type StartPasskeyRegistrationMutationVariables = Exact<{
  input: StartPasskeyRegistrationInput;
}>;


export type StartPasskeyRegistrationMutation = { startPasskeyRegistration: { challengeId: string, options: unknown, expiresAt: string } };

export type FinishPasskeyRegistrationMutationVariables = Exact<{
  input: FinishPasskeyRegistrationInput;
}>;


export type FinishPasskeyRegistrationMutation = { finishPasskeyRegistration: { message: string, passkey: { id: string, credentialId: string, name: string, createdAt: string, lastUsedAt: string | null, backupEligible: boolean, backedUp: boolean } } };

export type StartPasskeySignInMutationVariables = Exact<{
  input?: StartPasskeySignInInput;
}>;


export type StartPasskeySignInMutation = { startPasskeySignIn: { challengeId: string, options: unknown, expiresAt: string } };

export type FinishPasskeySignInMutationVariables = Exact<{
  input: FinishPasskeySignInInput;
}>;


export type FinishPasskeySignInMutation = { finishPasskeySignIn: { message: string, user: { id: string, email: string }, session: { id: string } } };

export type RenamePasskeyMutationVariables = Exact<{
  input: RenamePasskeyInput;
}>;


export type RenamePasskeyMutation = { renamePasskey: { message: string, passkey: { id: string, name: string } } };

export type RemovePasskeyMutationVariables = Exact<{
  input: RemovePasskeyInput;
}>;


export type RemovePasskeyMutation = { removePasskey: { message: string } };

export type PasskeyEventsQueryVariables = Exact<{
  limit?: number | null | undefined;
}>;


export type PasskeyEventsQuery = { securityEvents: Array<{ kind: SecurityEventKind, passkeyName: string | null }> };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}

export const SignUpDocument = new TypedDocumentString(`
    mutation SignUp($input: SignUpInput!) {
  signUp(input: $input) {
    message
    user {
      id
      username
      email
      createdAt
    }
    session {
      id
      createdAt
      expiresAt
      absoluteExpiresAt
    }
  }
}
    `) as unknown as TypedDocumentString<SignUpMutation, SignUpMutationVariables>;
export const SignInDocument = new TypedDocumentString(`
    mutation SignIn($input: SignInInput!) {
  signIn(input: $input) {
    message
    user {
      id
      username
      email
    }
    session {
      id
      expiresAt
      absoluteExpiresAt
    }
  }
}
    `) as unknown as TypedDocumentString<SignInMutation, SignInMutationVariables>;
export const DashboardDocument = new TypedDocumentString(`
    query Dashboard {
  dashboard {
    message
    user {
      id
      email
      username
    }
    session {
      id
      expiresAt
      absoluteExpiresAt
    }
  }
}
    `) as unknown as TypedDocumentString<DashboardQuery, DashboardQueryVariables>;
export const MeDocument = new TypedDocumentString(`
    query Me {
  me {
    id
    username
    email
    emailVerified
  }
}
    `) as unknown as TypedDocumentString<MeQuery, MeQueryVariables>;
export const LogoutDocument = new TypedDocumentString(`
    mutation Logout {
  logout {
    message
  }
}
    `) as unknown as TypedDocumentString<LogoutMutation, LogoutMutationVariables>;
export const SendMailDocument = new TypedDocumentString(`
    mutation SendMail($input: SendMailInput!) {
  sendMail(input: $input) {
    message
  }
}
    `) as unknown as TypedDocumentString<SendMailMutation, SendMailMutationVariables>;
export const ResetPasswordDocument = new TypedDocumentString(`
    mutation ResetPassword($input: ResetPasswordInput!) {
  resetPassword(input: $input) {
    message
  }
}
    `) as unknown as TypedDocumentString<ResetPasswordMutation, ResetPasswordMutationVariables>;
export const DeleteUserDocument = new TypedDocumentString(`
    mutation DeleteUser($input: DeleteUserInput!) {
  deleteUser(input: $input) {
    message
  }
}
    `) as unknown as TypedDocumentString<DeleteUserMutation, DeleteUserMutationVariables>;
export const SessionsDocument = new TypedDocumentString(`
    query Sessions {
  sessions {
    id
    createdAt
    expiresAt
    absoluteExpiresAt
    current
    lastActiveAt
    userAgent
    ipAddress
  }
}
    `) as unknown as TypedDocumentString<SessionsQuery, SessionsQueryVariables>;
export const SecurityEventsDocument = new TypedDocumentString(`
    query SecurityEvents($limit: Int) {
  securityEvents(limit: $limit) {
    id
    kind
    createdAt
    ipAddress
    userAgent
  }
}
    `) as unknown as TypedDocumentString<SecurityEventsQuery, SecurityEventsQueryVariables>;
export const ChangePasswordDocument = new TypedDocumentString(`
    mutation ChangePassword($input: ChangePasswordInput!) {
  changePassword(input: $input) {
    message
    user {
      id
      email
    }
    session {
      id
      current
      expiresAt
      absoluteExpiresAt
      userAgent
      ipAddress
    }
  }
}
    `) as unknown as TypedDocumentString<ChangePasswordMutation, ChangePasswordMutationVariables>;
export const RevokeSessionDocument = new TypedDocumentString(`
    mutation RevokeSession($input: RevokeSessionInput!) {
  revokeSession(input: $input) {
    message
  }
}
    `) as unknown as TypedDocumentString<RevokeSessionMutation, RevokeSessionMutationVariables>;
export const RevokeOtherSessionsDocument = new TypedDocumentString(`
    mutation RevokeOtherSessions {
  revokeOtherSessions {
    message
  }
}
    `) as unknown as TypedDocumentString<RevokeOtherSessionsMutation, RevokeOtherSessionsMutationVariables>;
export const SendVerificationMailDocument = new TypedDocumentString(`
    mutation SendVerificationMail {
  sendVerificationMail {
    message
  }
}
    `) as unknown as TypedDocumentString<SendVerificationMailMutation, SendVerificationMailMutationVariables>;
export const VerifyEmailDocument = new TypedDocumentString(`
    mutation VerifyEmail($input: VerifyEmailInput!) {
  verifyEmail(input: $input) {
    message
  }
}
    `) as unknown as TypedDocumentString<VerifyEmailMutation, VerifyEmailMutationVariables>;
export const ChangeEmailDocument = new TypedDocumentString(`
    mutation ChangeEmail($input: ChangeEmailInput!) {
  changeEmail(input: $input) {
    message
  }
}
    `) as unknown as TypedDocumentString<ChangeEmailMutation, ChangeEmailMutationVariables>;
export const ConfirmEmailChangeDocument = new TypedDocumentString(`
    mutation ConfirmEmailChange($input: ConfirmEmailChangeInput!) {
  confirmEmailChange(input: $input) {
    message
  }
}
    `) as unknown as TypedDocumentString<ConfirmEmailChangeMutation, ConfirmEmailChangeMutationVariables>;
export const SignInWithTwoFactorDocument = new TypedDocumentString(`
    mutation SignInWithTwoFactor($input: SignInInput!) {
  signIn(input: $input) {
    message
    user {
      id
      email
      twoFactorEnabled
      recoveryCodesLeft
    }
    session {
      id
    }
  }
}
    `) as unknown as TypedDocumentString<SignInWithTwoFactorMutation, SignInWithTwoFactorMutationVariables>;
export const TwoFactorStatusDocument = new TypedDocumentString(`
    query TwoFactorStatus {
  me {
    id
    twoFactorEnabled
    recoveryCodesLeft
  }
}
    `) as unknown as TypedDocumentString<TwoFactorStatusQuery, TwoFactorStatusQueryVariables>;
export const StartTwoFactorSetupDocument = new TypedDocumentString(`
    mutation StartTwoFactorSetup($input: StartTwoFactorSetupInput!) {
  startTwoFactorSetup(input: $input) {
    secret
    otpauthUrl
    qrCodeSvg
  }
}
    `) as unknown as TypedDocumentString<StartTwoFactorSetupMutation, StartTwoFactorSetupMutationVariables>;
export const EnableTwoFactorDocument = new TypedDocumentString(`
    mutation EnableTwoFactor($input: EnableTwoFactorInput!) {
  enableTwoFactor(input: $input) {
    message
    recoveryCodes
  }
}
    `) as unknown as TypedDocumentString<EnableTwoFactorMutation, EnableTwoFactorMutationVariables>;
export const DisableTwoFactorDocument = new TypedDocumentString(`
    mutation DisableTwoFactor($input: TwoFactorProofInput!) {
  disableTwoFactor(input: $input) {
    message
  }
}
    `) as unknown as TypedDocumentString<DisableTwoFactorMutation, DisableTwoFactorMutationVariables>;
export const RegenerateRecoveryCodesDocument = new TypedDocumentString(`
    mutation RegenerateRecoveryCodes($input: TwoFactorProofInput!) {
  regenerateRecoveryCodes(input: $input) {
    message
    recoveryCodes
  }
}
    `) as unknown as TypedDocumentString<RegenerateRecoveryCodesMutation, RegenerateRecoveryCodesMutationVariables>;
export const PasskeysDocument = new TypedDocumentString(`
    query Passkeys {
  passkeys {
    id
    credentialId
    name
    createdAt
    lastUsedAt
    backupEligible
    backedUp
  }
}
    `) as unknown as TypedDocumentString<PasskeysQuery, PasskeysQueryVariables>;
export const StartPasskeyRegistrationDocument = new TypedDocumentString(`
    mutation StartPasskeyRegistration($input: StartPasskeyRegistrationInput!) {
  startPasskeyRegistration(input: $input) {
    challengeId
    options
    expiresAt
  }
}
    `) as unknown as TypedDocumentString<StartPasskeyRegistrationMutation, StartPasskeyRegistrationMutationVariables>;
export const FinishPasskeyRegistrationDocument = new TypedDocumentString(`
    mutation FinishPasskeyRegistration($input: FinishPasskeyRegistrationInput!) {
  finishPasskeyRegistration(input: $input) {
    message
    passkey {
      id
      credentialId
      name
      createdAt
      lastUsedAt
      backupEligible
      backedUp
    }
  }
}
    `) as unknown as TypedDocumentString<FinishPasskeyRegistrationMutation, FinishPasskeyRegistrationMutationVariables>;
export const StartPasskeySignInDocument = new TypedDocumentString(`
    mutation StartPasskeySignIn($input: StartPasskeySignInInput! = {}) {
  startPasskeySignIn(input: $input) {
    challengeId
    options
    expiresAt
  }
}
    `) as unknown as TypedDocumentString<StartPasskeySignInMutation, StartPasskeySignInMutationVariables>;
export const FinishPasskeySignInDocument = new TypedDocumentString(`
    mutation FinishPasskeySignIn($input: FinishPasskeySignInInput!) {
  finishPasskeySignIn(input: $input) {
    message
    user {
      id
      email
    }
    session {
      id
    }
  }
}
    `) as unknown as TypedDocumentString<FinishPasskeySignInMutation, FinishPasskeySignInMutationVariables>;
export const RenamePasskeyDocument = new TypedDocumentString(`
    mutation RenamePasskey($input: RenamePasskeyInput!) {
  renamePasskey(input: $input) {
    message
    passkey {
      id
      name
    }
  }
}
    `) as unknown as TypedDocumentString<RenamePasskeyMutation, RenamePasskeyMutationVariables>;
export const RemovePasskeyDocument = new TypedDocumentString(`
    mutation RemovePasskey($input: RemovePasskeyInput!) {
  removePasskey(input: $input) {
    message
  }
}
    `) as unknown as TypedDocumentString<RemovePasskeyMutation, RemovePasskeyMutationVariables>;
export const PasskeyEventsDocument = new TypedDocumentString(`
    query PasskeyEvents($limit: Int) {
  securityEvents(limit: $limit) {
    kind
    passkeyName
  }
}
    `) as unknown as TypedDocumentString<PasskeyEventsQuery, PasskeyEventsQueryVariables>;