// The HTTP surface around GraphQL: health and readiness probes, GraphiQL, introspection, and the
// request shapes the server refuses (batches, mutations over GET).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GOOD_PASSWORD, ME, SIGN_UP, uniqueEmail } from './support/operations.ts';
import { startAppOnClosableDatabase, startTestApp, type TestApp } from './support/test-app.ts';

const INTROSPECTION = /* GraphQL */ `query { __schema { queryType { name } mutationType { name } } }`;

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const userCount = (email: string) => t.app.services.prisma.user.count({ where: { email } });

describe('health and readiness', () => {
  it('answers GET /health with 200', async () => {
    const res = await fetch(new URL('/health', t.url));
    expect(res.status).toBe(200);
  });

  it('answers GET /ready with 200 while the database answers', async () => {
    const res = await fetch(new URL('/ready', t.url));
    expect(res.status).toBe(200);
  });

  it('answers GET /ready with 503 once the database is gone, while /health stays 200', async () => {
    const other = await startAppOnClosableDatabase();
    try {
      expect((await fetch(new URL('/ready', other.url))).status).toBe(200);
      await other.app.database.close();
      expect((await fetch(new URL('/ready', other.url))).status).toBe(503);
      expect((await fetch(new URL('/health', other.url))).status).toBe(200);
    } finally {
      await other.close();
    }
  });
});

describe('GraphiQL and introspection', () => {
  let locked: TestApp;
  beforeAll(async () => {
    locked = await startTestApp({ env: { GRAPHIQL: 'false', INTROSPECTION: 'false' } });
  });
  afterAll(() => locked.close());

  const openInBrowser = (app: TestApp) => fetch(app.graphqlUrl, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });

  it('serves GraphiQL as HTML to a browser at /graphql by default', async () => {
    const res = await openInBrowser(t);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toMatch(/graphiql/i);
    expect(html).toContain(`<title>${t.config.mail.appName}</title>`);
  });

  it('serves no GraphiQL with GRAPHIQL=false', async () => {
    const res = await openInBrowser(locked);
    expect(res.headers.get('content-type') ?? '').not.toMatch(/text\/html/);
    expect(await res.text()).not.toMatch(/graphiql/i);
  });

  it('answers introspection by default', async () => {
    const res = await t.client().graphql(INTROSPECTION);
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ __schema: { queryType: { name: 'Query' }, mutationType: { name: 'Mutation' } } });
  });

  it('refuses introspection with INTROSPECTION=false, and still serves ordinary queries', async () => {
    const res = await locked.client().graphql(INTROSPECTION);
    expect(res.data ?? null).toBeNull();
    expect(res.errors?.[0]?.message).toMatch(/introspection has been disabled/);
    const me = await locked.client().graphql(ME);
    expect(me.errors).toBeUndefined();
    expect(me.data).toEqual({ me: null });
  });
});

describe('request shapes', () => {
  it('refuses a batch (a JSON array of operations) with a 4xx and runs none of it', async () => {
    const first = uniqueEmail('batch');
    const second = uniqueEmail('batch');
    const batch = [first, second].map((email) => ({ query: SIGN_UP, variables: { input: { username: 'Batch', email, password: GOOD_PASSWORD } } }));
    const client = t.client();
    const res = await client.send(JSON.stringify(batch));
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.errors?.[0]?.message).toMatch(/batching is not supported/i);
    expect(res.setCookie).toBeUndefined();
    expect(await userCount(first)).toBe(0);
    expect(await userCount(second)).toBe(0);
  });

  it('refuses a mutation over GET with 405 and creates nothing', async () => {
    const email = uniqueEmail('get');
    const res = await t.client().get({
      query: SIGN_UP.toString(),
      variables: JSON.stringify({ input: { username: 'Getter', email, password: GOOD_PASSWORD } }),
    });
    expect(res.status).toBe(405);
    expect(res.data ?? null).toBeNull();
    expect(res.headers.get('allow')).toMatch(/POST/);
    expect(await userCount(email)).toBe(0);
  });

  it('answers a query over GET, with the session cookie a browser sends', async () => {
    const client = t.client();
    const anonymous = await client.get({ query: ME.toString() });
    expect(anonymous.status).toBe(200);
    expect(anonymous.data).toEqual({ me: null });

    const email = uniqueEmail('getme');
    await client.graphql(SIGN_UP, { input: { username: 'Getme', email, password: GOOD_PASSWORD } });
    const signedIn = await client.get({ query: ME.toString() });
    expect(signedIn.status).toBe(200);
    expect(signedIn.data?.me).toMatchObject({ username: 'Getme', email });
  });
});
