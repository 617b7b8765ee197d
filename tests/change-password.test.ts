// changePassword: the current password proves the user, the new one meets the signUp policy,
// every session ends and this browser gets a new one, the owner is told by mail, and guessing the
// current password through it shares deleteUser's per-account limit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceClient, errorCode, signIn, signUpNewUser } from './support/accounts.ts';
import { CHANGE_PASSWORD, DASHBOARD, DELETE_USER, GOOD_PASSWORD, SESSIONS, SIGN_IN } from './support/operations.ts';
import { expectRateLimited, uniqueAddress } from './support/rate-limited.ts';
import { MAIL, type SmtpSink } from './support/smtp-sink.ts';
import { startAppWithMailbox, startTestApp, type TestApp, type TestAppWithMailbox } from './support/test-app.ts';

const NEW_PASSWORD = 'amber-lantern-walrus-77';

let t: TestAppWithMailbox;
let sink: SmtpSink;
beforeAll(async () => {
  t = await startAppWithMailbox({ TRUST_PROXY: 'true' });
  sink = t.sink;
});
afterAll(() => t.close());

const signInOutcome = async (email: string, password: string) => {
  const res = await t.client().graphql(SIGN_IN, { input: { email, password } });
  return res.data?.signIn.message ?? errorCode(res);
};

describe('changePassword', () => {
  it('sets the new password, signs out every session, starts a new one for this browser and mails a notice', async () => {
    const laptop = deviceClient(t, 'Laptop/1.0');
    const { email, userId } = await signUpNewUser(t, { client: laptop });
    const phone = deviceClient(t, 'Phone/1.0');
    await signIn(phone, email);
    const oldToken = await laptop.token();
    const oldSessionId = (await laptop.graphql(SESSIONS)).data!.sessions.find((s) => s.current)!.id;

    const res = await laptop.graphql(CHANGE_PASSWORD, { input: { currentPassword: GOOD_PASSWORD, newPassword: NEW_PASSWORD } });
    expect(res.errors).toBeUndefined();
    expect(res.data?.changePassword).toMatchObject({ message: 'password changed!', user: { id: userId, email }, session: { current: true, userAgent: 'Laptop/1.0' } });
    const newSessionId = res.data!.changePassword.session.id;
    expect(newSessionId).not.toBe(oldSessionId);
    // The browser holds the new session's cookie.
    expect(res.setCookie?.value).toBeTruthy();
    expect(res.setCookie?.value).not.toBe(oldToken);
    expect(res.setCookie?.maxAge).toBe(600);
    expect((await laptop.graphql(DASHBOARD)).data?.dashboard.session.id).toBe(newSessionId);

    // Every earlier session is dead: the phone, and a copy of the laptop's old token.
    expect(errorCode(await phone.graphql(DASHBOARD))).toBe('UNAUTHENTICATED');
    const replay = t.client();
    await replay.useToken(oldToken!);
    expect(errorCode(await replay.graphql(DASHBOARD))).toBe('UNAUTHENTICATED');
    expect((await laptop.graphql(SESSIONS)).data?.sessions.map((s) => s.id)).toEqual([newSessionId]);

    expect(await signInOutcome(email, GOOD_PASSWORD)).toBe('INVALID_CREDENTIALS');
    expect(await signInOutcome(email, NEW_PASSWORD)).toBe('login successful!');

    const notice = await sink.waitForMail(email, 1, MAIL.passwordChanged);
    expect(notice.subject).toMatch(/password.*changed/i);
    expect(notice.text).toMatch(/signed-in session/);
    expect(notice.html).toMatch(/signed-in session/);
  });

  it('refuses a wrong current password with INVALID_CREDENTIALS and changes nothing', async () => {
    const { email, client } = await signUpNewUser(t);
    const res = await client.graphql(CHANGE_PASSWORD, { input: { currentPassword: 'not-my-password-1', newPassword: NEW_PASSWORD } });
    expect(res).toMatchObject({ data: null, errors: [{ message: 'invalid credentials!', extensions: { code: 'INVALID_CREDENTIALS' } }] });
    expect(errorCode(await client.graphql(DASHBOARD))).toBeUndefined();
    expect(await signInOutcome(email, GOOD_PASSWORD)).toBe('login successful!');
    expect(await signInOutcome(email, NEW_PASSWORD)).toBe('INVALID_CREDENTIALS');
    await t.app.services.background.drain();
    expect(sink.mailsTo(email, MAIL.passwordChanged)).toEqual([]);
  });

  it("applies signUp's policy to the new password, naming the field, and changes nothing", async () => {
    const { email, client } = await signUpNewUser(t);
    for (const [newPassword, reason] of [
      ['short', /at least 8/],
      ['password123', /too common/],
      ['x'.repeat(257), /at most 256/],
    ] as const) {
      const res = await client.graphql(CHANGE_PASSWORD, { input: { currentPassword: GOOD_PASSWORD, newPassword } });
      expect(res.errors?.[0]).toMatchObject({ message: expect.stringMatching(/^newPassword: /), extensions: { code: 'BAD_USER_INPUT', field: 'newPassword' } });
      expect(res.errors?.[0]?.message).toMatch(reason);
    }
    expect(errorCode(await client.graphql(DASHBOARD))).toBeUndefined();
    expect(await signInOutcome(email, GOOD_PASSWORD)).toBe('login successful!');
  });

  it('needs a session', async () => {
    const res = await t.client().graphql(CHANGE_PASSWORD, { input: { currentPassword: GOOD_PASSWORD, newPassword: NEW_PASSWORD } });
    expect(errorCode(res)).toBe('UNAUTHENTICATED');
  });
});

describe('changePassword rate limit', () => {
  const WINDOW = 900;
  let limited: TestApp;
  beforeAll(async () => {
    limited = await startTestApp({ env: { RATE_LIMITS: 'on', TRUST_PROXY: 'true', RATE_LIMIT_DELETE_USER_ACCOUNT: `3/${WINDOW}` } });
  });
  afterAll(() => limited.close());

  it("shares deleteUser's per-account limit on the password check, from any address: then even the right password is refused", async () => {
    const { client, email } = await signUpNewUser(limited, { client: deviceClient(limited, 'Browser/1.0') });
    const change = (currentPassword: string) =>
      client.graphql(CHANGE_PASSWORD, { input: { currentPassword, newPassword: NEW_PASSWORD } }, { 'x-forwarded-for': uniqueAddress() });
    expect(errorCode(await change('wrong-guess-one-1'))).toBe('INVALID_CREDENTIALS');
    expect(errorCode(await client.graphql(DELETE_USER, { input: { email, password: 'wrong-guess-two-2' } }, { 'x-forwarded-for': uniqueAddress() }))).toBe(
      'INVALID_CREDENTIALS',
    );
    expect(errorCode(await change('wrong-guess-three-3'))).toBe('INVALID_CREDENTIALS');

    expectRateLimited(await change(GOOD_PASSWORD), WINDOW, { carriedSession: true });
    // Nothing changed: the old password still signs in, the new one does not.
    const signInWith = (password: string) => deviceClient(limited, 'Other/1.0').graphql(SIGN_IN, { input: { email, password } });
    expect((await signInWith(GOOD_PASSWORD)).data?.signIn.message).toBe('login successful!');
    expect(errorCode(await signInWith(NEW_PASSWORD))).toBe('INVALID_CREDENTIALS');
  });
});
