/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type DeleteUserInput = {
  email: string;
  password: string;
};

/** Proves the authenticator app holds the pending secret. */
export type EnableTwoFactorInput = {
  /** The 6-digit code the authenticator app shows for the pending secret. Spaces, dashes and case are ignored; at most 64 characters. */
  code: string;
};

export type ResetPasswordInput = {
  code: string;
  email: string;
  newPassword: string;
};

export type SendMailInput = {
  email: string;
};

export type SignInInput = {
  /** For an account with two-factor on, sent again after SECOND_FACTOR_REQUIRED: the 6-digit code the authenticator app shows now, or an unused recovery code (xxxxx-xxxxx). Spaces, dashes and case are ignored; at most 64 characters. Ignored for accounts without two-factor. */
  code?: string | null | undefined;
  email: string;
  password: string;
};

export type SignUpInput = {
  email: string;
  password: string;
  username: string;
};

/** The password again, so a session left open cannot set up a second factor. */
export type StartTwoFactorSetupInput = {
  /** The account's current password. */
  password: string;
};

/** Both factors, for changes to two-factor itself. */
export type TwoFactorProofInput = {
  /** A current 6-digit authenticator code or an unused recovery code. Spaces, dashes and case are ignored; at most 64 characters. */
  code: string;
  /** The account's current password. */
  password: string;
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


export type MeQuery = { me: { id: string, username: string, email: string } | null };

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