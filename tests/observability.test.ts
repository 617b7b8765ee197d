// What an operator sees: request ids on every answer and every log line about a request, one
// access line per request, unexpected errors logged once with the id the client was given, and
// Prometheus metrics on a listener of their own with a bounded number of series.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { signUpNewUser } from './support/accounts.ts';
import { FINISH_PASSKEY_SIGN_IN, GOOD_PASSWORD, ME, SEND_MAIL, SIGN_IN, SIGN_UP, uniqueEmail } from './support/operations.ts';
import { PASSKEY_ENV, PASSKEY_ORIGIN, passkeySignIn, registerPasskey } from './support/passkeys.ts';
import { scrape, valueOf } from './support/prometheus.ts';
import { MAIL, startSmtpSink, type SmtpSink } from './support/smtp-sink.ts';
import { SoftAuthenticator } from './support/soft-authenticator.ts';
import { startAppOnClosableDatabase, startTestApp, type TestApp } from './support/test-app.ts';
import { usingPostgres } from './support/test-database.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The access line of a request: the one entry about it that carries an HTTP status. */
function accessLines(app: TestApp, requestId: string) {
  return app.logger.about(requestId).filter((entry) => entry.fields.status !== undefined);
}

describe('request ids and logs', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('answers every response with an X-Request-Id: the caller’s own when sane, otherwise a new one', async () => {
    const requestId = async (path: string, headers: Record<string, string> = {}, init: RequestInit = {}) => {
      const response = await fetch(new URL(path, t.url), { ...init, headers });
      await response.arrayBuffer();
      return response.headers.get('x-request-id');
    };
    const graphqlPost = { method: 'POST', body: JSON.stringify({ query: '{ me { id } }' }) };
    const json = { 'content-type': 'application/json' };

    // Generated, and different for every request, on every kind of answer.
    const generated = [
      await requestId('/graphql', json, graphqlPost),
      await requestId('/graphql', json, graphqlPost),
      await requestId('/health'),
      await requestId('/ready'),
      await requestId('/graphql', { accept: 'text/html' }),
      await requestId('/no-such-page'),
      await requestId('/graphql', { 'content-type': 'text/plain' }, graphqlPost),
    ];
    for (const id of generated) expect(id).toMatch(UUID);
    expect(new Set(generated).size).toBe(generated.length);

    // The caller's own, when it is at most 128 letters, digits, '-', '_' and '.'.
    const sane = ['abc-123_X.y', 'a'.repeat(128), '0f8fad5b-d9cb-469f-a165-70867728950e'];
    for (const id of sane) expect(await requestId('/graphql', { ...json, 'x-request-id': id }, graphqlPost)).toBe(id);
    for (const id of sane) expect(await requestId('/health', { 'x-request-id': id })).toBe(id);

    // Anything else is replaced, never echoed: it would go into logs and other systems.
    const insane = ['a'.repeat(129), 'has space', 'semi;colon', '<script>', 'ab/cd', '"quoted"', 'new%0Aline'];
    for (const id of insane) expect(await requestId('/graphql', { ...json, 'x-request-id': id }, graphqlPost)).toMatch(UUID);
  });

  it('writes one access line per request: id, method, path, operation, root fields, outcome, status, duration, client address', async () => {
    const { email } = await signUpNewUser(t);
    const res = await t.client().graphql(SIGN_IN, { input: { email, password: 'not-the-password' } }, { 'x-request-id': 'access-wrong-password' });
    expect(res.errors?.[0]?.extensions?.code).toBe('INVALID_CREDENTIALS');

    const lines = accessLines(t, 'access-wrong-password');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'info',
      message: 'POST /graphql 200',
      fields: {
        requestId: 'access-wrong-password',
        method: 'POST',
        path: '/graphql',
        status: 200,
        operation: 'SignIn',
        fields: ['signIn'],
        outcome: ['INVALID_CREDENTIALS'],
        clientIp: '127.0.0.1',
        durationMs: expect.any(Number),
      },
    });
    expect(lines[0]!.fields.durationMs).toBeGreaterThanOrEqual(0);

    const ok = await t.client().graphql('query Both { me { id } mine: me { email } }', {}, { 'x-request-id': 'access-ok' });
    expect(ok.errors).toBeUndefined();
    expect(accessLines(t, 'access-ok')).toMatchObject([{ fields: { operation: 'Both', fields: ['me', 'me'], outcome: ['OK'] } }]);
  });

  it('gives a body over MAX_BODY_BYTES, refused before Yoga sees it, an id and one access line too', async () => {
    const tooLarge = JSON.stringify({ query: '{ me { id } }', variables: { padding: 'x'.repeat(t.config.maxBodyBytes) } });
    const own = await fetch(t.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'too-large-1' }, body: tooLarge });
    await own.arrayBuffer();
    expect(own.status).toBe(413);
    expect(own.headers.get('x-request-id')).toBe('too-large-1');
    const generated = await fetch(t.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'not sane' }, body: tooLarge });
    await generated.arrayBuffer();
    expect(generated.headers.get('x-request-id')).toMatch(UUID);

    // Written when the answer has gone out ('finish'), which the client may see a moment earlier.
    await expect.poll(() => accessLines(t, 'too-large-1')).toMatchObject([
      { level: 'info', message: 'POST /graphql 413', fields: { requestId: 'too-large-1', status: 413, path: '/graphql', clientIp: '127.0.0.1' } },
    ]);
    await expect.poll(() => accessLines(t, generated.headers.get('x-request-id')!)).toHaveLength(1);
  });

  it('logs nothing for /health and /ready while they answer 200, and a line when /ready fails', async () => {
    const probe = async (app: TestApp, path: string, requestId: string) => {
      const response = await fetch(new URL(path, app.url), { headers: { 'x-request-id': requestId } });
      await response.arrayBuffer();
      return response.status;
    };
    const above = (app: TestApp, requestId: string) => app.logger.about(requestId).filter((entry) => entry.level !== 'debug');
    expect(await probe(t, '/health', 'probe-health')).toBe(200);
    expect(await probe(t, '/ready', 'probe-ready')).toBe(200);
    expect(above(t, 'probe-health')).toEqual([]);
    expect(above(t, 'probe-ready')).toEqual([]);

    const broken = await startAppOnClosableDatabase();
    onTestFinished(() => broken.close());
    await broken.app.database.close();
    expect(await probe(broken, '/ready', 'probe-not-ready')).toBe(503);
    expect(above(broken, 'probe-not-ready')).toMatchObject([{ level: 'warn', message: 'GET /ready 503', fields: { status: 503 } }]);
  }, 120_000);

  it('logs a client’s mistake at info in its access line, never as an error', async () => {
    const res = await t.client().graphql('{ me { emial } }', {}, { 'x-request-id': 'client-mistake' });
    expect(res.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(t.logger.about('client-mistake').map((entry) => entry.level)).not.toContain('error');
    expect(accessLines(t, 'client-mistake')).toMatchObject([{ level: 'info', fields: { status: 200, outcome: ['GRAPHQL_VALIDATION_FAILED'] } }]);
  });

  it('tags the lines a request causes with its id, also those of the mail it sends after answering', async () => {
    const { email } = await signUpNewUser(t);
    const res = await t.client().graphql(SEND_MAIL, { input: { email } }, { 'x-request-id': 'mail-request' });
    expect(res.errors).toBeUndefined();
    await t.app.services.background.drain();
    const mailLine = t.logger.about('mail-request').find((entry) => entry.message.startsWith('[mail]'));
    expect(mailLine).toMatchObject({ level: 'info', fields: { requestId: 'mail-request', to: email } });
  });

  it('logs an unexpected error once, with its stack and the request id the client gets in extensions', async () => {
    // A fault inside a service (a bug, say): nothing the client did.
    const { accounts } = t.app.services;
    const original = accounts.signIn;
    accounts.signIn = async () => {
      throw new TypeError("Cannot read properties of undefined (reading 'passwordHash')");
    };
    onTestFinished(() => void (accounts.signIn = original));

    const quoted = await t.client().graphql(SIGN_IN, { input: { email: uniqueEmail(), password: GOOD_PASSWORD } }, { 'x-request-id': 'support-ticket-42' });
    expect(quoted.headers.get('x-request-id')).toBe('support-ticket-42');
    expect(quoted.errors).toEqual([
      expect.objectContaining({ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'support-ticket-42' } }),
    ]);
    const errors = t.logger.about('support-ticket-42').filter((entry) => entry.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.err?.stack).toMatch(/TypeError: Cannot read properties of undefined[\s\S]*\n\s+at /);

    // Without an id of its own, the client gets the generated one from X-Request-Id.
    const generated = await t.client().graphql(SIGN_IN, { input: { email: uniqueEmail(), password: GOOD_PASSWORD } });
    const id = generated.headers.get('x-request-id');
    expect(id).toMatch(UUID);
    expect(generated.errors?.[0]?.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', requestId: id });
    expect(t.logger.about(id!).filter((entry) => entry.level === 'error')).toHaveLength(1);
  });
});

