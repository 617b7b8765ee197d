// urql (@urql/core 6) against the Auth API, the way that stays correct across sign-in and logout.
import { cacheExchange, Client, type CombinedError, fetchExchange } from '@urql/core';
import {
  DashboardDocument,
  LogoutDocument,
  ResetPasswordDocument,
  SendMailDocument,
  SignInDocument,
  SignUpDocument,
} from '../shared/operations.ts';
import { apiError, type AuthClient } from '../shared/auth-client.ts';

export function createUrqlAuthClient(url: string): AuthClient {
  // Queries go as GET (urql's default for URLs that fit), mutations as POST; both carry the cookie.
  const newClient = () => new Client({ url, fetchOptions: { credentials: 'include' }, exchanges: [cacheExchange, fetchExchange] });
  let client = newClient();
  /**
   * urql's document cache drops a query's answer only when a mutation returns a type it contains,
   * and logout returns a MessagePayload: the old dashboard would stay. A new client per session
   * forgets everything the previous user saw.
   */
  const sessionChanged = () => {
    client = newClient();
  };

  function unwrap<T>(result: { data?: T | undefined; error?: CombinedError | undefined }): T {
    if (result.error || !result.data) throw apiError(result.error?.graphQLErrors, result.error?.networkError ?? result.error);
    return result.data;
  }

  return {
    async signUp(input) {
      const { signUp } = unwrap(await client.mutation(SignUpDocument, { input }).toPromise());
      sessionChanged();
      return `${signUp.message} Signed in as ${signUp.user.username}.`;
    },
    async signIn(input) {
      const { signIn } = unwrap(await client.mutation(SignInDocument, { input }).toPromise());
      sessionChanged();
      return `${signIn.message} Signed in as ${signIn.user.username}.`;
    },
    async dashboard() {
      // network-only: every dashboard read refreshes the session, and must show the current one.
      return unwrap(await client.query(DashboardDocument, {}, { requestPolicy: 'network-only' }).toPromise()).dashboard;
    },
    async logout() {
      const { logout } = unwrap(await client.mutation(LogoutDocument, {}).toPromise());
      sessionChanged();
      return logout.message;
    },
    async sendMail(email) {
      return unwrap(await client.mutation(SendMailDocument, { input: { email } }).toPromise()).sendMail.message;
    },
    async resetPassword(input) {
      const { resetPassword } = unwrap(await client.mutation(ResetPasswordDocument, { input }).toPromise());
      sessionChanged();
      return resetPassword.message;
    },
  };
}
