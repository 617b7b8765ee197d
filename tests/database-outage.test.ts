// The database going away under a running server: every request that needs it is answered 503
// SERVICE_UNAVAILABLE with Retry-After (the session lookup while building the context included),
// the cookie is left alone, the outage is logged once and its end once, and the server recovers
// by itself. PostgreSQL runs: a server of the test's own, stopped and started again. PGlite runs:
// the embedded database closed under the server (it cannot come back).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/open-database.ts';
import { signUpNewUser } from './support/accounts.ts';
import { createDisposablePostgres, type DisposablePostgres } from './support/disposable-postgres.ts';
import { DASHBOARD, DELETE_USER, GOOD_PASSWORD, LOGOUT, ME, RESET_PASSWORD, SEND_MAIL, SIGN_IN, SIGN_UP, uniqueEmail } from './support/operations.ts';
import { startAppOnClosableDatabase, startTestApp, type TestApp } from './support/test-app.ts';
import type { GraphqlResponse, TestClient } from './support/test-client.ts';
import { usingPostgres } from './support/test-database.ts';

const RETRY_AFTER = 5;

function expectUnavailable(res: GraphqlResponse): void {
  expect(res.status).toBe(503);
  expect(res.headers.get('retry-after')).toBe(String(RETRY_AFTER));
  expect(res.data ?? null).toBeNull();
  expect(res.errors).toEqual([
    expect.objectContaining({
      message: 'the service is temporarily unavailable: try again shortly',
      extensions: { code: 'SERVICE_UNAVAILABLE', retryAfter: RETRY_AFTER },
    }),
  ]);
  // The session may well be valid: an outage never signs anyone out.
  expect(res.setCookie).toBeUndefined();
}

/** Every request a client might make while the database is away, with a signed-in client. */
function duringOutage(app: TestApp, signedIn: TestClient, email: string): Array<[string, () => Promise<GraphqlResponse>]> {
  const json = { accept: 'application/json' };
  const graphqlResponse = { accept: 'application/graphql-response+json' };
  return [
    ['me with a cookie (the context looks the session up)', () => signedIn.graphql(ME, {}, json)],
    ['dashboard with a cookie', () => signedIn.graphql(DASHBOARD, {}, graphqlResponse)],
    ['dashboard over GET', () => signedIn.get({ query: DASHBOARD.toString() })],
    ['signIn', () => app.client().graphql(SIGN_IN, { input: { email, password: GOOD_PASSWORD } })],
    ['signUp', () => app.client().graphql(SIGN_UP, { input: { username: 'Outage', email: uniqueEmail('outage'), password: GOOD_PASSWORD } })],
    ['resetPassword', () => app.client().graphql(RESET_PASSWORD, { input: { email, code: '123456', newPassword: 'amber-lantern-fjord-77' } })],
    ['logout with a cookie', () => signedIn.graphql(LOGOUT)],
    ['deleteUser with a cookie', () => signedIn.graphql(DELETE_USER, { input: { email, password: GOOD_PASSWORD } })],
  ];
}

/** Resolves once `condition` holds, checking as the server logs; fails after `timeoutMs`. */
async function waitFor(condition: () => boolean, what: string, timeoutMs = 50_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const errorLines = (app: TestApp) => app.logger.lines.filter((line) => line.startsWith('error'));
const outageLines = (app: TestApp) => app.logger.lines.filter((line) => line.includes('database unreachable'));
const recoveryLines = (app: TestApp) => app.logger.lines.filter((line) => line.includes('database reachable again'));

function expectOutageLoggedOnce(app: TestApp): void {
  expect(outageLines(app)).toHaveLength(1);
  expect(outageLines(app)[0]).toMatch(/^error \[db\] database unreachable \(.+\): answering 503 SERVICE_UNAVAILABLE/);
  // Nothing else at error level, and no stack trace anywhere.
  expect(errorLines(app)).toEqual(outageLines(app));
  expect(app.logger.lines.join('\n')).not.toMatch(/\n\s+at /);
}

if (usingPostgres) {
  describe('PostgreSQL stopped under the running server', () => {
    let pg: DisposablePostgres;
    let t: TestApp;
    let user: { client: TestClient; email: string };

    beforeAll(async () => {
      pg = await createDisposablePostgres();
      // Rate limits on: their counters live in this PostgreSQL server too.
      t = await startTestApp({
        env: { RATE_LIMITS: 'on' },
        database: { shared: { open: () => openDatabase({ url: pg.url }), url: pg.url, drop: async () => {} } },
      });
      user = await signUpNewUser(t);
    });
    afterAll(async () => {
      await t?.close();
      await pg?.destroy();
    });

    it('answers every request that needs the database 503 SERVICE_UNAVAILABLE with Retry-After, and logs the outage once', async () => {
      await pg.stop();
      for (const [name, send] of duringOutage(t, user.client, user.email)) {
        const res = await send();
        expect.soft(res.status, name).toBe(503);
        expectUnavailable(res);
      }
      // sendMail counts the attempt in PostgreSQL before it answers: refused too, not silently dropped.
      expectUnavailable(await t.client().graphql(SEND_MAIL, { input: { email: user.email } }));
      // What needs no database still answers.
      expect((await t.client().graphql(ME)).data).toEqual({ me: null });
      expect((await fetch(new URL('/health', t.url))).status).toBe(200);
      expect((await fetch(new URL('/ready', t.url))).status).toBe(503);
      expectOutageLoggedOnce(t);
      expect(recoveryLines(t)).toEqual([]);
    });

    it('recovers by itself once the database is back, logs the end once, and the session survived', async () => {
      await pg.start();
      await waitFor(() => recoveryLines(t).length === 1, 'the recovery log line');
      expect(recoveryLines(t)[0]).toMatch(/^info \[db\] database reachable again after [\d.]+ s/);
      const dashboard = await user.client.graphql(DASHBOARD);
      expect(dashboard.status).toBe(200);
      expect(dashboard.data?.dashboard.user.email).toBe(user.email);
      expect(dashboard.setCookie?.maxAge).toBeGreaterThan(0);
      expect((await t.client().graphql(SIGN_IN, { input: { email: user.email, password: GOOD_PASSWORD } })).data?.signIn.message).toBe('login successful!');
    }, 60_000);

    it('logs a second outage once more, and its end', async () => {
      await pg.stop();
      expectUnavailable(await user.client.graphql(DASHBOARD));
      expectUnavailable(await user.client.graphql(ME));
      expect(outageLines(t)).toHaveLength(2);
      await pg.start();
      await waitFor(() => recoveryLines(t).length === 2, 'the second recovery log line');
      expect((await user.client.graphql(ME)).data?.me?.email).toBe(user.email);
      expect(errorLines(t)).toEqual(outageLines(t));
    }, 60_000);
  });
}

describe('the database closed under the running server (as at shutdown; on PGlite, the embedded database)', () => {
  let t: TestApp;
  let user: { client: TestClient; email: string };

  beforeAll(async () => {
    t = await startAppOnClosableDatabase();
    user = await signUpNewUser(t);
    await t.app.database.close();
  });
  afterAll(() => t?.close());

  it('answers every request that needs the database 503 SERVICE_UNAVAILABLE with Retry-After, and logs the outage once', async () => {
    for (const [name, send] of duringOutage(t, user.client, user.email)) {
      const res = await send();
      expect.soft(res.status, name).toBe(503);
      expectUnavailable(res);
    }
    expect((await t.client().graphql(ME)).data).toEqual({ me: null });
    expect((await fetch(new URL('/ready', t.url))).status).toBe(503);
    expectOutageLoggedOnce(t);
  });
});
