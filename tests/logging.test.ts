// The real logger (pino) as `npm start` configures it: JSON lines or pretty text, and proof that a
// whole account flow logged at debug level leaves no password, token, cookie or code in the logs.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../src/logger.ts';
import { createPinoLogger, type LogFormat } from '../src/observability/pino-logger.ts';
import { CHANGE_PASSWORD, DASHBOARD, ME, RESET_PASSWORD, SEND_MAIL, SIGN_IN, SIGN_UP, uniqueEmail, VERIFY_EMAIL } from './support/operations.ts';
import { codeIn, MAIL, resetCodeIn, startSmtpSink, type SmtpSink } from './support/smtp-sink.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';
import { TestClient } from './support/test-client.ts';

/** A pino logger whose output lines are kept in `lines`. */
function collectingLogger(format: LogFormat, level: 'debug' | 'info' = 'debug'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: createPinoLogger({ level, format, destination }), lines };
}

describe('LOG_FORMAT=json at LOG_LEVEL=debug through a whole account flow', () => {
  let sink: SmtpSink;
  let t: TestApp;
  let lines: string[];
  const secrets: string[] = [];
  const codes: string[] = [];

  beforeAll(async () => {
    sink = await startSmtpSink();
    const collected = collectingLogger('json');
    lines = collected.lines;
    t = await startTestApp({ env: { SMTP_URL: sink.url }, logger: collected.logger });

    const email = uniqueEmail('redaction');
    const password = 'redaction-secret-password-91';
    const wrongPassword = 'wrong-secret-password-73';
    const newPassword = 'renewed-secret-password-58';
    const changedPassword = 'changed-secret-password-36';
    secrets.push(password, wrongPassword, newPassword, changedPassword);

    const browser = t.client();
    const signUp = await browser.graphql(SIGN_UP, { input: { username: 'Redacted', email, password } });
    expect(signUp.data?.signUp.message).toBe('user created!');
    secrets.push((await browser.token())!);
    // signUp mailed a verification code: it is used.
    const verificationCode = codeIn(await sink.waitForMail(email, 1, MAIL.verificationCode));
    codes.push(verificationCode);
    expect((await browser.graphql(VERIFY_EMAIL, { input: { code: verificationCode } })).data?.verifyEmail.message).toBe('email verified!');
    expect((await t.client().graphql(SIGN_IN, { input: { email, password: wrongPassword } })).errors?.[0]?.extensions?.code).toBe(
      'INVALID_CREDENTIALS',
    );
    expect((await browser.graphql(SIGN_IN, { input: { email, password } })).data?.signIn.message).toBe('login successful!');
    const cookieToken = (await browser.token())!;
    secrets.push(cookieToken);

    // A cookie request, as a browser makes it (the whole Cookie header is a secret too).
    const dashboard = await browser.graphql(DASHBOARD);
    expect(dashboard.errors).toBeUndefined();
    secrets.push(`${browser.cookieName}=${cookieToken}`, (await browser.token())!);

    // Forgot password: the code arrives by mail, is used, and the password changes.
    await t.client().graphql(SEND_MAIL, { input: { email } });
    const code = resetCodeIn(await sink.waitForMail(email, 1, MAIL.resetCode));
    codes.push(code);
    const reset = await t.client().graphql(RESET_PASSWORD, { input: { email, code, newPassword } });
    expect(reset.data?.resetPassword.message).toBe('password reset successful!');

    // A Bearer request, as a mobile client makes it.
    const mobile = t.client();
    const signIn = await mobile.graphql(SIGN_IN, { input: { email, password: newPassword } });
    expect(signIn.errors).toBeUndefined();
    const bearer = (await mobile.token())!;
    secrets.push(bearer);
    const bearerDashboard = await new TestClient(t.graphqlUrl).graphql(DASHBOARD, undefined, { authorization: `Bearer ${bearer}` });
    expect(bearerDashboard.errors).toBeUndefined();

    // changePassword, from the mobile session: a new session and token come back.
    const changed = await mobile.graphql(CHANGE_PASSWORD, { input: { currentPassword: newPassword, newPassword: changedPassword } });
    expect(changed.data?.changePassword.message).toBe('password changed!');
    secrets.push((await mobile.token())!);
    // Every cookie either client holds (the session and the device cookie) is a secret.
    for (const client of [browser, mobile]) for (const cookie of await client.jar.getCookies(t.graphqlUrl.toString())) secrets.push(cookie.value);

    // A query sent by GET, with a secret in its variables: the query string is never logged.
    const viaGet = await t.client().get({ query: 'query Me($unused: String) { me { id } }', variables: JSON.stringify({ unused: 'get-secret-value-44' }) });
    expect(viaGet.status).toBe(200);
    secrets.push('get-secret-value-44');

    await t.client().graphql(ME);
    await t.app.services.background.drain();
  }, 120_000);

  afterAll(async () => {
    await t.close();
    await sink.close();
  });

  it('logged the flow: one JSON object per line, debug lines included, an access line for each operation', () => {
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const entry of entries) expect(entry).toMatchObject({ level: expect.any(String), time: expect.any(String), msg: expect.any(String) });
    expect(entries.some((entry) => entry.level === 'debug')).toBe(true);
    const operations = entries.filter((entry) => entry.status !== undefined).flatMap((entry) => (entry.fields as string[] | undefined) ?? []);
    for (const field of ['signUp', 'verifyEmail', 'signIn', 'dashboard', 'sendMail', 'resetPassword', 'changePassword', 'me']) expect(operations).toContain(field);
    // Every line written while a request was handled carries its id.
    const accessLines = entries.filter((entry) => entry.status !== undefined);
    for (const entry of accessLines) expect(entry.requestId).toEqual(expect.any(String));
  });

  it('holds no password, token, cookie header or code anywhere', () => {
    expect(secrets.length).toBeGreaterThanOrEqual(8);
    const log = lines.join('\n');
    for (const secret of secrets) expect(log).not.toContain(secret);
    // Codes are digits: look for them as a whole number, not inside an id or a timestamp.
    for (const code of codes) expect(log).not.toMatch(new RegExp(`(?<![0-9A-Za-z])${code}(?![0-9A-Za-z])`));
    expect(log).not.toMatch(/authorization|cookie"|bearer /i);
  });
});

