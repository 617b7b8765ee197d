// The operations the tests send, written once.
export const SIGN_UP = /* GraphQL */ `
  mutation SignUp($input: SignUpInput!) {
    signUp(input: $input) { message user { id username email createdAt } session { id createdAt expiresAt absoluteExpiresAt } }
  }`;

export const SIGN_IN = /* GraphQL */ `
  mutation SignIn($input: SignInInput!) {
    signIn(input: $input) { message user { id username email } session { id expiresAt absoluteExpiresAt } }
  }`;

export const DASHBOARD = /* GraphQL */ `
  query Dashboard { dashboard { message user { id email username } session { id expiresAt absoluteExpiresAt } } }`;

export const ME = /* GraphQL */ `query Me { me { id username email } }`;

export const LOGOUT = /* GraphQL */ `mutation Logout { logout { message } }`;

export const SEND_MAIL = /* GraphQL */ `
  mutation SendMail($input: SendMailInput!) { sendMail(input: $input) { message } }`;

export const RESET_PASSWORD = /* GraphQL */ `
  mutation ResetPassword($input: ResetPasswordInput!) { resetPassword(input: $input) { message } }`;

export const DELETE_USER = /* GraphQL */ `
  mutation DeleteUser($input: DeleteUserInput!) { deleteUser(input: $input) { message } }`;

/** A password that passes the policy (long, not common). */
export const GOOD_PASSWORD = 'violet-harbor-cactus-42';

let counter = 0;
/** A unique, valid email per call. */
export function uniqueEmail(prefix = 'user'): string {
  counter += 1;
  return `${prefix}${counter}.${process.pid}.${Date.now()}@example.com`;
}
