// What the README tells frontend developers about caches, checked with the real client libraries
// (Apollo Client 4, @urql/core 6) against the real server. They run here in Node with the header
// token transport, since the caching does not depend on how the session travels: with the
// libraries' defaults, the dashboard read after logout comes from the cache; with the pattern the
// README gives (clear the store / network-only), the server answers UNAUTHENTICATED.
import { ApolloClient, CombinedGraphQLErrors, HttpLink, InMemoryCache } from '@apollo/client';
import { cacheExchange, Client, fetchExchange } from '@urql/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DashboardDocument, LogoutDocument, SignUpDocument } from '../examples/shared/operations.ts';
import { GOOD_PASSWORD, uniqueEmail } from './support/operations.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

/** fetch for a client without cookies: opts into header delivery and keeps the latest token. */
function tokenFetch(): typeof fetch {
  let token: string | null = null;
  return async (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set('x-session-transport', 'header');
    if (token) headers.set('authorization', `Bearer ${token}`);
    const response = await fetch(input, { ...init, headers });
    token = response.headers.get('x-session-token') ?? token;
    return response;
  };
}

const input = () => ({ username: 'Cache', email: uniqueEmail('cache'), password: GOOD_PASSWORD });

describe('Apollo Client', () => {
  const newClient = () => new ApolloClient({ link: new HttpLink({ uri: t.graphqlUrl.href, fetch: tokenFetch() }), cache: new InMemoryCache() });
  const dashboardCode = (client: ApolloClient, fetchPolicy?: 'network-only') =>
    client.query({ query: DashboardDocument, ...(fetchPolicy ? { fetchPolicy } : {}) }).then(
      ({ data }) => data?.dashboard.message,
      (error: unknown) => (CombinedGraphQLErrors.is(error) ? error.errors[0]?.extensions?.code : String(error)),
    );

  it('with its defaults, answers the dashboard from the cache after logout', async () => {
    const client = newClient();
    await client.mutate({ mutation: SignUpDocument, variables: { input: input() } });
    expect(await dashboardCode(client)).toBe('Welcome, Cache!');
    await client.mutate({ mutation: LogoutDocument });
    expect(await dashboardCode(client)).toBe('Welcome, Cache!');
  });

  it('after clearStore() on logout, or with fetchPolicy network-only, asks the server: UNAUTHENTICATED', async () => {
    const client = newClient();
    await client.mutate({ mutation: SignUpDocument, variables: { input: input() } });
    expect(await dashboardCode(client)).toBe('Welcome, Cache!');
    await client.mutate({ mutation: LogoutDocument });
    expect(await dashboardCode(client, 'network-only')).toBe('UNAUTHENTICATED');
    await client.clearStore();
    expect(await dashboardCode(client)).toBe('UNAUTHENTICATED');
  });
});

describe('urql', () => {
  const requests: string[] = [];
  const newClient = () => {
    const send = tokenFetch();
    return new Client({
      url: t.graphqlUrl.href,
      exchanges: [cacheExchange, fetchExchange],
      fetch: (url, init) => {
        requests.push(`${init?.method ?? 'GET'} ${new URL(String(url)).search ? 'with query string' : ''}`.trim());
        return send(url, init);
      },
    });
  };
  const dashboard = (client: Client, requestPolicy?: 'network-only') =>
    client
      .query(DashboardDocument, {}, requestPolicy ? { requestPolicy } : {})
      .toPromise()
      .then((r) => r.data?.dashboard.message ?? r.error?.graphQLErrors[0]?.extensions.code);

  it('sends queries as GET with its defaults (the server answers them), and answers the dashboard from its cache after logout', async () => {
    const client = newClient();
    await client.mutation(SignUpDocument, { input: input() }).toPromise();
    requests.length = 0;
    expect(await dashboard(client)).toBe('Welcome, Cache!');
    expect(requests).toEqual(['GET with query string']);
    await client.mutation(LogoutDocument, {}).toPromise();
    expect(requests.at(-1)).toBe('POST');
    expect(await dashboard(client)).toBe('Welcome, Cache!');
  });

  it('with requestPolicy network-only after logout, asks the server: UNAUTHENTICATED', async () => {
    const client = newClient();
    await client.mutation(SignUpDocument, { input: input() }).toPromise();
    expect(await dashboard(client)).toBe('Welcome, Cache!');
    await client.mutation(LogoutDocument, {}).toPromise();
    expect(await dashboard(client, 'network-only')).toBe('UNAUTHENTICATED');
  });
});
