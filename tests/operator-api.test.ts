// The operator API over real HTTP: its own listener, its key checks in the contract's order, and
// what its operations do to accounts as their users see it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_ENV, adminRequest, adminUrl, createKey } from './support/operator-api.ts';
import { signUpNewUser } from './support/accounts.ts';
import { ME } from './support/operations.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

describe('operator API', () => {
  let app: TestApp;
  let writeKey: string;
  let readKey: string;
  beforeAll(async () => {
    app = await startTestApp({ env: ADMIN_ENV });
    writeKey = await createKey(app, 'write');
    readKey = await createKey(app, 'read');
  });
  afterAll(() => app?.close());

  it('answers the calling key', async () => {
    const res = await adminRequest(app, readKey, '{ operatorKey { keyId name scope } }');
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ operatorKey: { keyId: readKey.split('_')[1], name: 'test read key', scope: 'READ' } });
  });

  it('refuses a missing key with 401', async () => {
    const res = await adminRequest(app, null, '{ operatorKey { keyId } }');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="operator"');
    expect(res.body).toEqual({ errors: [{ message: 'operator key missing, unknown, revoked or expired', extensions: { code: 'UNAUTHENTICATED' } }] });
  });

  it('refuses a mutation with a read key with 403', async () => {
    const user = await signUpNewUser(app);
    const res = await adminRequest(app, readKey, 'mutation($id: ID!) { markEmailVerified(input: { id: $id }) { message } }', { id: user.userId });
    expect(res.status).toBe(403);
    expect(res.body.errors?.[0]).toMatchObject({ message: 'this operator key is read-only', extensions: { code: 'FORBIDDEN' } });
  });

  it('refuses browsers, other paths, methods and types', async () => {
    expect((await adminRequest(app, writeKey, '{ operatorKey { keyId } }', {}, { headers: { origin: 'https://evil.example' } })).status).toBe(403);
    expect((await adminRequest(app, writeKey, '{ operatorKey { keyId } }', {}, { method: 'GET' })).status).toBe(405);
    expect((await adminRequest(app, writeKey, '{ operatorKey { keyId } }', {}, { headers: { 'content-type': 'text/plain' } })).status).toBe(415);
    expect((await fetch(new URL('/graphql', adminUrl(app)), { method: 'POST' })).status).toBe(404);
    expect((await adminRequest(app, writeKey, '', {}, { body: '{not json' })).status).toBe(400);
  });

  it('disables a user: signIn says ACCOUNT_DISABLED, the session is refused', async () => {
    const user = await signUpNewUser(app);
    const client = user.client;
    const res = await adminRequest(app, writeKey, 'mutation($id: ID!) { disableUser(input: { id: $id, reason: "abuse" }) { message user { disabled disabledReason sessions { id } } } }', { id: user.userId });
    expect(res.body).toEqual({ data: { disableUser: { message: 'user disabled!', user: { disabled: true, disabledReason: 'abuse', sessions: [] } } } });
    const me = await client.graphql(ME);
    expect(me.data?.me).toBeNull();
  });
});
