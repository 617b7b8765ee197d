// Apollo Client 4 against the Auth API, the way that stays correct across sign-in and logout.
import { ApolloClient, CombinedGraphQLErrors, HttpLink, InMemoryCache } from '@apollo/client';
import {
  DashboardDocument,
  LogoutDocument,
  ResetPasswordDocument,
  SendMailDocument,
  SignInDocument,
  SignUpDocument,
} from '../shared/operations.ts';
import { apiError, type AuthClient } from '../shared/auth-client.ts';

export function createApolloAuthClient(uri: string): AuthClient {
  const client = new ApolloClient({
    // The session is an HttpOnly cookie: the browser sends it when told to include credentials
    // (the page's origin must be in the server's CORS_ORIGINS).
    link: new HttpLink({ uri, credentials: 'include' }),
    cache: new InMemoryCache(),
  });

  /** Mutations and queries reject with CombinedGraphQLErrors; keep its first code. */
  async function call<T>(operation: Promise<{ data?: T | null | undefined }>): Promise<T> {
    try {
      const { data } = await operation;
      if (!data) throw new Error('no data');
      return data;
    } catch (error) {
      throw apiError(CombinedGraphQLErrors.is(error) ? error.errors : undefined, error);
    }
  }

  /** The cache holds the previous user's answers: forget them whenever the session changes. */
  const sessionChanged = () => client.clearStore();

  return {
    async signUp(input) {
      const { signUp } = await call(client.mutate({ mutation: SignUpDocument, variables: { input } }));
      await sessionChanged();
      return `${signUp.message} Signed in as ${signUp.user.username}.`;
    },
    async signIn(input) {
      const { signIn } = await call(client.mutate({ mutation: SignInDocument, variables: { input } }));
      await sessionChanged();
      return `${signIn.message} Signed in as ${signIn.user.username}.`;
    },
    async dashboard() {
      // network-only: every dashboard read refreshes the session, and must show the current one.
      const { dashboard } = await call(client.query({ query: DashboardDocument, fetchPolicy: 'network-only' }));
      return dashboard;
    },
    async logout() {
      const { logout } = await call(client.mutate({ mutation: LogoutDocument }));
      await sessionChanged();
      return logout.message;
    },
    async sendMail(email) {
      return (await call(client.mutate({ mutation: SendMailDocument, variables: { input: { email } } }))).sendMail.message;
    },
    async resetPassword(input) {
      const { resetPassword } = await call(client.mutate({ mutation: ResetPasswordDocument, variables: { input } }));
      // Every session of the user was ended, this browser's included.
      await sessionChanged();
      return resetPassword.message;
    },
  };
}