describe('metrics', () => {
  let sink: SmtpSink;
  let t: TestApp;
  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestApp({
      env: { METRICS_PORT: '0', SMTP_URL: sink.url, RATE_LIMITS: 'on', RATE_LIMIT_SIGN_IN_ACCOUNT: '2/900' },
    });
  });
  afterAll(async () => {
    await t.close();
    await sink.close();
  });

  const metricsUrl = () => t.app.metricsUrl()!;

  it('serves them on a listener of its own on 127.0.0.1, and never on the public port', async () => {
    expect(metricsUrl().hostname).toBe('127.0.0.1');
    expect(metricsUrl().port).not.toBe(t.url.port);
    const { status, contentType, samples } = await scrape(metricsUrl());
    expect(status).toBe(200);
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(samples.length).toBeGreaterThan(0);

    expect((await fetch(new URL('/metrics', t.url))).status).toBe(404);
    expect((await fetch(new URL('/other', metricsUrl()))).status).toBe(404);
    expect((await fetch(new URL('/metrics', metricsUrl()), { method: 'POST' })).status).toBe(404);
  });

  it('has no listener without METRICS_PORT', async () => {
    const plain = await startTestApp();
    onTestFinished(() => plain.close());
    expect(plain.app.metricsUrl()).toBeUndefined();
    expect((await fetch(new URL('/metrics', plain.url))).status).toBe(404);
  }, 120_000);

  it('counts root fields by outcome, sign-ins by outcome, rate-limit refusals by rule, mails by kind, and times hashing and requests', async () => {
    const client = t.client();
    const email = uniqueEmail('metrics');
    await client.graphql(SIGN_UP, { input: { username: 'Metrics', email, password: GOOD_PASSWORD } });
    const other = await signUpNewUser(t);
    // signInAccount allows 2 attempts: two wrong passwords, then the third is refused before hashing.
    for (let i = 0; i < 3; i++) await t.client().graphql(SIGN_IN, { input: { email, password: `wrong-password-${i}` } });
    expect((await t.client().graphql(SIGN_IN, { input: { email: other.email, password: GOOD_PASSWORD } })).errors).toBeUndefined();
    await t.client().graphql(SEND_MAIL, { input: { email } });
    await sink.waitForMail(email, 1, MAIL.resetCode);
    // The mail server has the mail; the sender counts it once its answer is back.
    await t.app.services.background.drain();
    await t.client().graphql(ME);

    const { samples } = await scrape(metricsUrl());
    const signIns = (method: string, outcome: string) => valueOf(samples, 'auth_sign_ins_total', { method, outcome });
    expect(signIns('password', 'invalid_credentials')).toBe(2);
    expect(signIns('password', 'rate_limited')).toBe(1);
    expect(signIns('password', 'success')).toBe(1);
    expect(signIns('password', 'second_factor_required')).toBe(0);
    expect(signIns('passkey', 'success')).toBe(0);
    expect(valueOf(samples, 'auth_rate_limit_refusals_total', { rule: 'signInAccount' })).toBe(1);
    expect(valueOf(samples, 'auth_rate_limit_refusals_total', { rule: 'signUpIp' })).toBe(0);
    // Every sign-in here met a hash of today's: nothing rewritten, each format's series there from the start.
    for (const from of ['argon2', 'bcrypt', 'firebase_scrypt', 'django_pbkdf2']) expect(valueOf(samples, 'auth_password_rehashes_total', { from })).toBe(0);
    expect(valueOf(samples, 'graphql_requests_total', { field: 'signIn', outcome: 'INVALID_CREDENTIALS' })).toBe(2);
    expect(valueOf(samples, 'graphql_requests_total', { field: 'signIn', outcome: 'RATE_LIMITED' })).toBe(1);
    expect(valueOf(samples, 'graphql_requests_total', { field: 'signIn', outcome: 'OK' })).toBe(1);
    expect(valueOf(samples, 'graphql_requests_total', { field: 'signUp', outcome: 'OK' })).toBe(2);
    expect(valueOf(samples, 'graphql_requests_total', { field: 'me', outcome: 'OK' })).toBe(1);
    expect(valueOf(samples, 'auth_mails_total', { kind: 'password_reset', result: 'sent' })).toBe(1);
    expect(valueOf(samples, 'auth_mails_total', { kind: 'password_reset', result: 'failed' })).toBe(0);
    // Two sign-ups hashed; two wrong and one right password verified; the refused one never hashed.
    expect(valueOf(samples, 'auth_password_hash_duration_seconds_count', { operation: 'hash' })).toBe(2);
    expect(valueOf(samples, 'auth_password_hash_duration_seconds_count', { operation: 'verify' })).toBe(3);
    expect(valueOf(samples, 'auth_password_hash_duration_seconds_sum', { operation: 'verify' })).toBeGreaterThan(0);
    expect(valueOf(samples, 'http_request_duration_seconds_count', { route: '/graphql', method: 'POST', status: '200' })).toBeGreaterThanOrEqual(8);
    expect(valueOf(samples, 'http_request_duration_seconds_bucket', { route: '/graphql', method: 'POST', status: '200', le: '+Inf' })).toBeGreaterThanOrEqual(8);
    expect(valueOf(samples, 'http_requests_in_flight')).toBe(0);
    // The process: memory, event-loop lag, garbage collection.
    for (const name of ['process_resident_memory_bytes', 'process_cpu_seconds_total', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
      expect(valueOf(samples, name), name).toBeGreaterThanOrEqual(0);
    }
    expect((await scrape(metricsUrl())).text).toMatch(/^# TYPE nodejs_gc_duration_seconds histogram$/m);
    // The PostgreSQL pool, where there is one.
    if (usingPostgres) {
      for (const state of ['in_use', 'idle', 'waiting']) expect(valueOf(samples, 'db_pool_connections', { state })).toBeGreaterThanOrEqual(0);
    }
  });

  it('counts a mail the mail server refuses as failed', async () => {
    const refusing = await startSmtpSink({ refuse: true });
    const app = await startTestApp({ env: { METRICS_PORT: '0', SMTP_URL: refusing.url } });
    onTestFinished(async () => {
      await app.close();
      await refusing.close();
    });
    const { email } = await signUpNewUser(app);
    await app.client().graphql(SEND_MAIL, { input: { email } });
    await app.app.services.background.drain();
    const { samples } = await scrape(app.app.metricsUrl()!);
    expect(valueOf(samples, 'auth_mails_total', { kind: 'password_reset', result: 'failed' })).toBe(1);
    expect(valueOf(samples, 'auth_mails_total', { kind: 'password_reset', result: 'sent' })).toBe(0);
  }, 120_000);

  it('counts passkey sign-ins by outcome beside password ones', async () => {
    const app = await startTestApp({ env: { METRICS_PORT: '0', ...PASSKEY_ENV } });
    onTestFinished(() => app.close());
    const authenticator = new SoftAuthenticator(PASSKEY_ORIGIN);
    await registerPasskey((await signUpNewUser(app)).client, authenticator);
    expect((await passkeySignIn(app.client(), authenticator)).errors).toBeUndefined();
    await passkeySignIn(app.client(), authenticator, {}, { badSignature: true });
    await app.client().graphql(FINISH_PASSKEY_SIGN_IN, { input: { challengeId: 'unknown', response: {} } });
    const { samples } = await scrape(app.app.metricsUrl()!);
    const signIns = (method: string, outcome: string) => valueOf(samples, 'auth_sign_ins_total', { method, outcome });
    expect([signIns('passkey', 'success'), signIns('passkey', 'invalid_credentials'), signIns('passkey', 'invalid_challenge')]).toEqual([1, 1, 1]);
    expect(signIns('password', 'success')).toBe(0);
  }, 120_000);

  it('keeps the number of series fixed through 1,000 requests with random operation names, fields, paths and ids', async () => {
    const random = () => randomBytes(6).toString('hex');
    const shapes: Array<() => Promise<Response>> = [
      () => post({ query: `query Op_${random()} { me { id } }` }),
      () => post({ query: `query Op_${random()} { me { id } }`, operationName: `Other_${random()}` }),
      () => post({ query: `{ field_${random()} }` }),
      () => post({ query: `{ me { field_${random()} } }` }),
      () => post({ query: `mutation Op_${random()} { signIn(input: { email: "x@example.com", password: "p", f_${random()}: 1 }) { message } }` }),
      () => fetch(new URL(`/path-${random()}`, t.url), { headers: { 'x-request-id': random() } }),
    ];
    const post = (body: object) =>
      fetch(t.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': `id-${random()}` }, body: JSON.stringify(body) });
    const ours = (name: string) => /^(http|graphql|auth|db)_/.test(name);
    const series = async () => {
      const { samples } = await scrape(metricsUrl());
      return samples.filter((s) => ours(s.name)).map((s) => `${s.name}${JSON.stringify(s.labels)}`);
    };

    // Every shape once, so each of its series exists; then 1,000 more of them.
    for (const shape of shapes) await (await shape()).arrayBuffer();
    const before = await series();
    let sent = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (sent < 1000) {
          const shape = shapes[sent++ % shapes.length]!;
          await (await shape()).arrayBuffer();
        }
      }),
    );
    const after = await series();
    expect(after.length).toBe(before.length);
    expect(new Set(after)).toEqual(new Set(before));
    expect(after.join('\n')).not.toMatch(/Op_|Other_|field_|path-|id-/);
  }, 120_000);
});
