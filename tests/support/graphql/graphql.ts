/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** Confirms the deletion: the signed-in account's own email and its current password. */
export type DeleteUserInput = {
  /** Email address: trimmed and compared case-insensitively (" Abc@example.com" and "abc@example.com" are one account); at most 254 characters; must look like an address (local@domain). Otherwise BAD_USER_INPUT naming the field. Must be the signed-in account's own (FORBIDDEN otherwise). */
  email: string;
  /** The account's current password, exactly as set (not trimmed). At most 256 characters. A wrong one answers INVALID_CREDENTIALS. */
  password: string;
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

/** Where to send a reset code. */
export type SendMailInput = {
  /** Email address: trimmed and compared case-insensitively (" Abc@example.com" and "abc@example.com" are one account); at most 254 characters; must look like an address (local@domain). Otherwise BAD_USER_INPUT naming the field. */
  email: string;
};

/** Credentials. An unknown email and a wrong password both answer INVALID_CREDENTIALS. */
export type SignInInput = {
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