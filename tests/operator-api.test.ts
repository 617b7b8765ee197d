// The operator API over real HTTP: its own listener, its key checks in the contract's order, and
// what its operations do to accounts as their users see it.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import bcrypt from 'bcrypt';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { ADMIN_ENV, type AdminResponse, adminRequest, adminUrl, createKey } from './support/operator-api.ts';
import { signUpNewUser } from './support/accounts.ts';
import { DASHBOARD, GOOD_PASSWORD, ME, SIGN_UP, uniqueEmail } from './support/operations.ts';
import { scrape, type Sample, valueOf } from './support/prometheus.ts';
import { uniqueAddress } from './support/rate-limited.ts';
import { codeIn, MAIL } from './support/smtp-sink.ts';
import { startAppWithMailbox, startSecondInstance, startTestApp, type TestApp, type TestAppWithMailbox } from './support/test-app.ts';

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

  it('answers the calling key, uncacheable', async () => {
    const res = await adminRequest(app, readKey, '{ operatorKey { keyId name scope } }');
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ operatorKey: { keyId: readKey.split('_')[1], name: 'test read key', scope: 'READ' } });
    // Answers hold users' data: no proxy or client cache may keep them, refusals included.
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect((await adminRequest(app, null, '{ operatorKey { keyId } }')).headers.get('cache-control')).toBe('no-store');
    expect((await adminRequest(app, readKey, '{ operatorKey { keyId } }', {}, { method: 'GET' })).headers.get('cache-control')).toBe('no-store');
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

// ---------------------------------------------------------------------------------------------
// The gate, over real HTTP: the transport's refusals, the keys, the order of the checks, and what
// operators read about it afterwards in logs and metrics.

const OPERATOR_KEY = '{ operatorKey { keyId name scope } }';
const MARK_VERIFIED = 'mutation MarkVerified($id: ID!) { markEmailVerified(input: { id: $id }) { message } }';
const USER_STATE = 'query UserState($id: ID!) { user(id: $id) { emailVerified disabled } }';

const refusal = (code: string, message: string) => ({ errors: [{ message, extensions: { code } }] });
const KEY_REFUSED = refusal('UNAUTHENTICATED', 'operator key missing, unknown, revoked or expired');
const NOT_FOR_BROWSERS = refusal('FORBIDDEN', 'the operator API does not answer browsers');
const READ_ONLY = refusal('FORBIDDEN', 'this operator key is read-only');
const NOT_FOUND = refusal('NOT_FOUND', 'not found');
const POST_ONLY = refusal('METHOD_NOT_ALLOWED', 'the operator API answers POST only');
const JSON_ONLY = refusal('UNSUPPORTED_MEDIA_TYPE', 'the operator API takes Content-Type: application/json only');

/** A token is `opk_<keyId>_<secret>`; the secret is base64url, so it may hold `_` itself. */
const keyIdOf = (token: string) => token.slice(4, 14);
const secretOf = (token: string) => token.slice(15);
const randomKeyId = () => Array.from(randomBytes(10), (byte) => 'abcdefghijklmnopqrstuvwxyz0123456789'[byte % 36]).join('');

interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

interface IntrospectedSchema {
  types: { name: string }[];
  queryType: { fields: { name: string }[] };
  mutationType: { fields: { name: string }[] } | null;
}