describe('the pino logger', () => {
  it('censors credentials even when a line carries them by mistake', () => {
    const { logger, lines } = collectingLogger('json', 'info');
    logger.info('a careless line', {
      password: 'pw-1',
      token: 'tok-2',
      headers: { cookie: 'access_token=tok-3', authorization: 'Bearer tok-4', 'set-cookie': 'tok-5' },
      variables: { input: { email: 'x@example.com', password: 'pw-6' } },
      input: { code: '123456' },
      newPassword: 'pw-7',
      currentPassword: 'pw-8',
      user: { email: 'kept@example.com' },
    });
    expect(lines).toHaveLength(1);
    for (const value of ['pw-1', 'tok-2', 'tok-3', 'tok-4', 'tok-5', 'pw-6', '123456', 'pw-7', 'pw-8']) expect(lines[0]).not.toContain(value);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      password: '[redacted]',
      headers: { cookie: '[redacted]', authorization: '[redacted]', 'set-cookie': '[redacted]' },
      variables: '[redacted]',
      newPassword: '[redacted]',
      user: { email: 'kept@example.com' },
    });
  });

  it('writes an error with its stack in `err`, and child fields on every line', () => {
    const { logger, lines } = collectingLogger('json', 'info');
    logger.child({ requestId: 'r-1' }).error('it broke', new Error('disk full'), { attempt: 2 });
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 'error',
      msg: 'it broke',
      requestId: 'r-1',
      attempt: 2,
      err: { type: 'Error', message: 'disk full', stack: expect.stringMatching(/^Error: disk full\n\s+at /) },
    });
  });

  it('writes one readable line per entry with LOG_FORMAT=pretty, fields included', () => {
    const { logger, lines } = collectingLogger('pretty', 'info');
    logger.info('POST /graphql 200', { requestId: 'r-2', durationMs: 3.2 });
    logger.debug('not at info');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: POST \/graphql 200 \{"requestId":"r-2","durationMs":3\.2\}$/);
  });
});