/** Any request to a listener: another path, method, content type or body than adminRequest sends. */
async function send(base: URL, init: { path?: string; method?: string; headers?: Record<string, string>; body?: BodyInit; duplex?: 'half' } = {}): Promise<RawResponse> {
  const response = await fetch(new URL(init.path ?? '/admin/graphql', base), {
    method: init.method ?? 'POST',
    headers: init.headers ?? {},
    ...(init.body === undefined ? {} : { body: init.body }),
    ...(init.duplex ? { duplex: init.duplex } : {}),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** Response headers that would give a browser's script CORS permission: never sent by the operator listener. */
const corsHeaders = (headers: Headers) => [...headers.keys()].filter((name) => name.startsWith('access-control-'));

function expectKeyRefused(res: AdminResponse, why = ''): void {
  expect(res.status, why).toBe(401);
  expect(res.headers.get('www-authenticate'), why).toBe('Bearer realm="operator"');
  expect(res.body, why).toEqual(KEY_REFUSED);
}

function expectTooManyRequests(res: AdminResponse, windowSeconds: number): void {
  expect(res.status).toBe(429);
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
  expect(res.body).toEqual({ errors: [{ message: `too many requests: try again in ${retryAfter} seconds`, extensions: { code: 'RATE_LIMITED', retryAfter } }] });
}

/** The `[admin] key refused` lines of one request. */
const keyRefusedLines = (app: TestApp, requestId: string) => app.logger.about(requestId).filter((entry) => entry.message === '[admin] key refused');
/** The `[audit]` lines of one request. */
const auditLines = (app: TestApp, requestId: string) => app.logger.about(requestId).filter((entry) => entry.message.startsWith('[audit]'));
/** The access line of one request: the one entry about it that carries an HTTP status. */
const accessLine = (app: TestApp, requestId: string) => app.logger.about(requestId).filter((entry) => entry.fields.status !== undefined);

describe('the operator listener: transport, keys and what they leave in logs and metrics', () => {
  let t: TestAppWithMailbox;
  let writeKey: string;
  let readKey: string;
  beforeAll(async () => {
    t = await startAppWithMailbox({ ...ADMIN_ENV, ADMIN_MAX_BODY_BYTES: '2048', RESET_CODE_DIGITS: '8', METRICS_PORT: '0' });
    writeKey = await createKey(t, 'write', 'gate write key');
    readKey = await createKey(t, 'read', 'gate read key');
  });
  afterAll(() => t?.close());

  const admin = () => adminUrl(t);
  const json = (key: string | null = writeKey) => ({ 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) });
  const body = (query = OPERATOR_KEY) => JSON.stringify({ query });

  describe('transport', () => {
    it('answers POST /admin/graphql only: any other path is 404 NOT_FOUND, whatever the key', async () => {
      for (const path of ['/', '/graphql', '/admin', '/admin/graphql/', '/admin/graphql/extra', '/admin/GRAPHQL', '/health', '/ready', '/metrics']) {
        const res = await send(admin(), { path, headers: json(), body: body() });
        expect(res.status, path).toBe(404);
        expect(res.json, path).toEqual(NOT_FOUND);
        expect(res.headers.get('content-type'), path).toBe('application/json');
      }
      expect((await send(admin(), { path: '/', method: 'GET' })).status).toBe(404);
      // A query string is no other path.
      expect((await send(admin(), { path: '/admin/graphql?x=1', headers: json(), body: body() })).status).toBe(200);
    });

    it('answers every other method 405 with Allow: POST, a CORS preflight included, and never a CORS header', async () => {
      const preflight = await send(admin(), {
        method: 'OPTIONS',
        headers: { origin: 'https://ops.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
      });
      expect(preflight.status).toBe(405);
      expect(preflight.json).toEqual(POST_ONLY);
      expect(preflight.headers.get('allow')).toBe('POST');
      expect(corsHeaders(preflight.headers)).toEqual([]);

      for (const method of ['GET', 'PUT', 'PATCH', 'DELETE']) {
        const res = await send(admin(), { method, headers: { ...json(), origin: 'https://ops.example' }, ...(method === 'GET' ? {} : { body: body() }) });
        expect(res.status, method).toBe(405);
        expect(res.json, method).toEqual(POST_ONLY);
        expect(res.headers.get('allow'), method).toBe('POST');
        expect(corsHeaders(res.headers), method).toEqual([]);
      }
      const head = await send(admin(), { method: 'HEAD' });
      expect(head.status).toBe(405);
      expect(corsHeaders(head.headers)).toEqual([]);
      // A GET with a query and the key runs nothing either.
      const get = await send(admin(), { path: `/admin/graphql?query=${encodeURIComponent(OPERATOR_KEY)}`, method: 'GET', headers: { authorization: `Bearer ${writeKey}` } });
      expect([get.status, get.json]).toEqual([405, POST_ONLY]);
    });

    it('serves no GraphiQL: a browser’s GET for HTML is 405 in JSON, with no page', async () => {
      const res = await send(admin(), { method: 'GET', headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
      expect(res.status).toBe(405);
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(res.json).toEqual(POST_ONLY);
      expect(res.text).not.toMatch(/<html|<script|graphiql/i);
    });

    it('takes application/json only: text/plain, multipart, a form and no type at all are 415', async () => {
      const form = new FormData();
      form.set('operations', body());
      const bodies: Array<[string, { headers: Record<string, string>; body: BodyInit }]> = [
        ['text/plain', { headers: { ...json(), 'content-type': 'text/plain' }, body: body() }],
        ['multipart', { headers: { authorization: `Bearer ${writeKey}` }, body: form }],
        ['a form', { headers: { ...json(), 'content-type': 'application/x-www-form-urlencoded' }, body: `query=${encodeURIComponent(OPERATOR_KEY)}` }],
        ['GraphQL text', { headers: { ...json(), 'content-type': 'application/graphql' }, body: OPERATOR_KEY }],
        ['no type', { headers: { authorization: `Bearer ${writeKey}` }, body: new TextEncoder().encode(body()) }],
      ];
      for (const [name, init] of bodies) {
        const res = await send(admin(), init);
        expect(res.status, name).toBe(415);
        expect(res.json, name).toEqual(JSON_ONLY);
      }
      // Parameters of the type are fine.
      const withCharset = await send(admin(), { headers: { ...json(), 'content-type': 'application/json; charset=utf-8' }, body: body() });
      expect(withCharset.status).toBe(200);
      expect(withCharset.json).toEqual({ data: { operatorKey: { keyId: keyIdOf(writeKey), name: 'gate write key', scope: 'WRITE' } } });
    });

    it('refuses a body over ADMIN_MAX_BODY_BYTES with 413, declared or chunked, before the key; one just under is answered', async () => {
      const tooLarge = JSON.stringify({ query: OPERATOR_KEY + ' '.repeat(2100) });
      const declared = await send(admin(), { headers: { ...json(null), 'x-request-id': 'too-large-declared' }, body: tooLarge });
      expect(declared.status).toBe(413);
      expect(declared.json).toEqual(refusal('PAYLOAD_TOO_LARGE', 'Request body is larger than 2048 bytes.'));
      expect(corsHeaders(declared.headers)).toEqual([]);

      const encoder = new TextEncoder();
      const chunked = await send(admin(), {
        headers: json(),
        body: new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(encoder.encode(tooLarge.slice(0, 1000)));
            controller.enqueue(encoder.encode(tooLarge.slice(1000)));
            controller.close();
          },
        }),
        duplex: 'half',
      });
      expect(chunked.status).toBe(413);
      expect(chunked.json).toEqual(refusal('PAYLOAD_TOO_LARGE', 'Request body is larger than 2048 bytes.'));

      const justUnder = JSON.stringify({ query: OPERATOR_KEY + ' '.repeat(1900) });
      expect(Buffer.byteLength(justUnder)).toBeLessThanOrEqual(2048);
      expect((await send(admin(), { headers: json(), body: justUnder })).status).toBe(200);
      // Refused before any key was looked at.
      expect(keyRefusedLines(t, 'too-large-declared')).toEqual([]);
    });

    it('refuses malformed JSON and a batch with 400 BAD_REQUEST, before the key is looked at', async () => {
      const malformed = await send(admin(), { headers: { ...json(null), 'x-request-id': 'malformed-json' }, body: '{"query": "{ operatorKey { keyId } }"' });
      expect(malformed.status).toBe(400);
      expect(malformed.json).toEqual(refusal('BAD_REQUEST', 'POST body sent invalid JSON.'));
      expect(keyRefusedLines(t, 'malformed-json')).toEqual([]);

      const batch = JSON.stringify([{ query: OPERATOR_KEY }, { query: OPERATOR_KEY }]);
      for (const key of [writeKey, null]) {
        const res = await send(admin(), { headers: json(key), body: batch });
        expect(res.status).toBe(400);
        expect(res.json).toEqual(refusal('BAD_REQUEST', 'Batching is not supported.'));
      }
    });

    it('checks the transport before the Origin header: 405, 413, 415 and 400 stay what they are for a browser', async () => {
      const origin = { origin: 'https://ops.example' };
      expect((await send(admin(), { method: 'GET', headers: origin })).status).toBe(405);
      expect((await send(admin(), { headers: { ...json(), ...origin }, body: JSON.stringify({ query: OPERATOR_KEY + ' '.repeat(2100) }) })).status).toBe(413);
      expect((await send(admin(), { headers: { ...json(), ...origin, 'content-type': 'text/plain' }, body: body() })).status).toBe(415);
      expect((await send(admin(), { headers: { ...json(), ...origin }, body: '{not json' })).status).toBe(400);
    });
  });

  describe('the public port', () => {
    it('answers /admin/graphql with 404, with or without an operator key, and serves no operator page', async () => {
      for (const query of [OPERATOR_KEY, '{ me { id } }', '{ __typename }']) {
        const res = await send(t.url, { headers: json(), body: body(query) });
        expect(res.status, query).toBe(404);
        expect(res.text, query).not.toMatch(/operatorKey|"data"/);
      }
      expect((await send(t.url, { method: 'GET', headers: { accept: 'text/html' } })).status).toBe(404);
      // Nor under any other prefix of its own endpoint.
      for (const path of ['/anything/graphql', '/anything/graphql/', '/?next=/graphql']) {
        expect((await send(t.url, { path, headers: json(null), body: body('{ __typename }') })).status, path).toBe(404);
      }
      expect((await send(t.url, { path: '/graphql', headers: json(null), body: body('{ __typename }') })).json).toEqual({ data: { __typename: 'Query' } });
    });

    it('has no operator field or type in its schema: the operator queries fail validation there', async () => {
      const rootFields = '{ __schema { types { name } queryType { fields { name } } mutationType { fields { name } } } }';
      const operatorSchema = (await adminRequest<{ __schema: IntrospectedSchema }>(t, readKey, rootFields)).body.data!.__schema;
      const publicSchema = ((await t.client().graphql(rootFields)).data as { __schema: IntrospectedSchema }).__schema;
      const fieldNames = (schema: IntrospectedSchema) => [...schema.queryType.fields, ...(schema.mutationType?.fields ?? [])].map((f) => f.name);
      const operatorFields = fieldNames(operatorSchema);
      expect(operatorFields).toEqual(expect.arrayContaining(['users', 'user', 'operatorKey', 'importUsers', 'disableUser', 'removeUser', 'forcePasswordReset']));
      expect(fieldNames(publicSchema).filter((name) => operatorFields.includes(name))).toEqual([]);
      const operatorOnlyTypes = ['AdminUser', 'AdminSession', 'AdminFactor', 'AdminSecurityEvent', 'OperatorKey', 'OperatorKeyRef', 'OperatorScope', 'UserConnection', 'UserFilter', 'UserOrder', 'ImportReport', 'ImportLineResult', 'ImportUsersInput', 'ImportStatus', 'CreateUserInput', 'DisableUserInput'];
      expect(operatorSchema.types.map((type) => type.name)).toEqual(expect.arrayContaining(operatorOnlyTypes));
      expect(publicSchema.types.map((type) => type.name).filter((name) => operatorOnlyTypes.includes(name))).toEqual([]);

      for (const query of ['{ users { nodes { id } } }', '{ operatorKey { keyId } }', 'mutation { importUsers(input: { users: [] }) { created } }']) {
        const res = await t.client().graphql(query);
        expect(res.errors?.[0]?.extensions?.code, query).toBe('GRAPHQL_VALIDATION_FAILED');
        expect(res.data ?? null, query).toBeNull();
      }
    });
  });

  describe('keys', () => {
    it('refuses a request with an Origin header with 403, even with a valid key, and never looks at the key', async () => {
      for (const [i, origin] of [admin().origin, 'https://ops.example', 'null'].entries()) {
        const requestId = `with-origin-${i}`;
        const res = await adminRequest(t, writeKey, OPERATOR_KEY, {}, { headers: { origin, 'x-request-id': requestId } });
        expect(res.status, origin).toBe(403);
        expect(res.body, origin).toEqual(NOT_FOR_BROWSERS);
        expect(corsHeaders(res.headers), origin).toEqual([]);
      }
      const wrong = await adminRequest(t, `opk_${keyIdOf(writeKey)}_${randomBytes(32).toString('base64url')}`, OPERATOR_KEY, {}, { headers: { origin: 'https://ops.example', 'x-request-id': 'with-origin-wrong-key' } });
      expect([wrong.status, wrong.body]).toEqual([403, NOT_FOR_BROWSERS]);
      expect(keyRefusedLines(t, 'with-origin-wrong-key')).toEqual([]);
    });

    it('never reads a cookie: a signed-in user’s session cookie alone is 401', async () => {
      const user = await signUpNewUser(t);
      const token = await user.client.token();
      expect(token).toBeTruthy();
      expect((await user.client.graphql(ME)).data?.me?.id).toBe(user.userId);
      const res = await adminRequest(t, null, OPERATOR_KEY, {}, { headers: { cookie: `${t.config.cookie.name}=${token}` } });
      expectKeyRefused(res);
    });

    it('does not take a user’s JWT for a key: as Bearer it is 401, while the public port accepts it', async () => {
      const signUp = await t.client().graphql(SIGN_UP, { input: { username: 'Bearer', email: uniqueEmail('jwt'), password: GOOD_PASSWORD } }, { 'x-session-transport': 'header' });
      const jwt = signUp.headers.get('x-session-token');
      expect(jwt).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
      expect((await t.client().graphql(DASHBOARD, undefined, { authorization: `Bearer ${jwt}` })).data?.dashboard.message).toBe('Welcome, Bearer!');

      const res = await adminRequest(t, jwt, OPERATOR_KEY, {}, { headers: { 'x-request-id': 'user-jwt' } });
      expectKeyRefused(res);
      expect(keyRefusedLines(t, 'user-jwt')).toMatchObject([{ level: 'warn', fields: { clientIp: '127.0.0.1' } }]);
      expect(keyRefusedLines(t, 'user-jwt')[0]!.fields).not.toHaveProperty('operatorKey');
    });

    it('gives one 401 for a missing, wrong, unknown, garbled, Basic, revoked, expired or rotated-out key, and logs the key id it could read', async () => {
      const { operatorKeys } = t.app.services;
      const revoked = await createKey(t, 'write', 'to revoke');
      const expired = await createKey(t, 'read', 'to expire');
      const rotated = await createKey(t, 'write', 'to rotate');
      for (const token of [revoked, expired, rotated]) expect((await adminRequest(t, token, OPERATOR_KEY)).status).toBe(200);
      expect(await operatorKeys.revoke(keyIdOf(revoked))).toMatchObject({ revokedAt: expect.any(Date) });
      await t.app.database.prisma.operatorKey.update({ where: { keyId: keyIdOf(expired) }, data: { expiresAt: new Date(Date.now() - 1_000) } });
      const rotation = await operatorKeys.rotate(keyIdOf(rotated), 0);
      expect(rotation).not.toBeNull();
      const unknownId = randomKeyId();

      const cases: Array<{ name: string; authorization?: string; keyId?: string }> = [
        { name: 'no Authorization' },
        { name: 'a wrong secret', authorization: `Bearer opk_${keyIdOf(writeKey)}_${randomBytes(32).toString('base64url')}`, keyId: keyIdOf(writeKey) },
        { name: 'an unknown key id', authorization: `Bearer opk_${unknownId}_${secretOf(writeKey)}`, keyId: unknownId },
        { name: 'garbage', authorization: 'Bearer not-an-operator-key' },
        { name: 'the key cut short', authorization: `Bearer ${writeKey.slice(0, -1)}` },
        { name: 'the key with more after it', authorization: `Bearer ${writeKey}x` },
        { name: 'Bearer and nothing', authorization: 'Bearer' },
        { name: 'the key under Basic', authorization: `Basic ${writeKey}` },
        { name: 'Basic credentials', authorization: `Basic ${Buffer.from(`${keyIdOf(writeKey)}:${secretOf(writeKey)}`).toString('base64')}` },
        { name: 'a revoked key', authorization: `Bearer ${revoked}`, keyId: keyIdOf(revoked) },
        { name: 'an expired key', authorization: `Bearer ${expired}`, keyId: keyIdOf(expired) },
        { name: 'a key rotated with no grace', authorization: `Bearer ${rotated}`, keyId: keyIdOf(rotated) },
      ];
      for (const [i, { name, authorization, keyId }] of cases.entries()) {
        const requestId = `refused-key-${i}`;
        const res = await adminRequest(t, null, OPERATOR_KEY, {}, { headers: { ...(authorization ? { authorization } : {}), 'x-request-id': requestId } });
        expectKeyRefused(res, name);
        const lines = keyRefusedLines(t, requestId);
        expect(lines, name).toHaveLength(1);
        expect(lines[0]!.level, name).toBe('warn');
        expect(lines[0]!.fields, name).toEqual({ requestId, clientIp: '127.0.0.1', ...(keyId ? { operatorKey: keyId } : {}) });
      }

      // The rotation's new key works at once, with the old one's name and scope.
      const fresh = await adminRequest(t, rotation!.token, OPERATOR_KEY);
      expect(fresh.body).toEqual({ data: { operatorKey: { keyId: keyIdOf(rotation!.token), name: 'to rotate', scope: 'WRITE' } } });
    });

    it('refuses a key revoked on one instance at once on another instance on the same database', async () => {
      const second = await startSecondInstance(t, ADMIN_ENV);
      onTestFinished(() => second.close());
      const token = await createKey(t, 'write', 'shared key');
      expect((await adminRequest(second, token, OPERATOR_KEY)).body.data).toEqual({ operatorKey: { keyId: keyIdOf(token), name: 'shared key', scope: 'WRITE' } });
      expect((await adminRequest(t, token, OPERATOR_KEY)).status).toBe(200);

      await t.app.services.operatorKeys.revoke(keyIdOf(token));
      expectKeyRefused(await adminRequest(second, token, OPERATOR_KEY));
      expectKeyRefused(await adminRequest(t, token, OPERATOR_KEY));
    });

    it('answers introspection to any valid key and refuses it without one', async () => {
      const introspection = '{ __schema { queryType { name } mutationType { fields { name } } } }';
      for (const key of [readKey, writeKey]) {
        const res = await adminRequest<{ __schema: { queryType: { name: string }; mutationType: { fields: { name: string }[] } } }>(t, key, introspection);
        expect(res.status).toBe(200);
        expect(res.body.data?.__schema.queryType.name).toBe('Query');
        expect(res.body.data?.__schema.mutationType.fields.map((f) => f.name)).toEqual(expect.arrayContaining(['createUser', 'importUsers']));
      }
      expectKeyRefused(await adminRequest(t, null, introspection));
      expectKeyRefused(await adminRequest(t, null, '{ __typename }'));
    });

    it('refuses a read key’s mutation with 403 only once the document validates, and runs nothing of it', async () => {
      const user = await signUpNewUser(t);
      // A document that does not parse or validate gets that answer, as on the public port.
      for (const [query, code] of [
        ['mutation { noSuchMutation }', 'GRAPHQL_VALIDATION_FAILED'],
        ['mutation { markEmailVerified(input: {}) { message } }', 'GRAPHQL_VALIDATION_FAILED'],
        ['mutation {', 'GRAPHQL_PARSE_FAILED'],
      ] as const) {
        const onPublicPort = await t.client().graphql(query);
        const res = await adminRequest(t, readKey, query);
        expect(res.status, query).toBe(onPublicPort.status);
        expect(res.body.errors?.map((e) => e.extensions?.code), query).toEqual([code]);
        expect(res.body.data ?? null, query).toBeNull();
      }

      const refused = await adminRequest(t, readKey, MARK_VERIFIED, { id: user.userId }, { headers: { 'x-request-id': 'read-key-mutation' } });
      expect(refused.status).toBe(403);
      expect(refused.body).toEqual(READ_ONLY);
      expect(auditLines(t, 'read-key-mutation')).toEqual([]);
      expect((await adminRequest(t, readKey, USER_STATE, { id: user.userId })).body.data).toEqual({ user: { emailVerified: false, disabled: false } });

      // A document with a mutation in it is fine for a read key when the query is what runs.
      const both = `${USER_STATE} ${MARK_VERIFIED}`;
      const query = await adminRequest(t, readKey, both, { id: user.userId }, { body: JSON.stringify({ query: both, variables: { id: user.userId }, operationName: 'UserState' }) });
      expect(query.body).toEqual({ data: { user: { emailVerified: false, disabled: false } } });
      const mutation = await adminRequest(t, readKey, both, {}, { body: JSON.stringify({ query: both, variables: { id: user.userId }, operationName: 'MarkVerified' }) });
      expect([mutation.status, mutation.body]).toEqual([403, READ_ONLY]);

      // The write key does it.
      expect((await adminRequest(t, writeKey, MARK_VERIFIED, { id: user.userId })).body).toEqual({ data: { markEmailVerified: { message: 'email verified!' } } });
    });
  });

  describe('logs', () => {
    it('writes one [audit] line per mutation: action, key id and name, scope, target, outcome and the stated details', async () => {
      const user = await signUpNewUser(t);
      const keyId = keyIdOf(writeKey);
      const who = { operatorKey: keyId, operatorKeyName: 'gate write key', scope: 'write' };
      const until = new Date(Date.now() + 86_400_000).toISOString();
      const disable = await adminRequest(
        t,
        writeKey,
        'mutation($id: ID!, $reason: String!, $until: DateTime) { disableUser(input: { id: $id, reason: $reason, until: $until, notify: false }) { message } }',
        { id: user.userId, reason: 'chargeback fraud', until },
        { headers: { 'x-request-id': 'audit-disable' } },
      );
      expect(disable.body).toEqual({ data: { disableUser: { message: 'user disabled!' } } });
      const lines = auditLines(t, 'audit-disable');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ level: 'info', message: '[audit] disableUser' });
      expect(lines[0]!.fields).toEqual({
        requestId: 'audit-disable',
        audit: { action: 'disableUser', ...who, targetUserId: user.userId, outcome: 'OK', reason: 'chargeback fraud', until, notify: false },
      });
      expect(accessLine(t, 'audit-disable')).toMatchObject([
        {
          level: 'info',
          message: 'POST /admin/graphql 200',
          fields: { api: 'admin', operatorKey: keyId, operatorKeyName: 'gate write key', path: '/admin/graphql', status: 200, fields: ['disableUser'], outcome: ['OK'], clientIp: '127.0.0.1' },
        },
      ]);

      const enable = 'mutation($id: ID!) { enableUser(input: { id: $id }) { message } }';
      await adminRequest(t, writeKey, enable, { id: user.userId }, { headers: { 'x-request-id': 'audit-enable' } });
      await adminRequest(t, writeKey, enable, { id: user.userId }, { headers: { 'x-request-id': 'audit-enable-again' } });
      expect(auditLines(t, 'audit-enable').map((l) => l.fields.audit)).toEqual([{ action: 'enableUser', ...who, targetUserId: user.userId, outcome: 'OK', notify: true }]);
      // A refused change is recorded too, with the error's code as its outcome.
      expect(auditLines(t, 'audit-enable-again').map((l) => l.fields.audit)).toEqual([{ action: 'enableUser', ...who, targetUserId: user.userId, outcome: 'CONFLICT', notify: true }]);

      const unknown = '00000000-0000-4000-8000-000000000000';
      const remove = await adminRequest(t, writeKey, 'mutation($id: ID!) { removeUser(input: { id: $id, reason: "closing", notify: false }) { message } }', { id: unknown }, { headers: { 'x-request-id': 'audit-remove-unknown' } });
      expect(remove.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      expect(auditLines(t, 'audit-remove-unknown').map((l) => l.fields.audit)).toEqual([{ action: 'removeUser', ...who, targetUserId: unknown, outcome: 'NOT_FOUND', reason: 'closing', notify: false }]);
      expect(accessLine(t, 'audit-remove-unknown')[0]!.fields).toMatchObject({ api: 'admin', fields: ['removeUser'], outcome: ['NOT_FOUND'] });

      // importUsers: the counts and dryRun, nothing of the users.
      const importUsers = 'mutation($users: [ImportUserInput!]!) { importUsers(input: { users: $users, dryRun: true }) { valid rejected } }';
      const users = [{ email: uniqueEmail('audit-import') }, { email: uniqueEmail('audit-import'), passwordHash: '$1$not$supported' }];
      const report = await adminRequest(t, writeKey, importUsers, { users }, { headers: { 'x-request-id': 'audit-import' } });
      expect(report.body).toEqual({ data: { importUsers: { valid: 1, rejected: 1 } } });
      expect(auditLines(t, 'audit-import').map((l) => l.fields.audit)).toEqual([
        { action: 'importUsers', ...who, outcome: 'OK', dryRun: true, counts: { created: 0, valid: 1, skipped: 0, rejected: 1 } },
      ]);

      // Reads are in the access line only.
      const read = await adminRequest(t, readKey, '{ users(first: 5) { nodes { id } } }', {}, { headers: { 'x-request-id': 'audit-read' } });
      expect(read.status).toBe(200);
      expect(auditLines(t, 'audit-read')).toEqual([]);
      expect(accessLine(t, 'audit-read')[0]!.fields).toMatchObject({ api: 'admin', operatorKey: keyIdOf(readKey), operatorKeyName: 'gate read key', fields: ['users'], outcome: ['OK'] });
    });

    it('says "api":"admin" in the access lines of requests refused before the key, and names no key there', async () => {
      await send(admin(), { method: 'GET', headers: { 'x-request-id': 'access-405' } });
      await send(admin(), { headers: { ...json(), 'content-type': 'text/plain', 'x-request-id': 'access-415' }, body: body() });
      await send(admin(), { headers: { ...json(), 'x-request-id': 'access-413' }, body: JSON.stringify({ query: OPERATOR_KEY + ' '.repeat(2100) }) });
      await adminRequest(t, null, OPERATOR_KEY, {}, { headers: { 'x-request-id': 'access-401' } });
      await adminRequest(t, writeKey, OPERATOR_KEY, {}, { headers: { 'x-request-id': 'access-403', origin: 'https://ops.example' } });
      for (const [requestId, status] of [['access-405', 405], ['access-415', 415], ['access-413', 413], ['access-401', 401], ['access-403', 403]] as const) {
        // Written when the answer has gone out ('finish'), which the client may see a moment earlier.
        await expect.poll(() => accessLine(t, requestId)).toHaveLength(1);
        const line = accessLine(t, requestId)[0]!;
        expect(line.fields, requestId).toMatchObject({ api: 'admin', status, path: '/admin/graphql', clientIp: '127.0.0.1' });
        expect(line.fields, requestId).not.toHaveProperty('operatorKey');
      }
    });

    it('never logs a key’s secret, a password hash, a reset or invitation code, or GraphQL variables', async () => {
      const { sink } = t;
      // A user with a password, whose reset an operator forces; an invited one; an imported one.
      const user = await signUpNewUser(t);
      const verificationCode = codeIn(await sink.waitForMail(user.email, 1, MAIL.verificationCode));
      const force = await adminRequest(t, writeKey, 'mutation($id: ID!) { forcePasswordReset(input: { id: $id }) { message } }', { id: user.userId });
      expect(force.body).toEqual({ data: { forcePasswordReset: { message: 'password reset code sent!' } } });
      const resetCode = codeIn(await sink.waitForMail(user.email, 1, MAIL.resetCode));

      const invited = uniqueEmail('invited');
      const invitedName = `Invited${randomBytes(6).toString('hex')}`;
      const create = await adminRequest(t, writeKey, 'mutation($email: String!, $username: String) { createUser(input: { email: $email, username: $username }) { message } }', { email: invited, username: invitedName });
      expect(create.body).toEqual({ data: { createUser: { message: 'user created!' } } });
      const invitationCode = codeIn(await sink.waitForMail(invited, 1, /invitation/i));

      const importedEmail = uniqueEmail('imported-secret');
      const importedName = `Imported${randomBytes(6).toString('hex')}`;
      const importedHash = await bcrypt.hash(`${GOOD_PASSWORD}-${randomBytes(4).toString('hex')}`, 4);
      const imported = await adminRequest(t, writeKey, 'mutation($users: [ImportUserInput!]!) { importUsers(input: { users: $users }) { created } }', {
        users: [{ email: importedEmail, username: importedName, passwordHash: importedHash }],
      });
      expect(imported.body).toEqual({ data: { importUsers: { created: 1 } } });

      // A secret presented that is not the key's.
      const wrongSecret = randomBytes(32).toString('base64url');
      expectKeyRefused(await adminRequest(t, `opk_${keyIdOf(writeKey)}_${wrongSecret}`, OPERATOR_KEY));

      const { passwordHash } = await t.app.database.prisma.user.findUniqueOrThrow({ where: { id: user.userId } });
      expect(passwordHash).toMatch(/^\$argon2id\$/);
      // Everything written about every request of this app, mails included.
      await t.app.services.background.drain();
      const everything = [
        ...t.logger.lines,
        ...t.logger.entries.map((entry) => JSON.stringify({ ...entry, err: entry.err ? { message: entry.err.message, stack: entry.err.stack } : undefined })),
      ].join('\n');
      expect(everything).toContain(`[audit] forcePasswordReset`);
      expect(everything).toContain(keyIdOf(writeKey));
      for (const [what, secret] of [
        ['the write key', writeKey],
        ['its secret', secretOf(writeKey)],
        ['the read key’s secret', secretOf(readKey)],
        ['a presented wrong secret', wrongSecret],
        ['a password hash', passwordHash!],
        ['an imported hash', importedHash],
        ['an imported email (a variable)', importedEmail],
        ['an imported username (a variable)', importedName],
        ['an invited username (a variable)', invitedName],
      ] as const) {
        expect(everything.includes(secret), what).toBe(false);
      }
      // Codes are digits: look for them standing alone, not inside ids or durations.
      for (const [what, code] of [['a verification code', verificationCode], ['a reset code', resetCode], ['an invitation code', invitationCode]] as const) {
        expect(code).toMatch(/^\d{8}$/);
        expect(everything, what).not.toMatch(new RegExp(`(?<![0-9a-f.])${code}(?![0-9a-f])`, 'i'));
      }
      expect(everything).not.toMatch(/"variables"/);
    });
  });

  it('counts root fields by outcome in auth_admin_requests_total; a request refused before execution as field "none"', async () => {
    const user = await signUpNewUser(t);
    const count = (samples: Sample[], field: string, outcome: string) => valueOf(samples, 'auth_admin_requests_total', { field, outcome }) ?? 0;
    const before = (await scrape(t.app.metricsUrl()!)).samples;

    await adminRequest(t, readKey, OPERATOR_KEY);
    await adminRequest(t, readKey, '{ operatorKey { keyId } users(first: 1) { nodes { id } } }');
    await adminRequest(t, writeKey, MARK_VERIFIED, { id: user.userId });
    await adminRequest(t, writeKey, MARK_VERIFIED, { id: user.userId });
    await adminRequest(t, readKey, MARK_VERIFIED, { id: user.userId });
    await adminRequest(t, null, OPERATOR_KEY);
    await adminRequest(t, writeKey, OPERATOR_KEY, {}, { headers: { origin: 'https://ops.example' } });
    await adminRequest(t, writeKey, '', {}, { body: '{not json' });
    await adminRequest(t, writeKey, '{ noSuchField }');
    // Names a client makes up never become label values.
    const madeUp = Array.from({ length: 20 }, () => `made_up_${randomBytes(5).toString('hex')}`);
    for (const name of madeUp) await adminRequest(t, writeKey, `query ${name} { ${name} }`);

    const { samples, text } = await scrape(t.app.metricsUrl()!);
    const delta = (field: string, outcome: string) => count(samples, field, outcome) - count(before, field, outcome);
    expect({
      operatorKey: delta('operatorKey', 'OK'),
      users: delta('users', 'OK'),
      verified: delta('markEmailVerified', 'OK'),
      conflict: delta('markEmailVerified', 'CONFLICT'),
      // The read key's mutation never ran: no field of it counts.
      readOnly: delta('markEmailVerified', 'FORBIDDEN'),
      forbidden: delta('none', 'FORBIDDEN'),
      unauthenticated: delta('none', 'UNAUTHENTICATED'),
      badRequest: delta('none', 'BAD_REQUEST'),
      invalid: delta('none', 'GRAPHQL_VALIDATION_FAILED'),
    }).toEqual({ operatorKey: 2, users: 1, verified: 1, conflict: 1, readOnly: 0, forbidden: 2, unauthenticated: 1, badRequest: 1, invalid: 21 });
    expect(text).not.toMatch(/made_up_/);
    // The public API's counter never counts an operator field.
    const operatorFields = ['operatorKey', 'users', 'user', 'markEmailVerified'];
    expect(samples.filter((s) => s.name === 'graphql_requests_total' && operatorFields.includes(s.labels.field!))).toEqual([]);
  });

  it('logs at start where it listens and, with no key in the database, how to make one; not once a key exists, nor without ADMIN_PORT', async () => {
    expect(t.logger.entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ level: 'info', message: `Operator API at ${admin().href}` }),
        expect.objectContaining({ level: 'warn', message: 'no operator key: create one with npm run operator-key -- create' }),
      ]),
    );
    // On loopback (the default): no warning about keys in clear.
    expect(t.logger.entries.filter((entry) => /not loopback/.test(entry.message))).toEqual([]);

    const withKey = await startSecondInstance(t, ADMIN_ENV);
    onTestFinished(() => withKey.close());
    expect(withKey.logger.entries.filter((entry) => entry.message.startsWith('Operator API at'))).toHaveLength(1);
    expect(withKey.logger.entries.filter((entry) => entry.message.startsWith('no operator key'))).toEqual([]);

    const withoutPort = await startSecondInstance(t);
    onTestFinished(() => withoutPort.close());
    expect(withoutPort.app.adminUrl()).toBeUndefined();
    expect(withoutPort.logger.entries.filter((entry) => /operator/i.test(entry.message))).toEqual([]);
  });

  it('warns at start when ADMIN_HOST is not loopback', async () => {
    const exposed = await startSecondInstance(t, { ...ADMIN_ENV, ADMIN_HOST: '0.0.0.0' });
    onTestFinished(() => exposed.close());
    expect(exposed.logger.entries.filter((entry) => entry.level === 'warn' && entry.message.startsWith('ADMIN_HOST'))).toEqual([
      expect.objectContaining({ message: 'ADMIN_HOST 0.0.0.0 is not loopback: operator keys travel in clear unless a private network or a TLS proxy carries them' }),
    ]);
    // And it answers there.
    const url = new URL('/admin/graphql', `http://127.0.0.1:${exposed.app.adminUrl()!.port}`);
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${readKey}` }, body: JSON.stringify({ query: '{ operatorKey { keyId } }' }) });
    expect(await res.json()).toEqual({ data: { operatorKey: { keyId: keyIdOf(readKey) } } });
  });
});

describe('the order of checks, with rate limits on', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      env: { ...ADMIN_ENV, RATE_LIMITS: 'on', RATE_LIMIT_ADMIN_AUTH_IP: '3/900', RATE_LIMIT_ADMIN_KEY: '3/60', TRUST_PROXY: 'true' },
    });
  });
  afterAll(() => t?.close());

  /** A request from a client address of its own (behind the trusted proxy). */
  const from = (address: string, key: string | null, headers: Record<string, string> = {}, query = OPERATOR_KEY) =>
    adminRequest(t, key, query, {}, { headers: { 'x-forwarded-for': address, ...headers } });
  const wrongKey = (token: string) => `opk_${keyIdOf(token)}_${randomBytes(32).toString('base64url')}`;

  it('after three failed keys from an address, refuses its next request with 429 before looking at the key, right or wrong', async () => {
    const key = await createKey(t, 'read', 'right key');
    const address = uniqueAddress();
    for (let i = 0; i < 3; i++) expectKeyRefused(await from(address, i === 0 ? 'garbage' : wrongKey(key)));

    const right = await from(address, key, { 'x-request-id': 'over-ip-limit-right-key' });
    expectTooManyRequests(right, 900);
    expect(keyRefusedLines(t, 'over-ip-limit-right-key')).toEqual([]);
    expectTooManyRequests(await from(address, wrongKey(key)), 900);
    // The Origin check comes first: a browser still hears that it is one.
    expect((await from(address, key, { origin: 'https://ops.example' })).body).toEqual(NOT_FOR_BROWSERS);
    // Another address is not concerned, with the same key.
    expect((await from(uniqueAddress(), key)).body).toEqual({ data: { operatorKey: { keyId: keyIdOf(key), name: 'right key', scope: 'READ' } } });
  });

  it('refuses an Origin before the key is looked at: it counts as no failed key', async () => {
    const key = await createKey(t, 'read', 'origin key');
    const address = uniqueAddress();
    for (let i = 0; i < 5; i++) {
      const res = await from(address, wrongKey(key), { origin: 'https://ops.example', 'x-request-id': `origin-first-${i}` });
      expect([res.status, res.body]).toEqual([403, NOT_FOR_BROWSERS]);
      expect(keyRefusedLines(t, `origin-first-${i}`)).toEqual([]);
    }
    // Two failures, then the right key still answers: none of the five counted.
    for (let i = 0; i < 2; i++) expectKeyRefused(await from(address, wrongKey(key)));
    expect((await from(address, key)).status).toBe(200);
    expectKeyRefused(await from(address, wrongKey(key)));
    expectTooManyRequests(await from(address, key), 900);
  });

  it('limits each key: its fourth request in the minute is 429, before its document is read, while another key still answers', async () => {
    const busy = await createKey(t, 'read', 'busy key');
    const other = await createKey(t, 'read', 'other key');
    const address = uniqueAddress();
    for (let i = 0; i < 3; i++) expect((await from(address, busy)).status).toBe(200);
    expectTooManyRequests(await from(address, busy), 60);
    // Over its limit, the key's requests are refused before parsing and validation.
    expectTooManyRequests(await from(address, busy, {}, '{ noSuchField'), 60);
    expectTooManyRequests(await from(address, busy, {}, '{ noSuchField }'), 60);
    // None of that was a failed key for the address, and the other key is not concerned.
    expect((await from(address, other)).body).toEqual({ data: { operatorKey: { keyId: keyIdOf(other), name: 'other key', scope: 'READ' } } });
  });
});

describe('shutdown', () => {
  it('lets an operator request in flight finish during the grace, refusing new connections meanwhile', async () => {
    const t = await startTestApp({ env: { ...ADMIN_ENV, SHUTDOWN_GRACE_SECONDS: '10' } });
    const key = await createKey(t, 'write');
    const user = await signUpNewUser(t);
    const url = adminUrl(t);
    const payload = JSON.stringify({ query: MARK_VERIFIED, variables: { id: user.userId } });

    // Expect: 100-continue: the server says "go on" once it has taken the request, before the body.
    const request = httpRequest(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), authorization: `Bearer ${key}`, expect: '100-continue' },
    });
    const answered = new Promise<{ status: number; connection: string | undefined; body: string; at: number }>((resolve, reject) => {
      request.once('error', reject);
      request.once('response', (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.once('end', () => resolve({ status: response.statusCode!, connection: response.headers.connection, body: text, at: performance.now() }));
      });
    });
    request.flushHeaders();
    await once(request, 'continue');

    const closed = t.close().then(() => performance.now());
    // Draining: no new connection to the operator listener.
    await expect(
      new Promise((resolve, reject) => {
        const socket = connect(Number(url.port), url.hostname, () => resolve(socket));
        socket.once('error', reject);
      }),
    ).rejects.toMatchObject({ code: 'ECONNREFUSED' });

    request.end(payload);
    const answer = await answered;
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ data: { markEmailVerified: { message: 'email verified!' } } });
    expect(answer.connection).toBe('close');
    expect(await closed).toBeGreaterThanOrEqual(answer.at);
    expect(t.logger.entries.filter((entry) => /shutdown grace/.test(entry.message))).toEqual([]);
  });
});
