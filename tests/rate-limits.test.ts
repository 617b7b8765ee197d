// The attempt limits over real HTTP, rule by rule: who is counted (client address, account), what
// a refused client sees (RATE_LIMITED with retryAfter), what the refused attempt does not do, and
// that instances sharing a store (PostgreSQL, Redis) share the counters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { signUpNewUser } from './support/accounts.ts';
import {
  DASHBOARD,
  DELETE_USER,
  GOOD_PASSWORD,
  RESET_PASSWORD,
  SEND_MAIL,
  SIGN_IN,
  SIGN_UP,
  uniqueEmail,
} from './support/operations.ts';
import { expectRateLimited, outcome, uniqueAddress, uniqueIpv6Prefix } from './support/rate-limited.ts';
import { MAIL, resetCodeIn, type SmtpSink, startSmtpSink } from './support/smtp-sink.ts';
import { SHARED_STORES, twoInstancesOn } from './support/shared-stores.ts';
import { startTestApp, TEST_ENCRYPTION_KEY, TEST_SECRET, type TestApp } from './support/test-app.ts';
import type { TestClient } from './support/test-client.ts';

// Far longer than any test: every attempt of a test falls inside one window however slow the
// machine (nothing waits for these windows to end; the retryAfter test has a rule of its own).
const WINDOW = 600;
const OTHER_PASSWORD = 'amber-lantern-fjord-77';

// Small limits, each different, so a test shows which rule refused it. Behind a trusted proxy,
// every client gets an address of its own: the tests do not count against each other.
const LIMITS = {
  RATE_LIMITS: 'on',
  TRUST_PROXY: 'true',
  RATE_LIMIT_SIGN_IN_ACCOUNT: `3/${WINDOW}`,
  RATE_LIMIT_SIGN_IN_IP: `4/${WINDOW}`,
  RATE_LIMIT_SIGN_UP_IP: `2/${WINDOW}`,
  RATE_LIMIT_SEND_MAIL_EMAIL: `2/${WINDOW}`,
  RATE_LIMIT_SEND_MAIL_IP: `3/${WINDOW}`,
  RATE_LIMIT_RESET_PASSWORD_EMAIL: `2/${WINDOW}`,
  RATE_LIMIT_RESET_PASSWORD_IP: `3/${WINDOW}`,
  RATE_LIMIT_DELETE_USER_ACCOUNT: `2/${WINDOW}`,
  RATE_LIMIT_DELETE_USER_IP: `3/${WINDOW}`,
};

let sink: SmtpSink;
let t: TestApp;
beforeAll(async () => {
  sink = await startSmtpSink();
  t = await startTestApp({ env: { ...LIMITS, SMTP_URL: sink.url } });
});
afterAll(async () => {
  await t.close();
  await sink.close();
});

/** A client behind the trusted proxy at an address of its own (or the one given). */
const clientAt = (app: TestApp, address = uniqueAddress()) => app.client({ headers: { 'x-forwarded-for': address } });

const signIn = (client: TestClient, email: string, password: string) => client.graphql(SIGN_IN, { input: { email, password } });

/** A new account, signed up from an address of its own; the client holds its session. */
const signUpUser = (app: TestApp = t) => signUpNewUser(app, { client: clientAt(app) });

const sessionCount = (email: string) => t.app.services.prisma.session.count({ where: { user: { email } } });

describe('the defaults', () => {
  it('runs with the limits the README states when none is configured', () => {
    const { rateLimits } = loadConfig({ JWT_SECRET: TEST_SECRET, ENCRYPTION_KEY: TEST_ENCRYPTION_KEY });
    const per = (points: number, minutes: number) => ({ points, seconds: minutes * 60 });
    expect(rateLimits).toEqual({
      enabled: true,
      rules: {
        signInAccount: per(5, 15),
        signInIp: per(100, 15),
        signUpIp: per(10, 60),
        sendMailEmail: per(3, 60),
        sendMailIp: per(10, 60),
        resetPasswordEmail: per(10, 60),
        resetPasswordIp: per(20, 15),
        deleteUserAccount: per(5, 15),
        deleteUserIp: per(20, 15),
        emailCodeMailAccount: per(5, 60),
        emailCodeMailIp: per(20, 60),
        emailCodeCheckAccount: per(10, 60),
        emailCodeCheckIp: per(20, 15),
        signInDevice: per(5, 15),
        secondFactorAccount: per(5, 15),
        twoFactorPasswordAccount: per(5, 15),
        passkeyIp: per(100, 15),
        providerStartIp: per(30, 15),
        providerFinishIp: per(60, 15),
        adminKey: per(600, 1),
        adminAuthIp: per(20, 15),
        adminMailAccount: per(5, 60),
      },
    });
  });

  it('refuses an account its 6th sign-in with the default limits, for up to 15 minutes', async () => {
    const defaults = await startTestApp({ env: { RATE_LIMITS: 'on' } });
    try {
      const { email } = await signUpUser(defaults);
      const firstAttempt = Date.now();
      for (let i = 0; i < 5; i++) expect(outcome(await signIn(defaults.client(), email, `wrong-guess-${i}-xyz`))).toBe('INVALID_CREDENTIALS');
      const refused = await signIn(defaults.client(), email, GOOD_PASSWORD);
      expectRateLimited(refused, 900);
      // The window opened at the first attempt: what is left of it is 15 minutes less the time the
      // attempts took (whatever the machine's speed), not a fixed amount.
      const elapsedSeconds = Math.ceil((Date.now() - firstAttempt) / 1000);
      expect(refused.errors![0]!.extensions!.retryAfter).toBeGreaterThanOrEqual(900 - elapsedSeconds);
    } finally {
      await defaults.close();
    }
  });
});

describe('signIn', () => {
  it('refuses an account its 4th sign-in in the window, from any address, even with the right password', async () => {
    const { email } = await signUpUser();
    // A distributed guesser: each attempt from another address, so only the account rule can stop it.
    for (let i = 0; i < 3; i++) {
      expect(outcome(await signIn(clientAt(t), email, `wrong-guess-${i}-xyz`))).toBe('INVALID_CREDENTIALS');
    }
    const sessionsBefore = await sessionCount(email);
    expectRateLimited(await signIn(clientAt(t), email, GOOD_PASSWORD), WINDOW);
    // Refused before the password was checked: no session was started.
    expect(await sessionCount(email)).toBe(sessionsBefore);
  });

  it('counts the email as normalised: " ABC@x.com" and "abc@x.com" are one account', async () => {
    const { email } = await signUpUser();
    for (const variant of [`  ${email.toUpperCase()}`, email, `${email[0]!.toUpperCase()}${email.slice(1)} `]) {
      expect(outcome(await signIn(clientAt(t), variant, 'wrong-guess-xyz-1'))).toBe('INVALID_CREDENTIALS');
    }
    expectRateLimited(await signIn(clientAt(t), email, GOOD_PASSWORD), WINDOW);
  });

  it('counts a 254-character email (the longest allowed) like any other, in every rule keyed by email', async () => {
    // Long enough that "signInAccount:" + the email would not fit a 255-character store key.
    const longEmail = () => `${uniqueEmail('long').split('@')[0]!.padEnd(64, 'x')}@${'d'.repeat(63)}.${'e'.repeat(63)}.${'f'.repeat(49)}.example.com`;
    const email = longEmail();
    expect(email).toHaveLength(254);
    const signedUp = await clientAt(t).graphql(SIGN_UP, { input: { username: 'Long', email, password: GOOD_PASSWORD } });
    expect(signedUp.data?.signUp.message).toBe('user created!');
    for (let i = 0; i < 3; i++) expect(outcome(await signIn(clientAt(t), email, `wrong-guess-${i}-xyz`))).toBe('INVALID_CREDENTIALS');
    expectRateLimited(await signIn(clientAt(t), email, GOOD_PASSWORD), WINDOW);
    // sendMail and resetPassword count by email too (an address with no account: no mail goes out).
    const nobody = longEmail();
    expect(outcome(await clientAt(t).graphql(SEND_MAIL, { input: { email: nobody } }))).toBe('ok');
    const reset = await clientAt(t).graphql(RESET_PASSWORD, { input: { email: nobody, code: '123456', newPassword: OTHER_PASSWORD } });
    expect(outcome(reset)).toBe('INVALID_CODE');
  });

  it('forgets an account\'s failed attempts after a successful sign-in', async () => {
    const { email } = await signUpUser();
    for (let i = 0; i < 2; i++) expect(outcome(await signIn(clientAt(t), email, `wrong-guess-${i}-xyz`))).toBe('INVALID_CREDENTIALS');
    expect((await signIn(clientAt(t), email, GOOD_PASSWORD)).data?.signIn.message).toBe('login successful!');
    // Three more failures are allowed again: without the reset, the second of them would be refused.
    for (let i = 0; i < 3; i++) expect(outcome(await signIn(clientAt(t), email, `wrong-again-${i}-xyz`))).toBe('INVALID_CREDENTIALS');
    expectRateLimited(await signIn(clientAt(t), email, GOOD_PASSWORD), WINDOW);
  });

  it('refuses an address its 5th sign-in in the window, whatever the accounts, and only that address', async () => {
    const { email } = await signUpUser();
    const address = uniqueAddress();
    for (let i = 0; i < 4; i++) {
      expect(outcome(await signIn(clientAt(t, address), uniqueEmail('nobody'), GOOD_PASSWORD))).toBe('INVALID_CREDENTIALS');
    }
    expectRateLimited(await signIn(clientAt(t, address), email, GOOD_PASSWORD), WINDOW);
    expect((await signIn(clientAt(t), email, GOOD_PASSWORD)).data?.signIn.message).toBe('login successful!');
  });

  it('lets the account in again once retryAfter seconds have passed', async () => {
    // A 10 s window: the second attempt must come inside it even when a loaded machine takes seconds
    // over the first one's hash (a 2 s window was missed that way); the wait is retryAfter, not 10 s.
    const short = await startTestApp({ env: { ...LIMITS, RATE_LIMIT_SIGN_IN_ACCOUNT: '1/10' } });
    try {
      const { email } = await signUpUser(short);
      expect(outcome(await signIn(clientAt(short), email, 'wrong-guess-xyz-1'))).toBe('INVALID_CREDENTIALS');
      const refused = await signIn(clientAt(short), email, GOOD_PASSWORD);
      expectRateLimited(refused, 10);
      await new Promise((resolve) => setTimeout(resolve, refused.errors![0]!.extensions!.retryAfter! * 1000 + 100));
      expect((await signIn(clientAt(short), email, GOOD_PASSWORD)).data?.signIn.message).toBe('login successful!');
    } finally {
      await short.close();
    }
  });
});

describe('signUp', () => {
  it('refuses an address its 3rd sign-up in the window and creates no user', async () => {
    const address = uniqueAddress();
    for (let i = 0; i < 2; i++) {
      const res = await clientAt(t, address).graphql(SIGN_UP, { input: { username: 'Many', email: uniqueEmail('many'), password: GOOD_PASSWORD } });
      expect(res.data?.signUp.message).toBe('user created!');
    }
    const email = uniqueEmail('third');
    expectRateLimited(await clientAt(t, address).graphql(SIGN_UP, { input: { username: 'Many', email, password: GOOD_PASSWORD } }), WINDOW);
    expect(await t.app.services.prisma.user.count({ where: { email } })).toBe(0);
    // Another address is not affected.
    const elsewhere = await clientAt(t).graphql(SIGN_UP, { input: { username: 'Many', email, password: GOOD_PASSWORD } });
    expect(elsewhere.data?.signUp.message).toBe('user created!');
  });
});

describe('sendMail', () => {
  const sendMail = (client: TestClient, email: string) => client.graphql(SEND_MAIL, { input: { email } });

  it('sends one email address at most 2 reset mails in the window, asked from any address, in any case', async () => {
    const { email } = await signUpUser();
    for (const [i, variant] of [email, ` ${email.toUpperCase()}`].entries()) {
      expect(outcome(await sendMail(clientAt(t), variant))).toBe('ok');
      // Each mail out before the next code: a newer code's mail replaces an unsent older one.
      await sink.waitForMail(email, i + 1, MAIL.resetCode);
    }
    expectRateLimited(await sendMail(clientAt(t), email), WINDOW);
    await t.app.services.background.drain();
    expect(sink.mailsTo(email, MAIL.resetCode)).toHaveLength(2);
  });

  it('refuses an address its 4th sendMail in the window, for any email, and mails nothing', async () => {
    const address = uniqueAddress();
    const users = [await signUpUser(), await signUpUser(), await signUpUser(), await signUpUser()];
    for (const { email } of users.slice(0, 3)) expect(outcome(await sendMail(clientAt(t, address), email))).toBe('ok');
    const last = users[3]!.email;
    expectRateLimited(await sendMail(clientAt(t, address), last), WINDOW);
    await t.app.services.background.drain();
    for (const { email } of users.slice(0, 3)) expect(sink.mailsTo(email, MAIL.resetCode)).toHaveLength(1);
    expect(sink.mailsTo(last, MAIL.resetCode)).toHaveLength(0);
  });
});

describe('resetPassword', () => {
  const reset = (client: TestClient, email: string, code: string) =>
    client.graphql(RESET_PASSWORD, { input: { email, code, newPassword: OTHER_PASSWORD } });

  it('refuses an email its 3rd resetPassword in the window, even with the right code, and keeps the old password', async () => {
    const { email } = await signUpUser();
    await clientAt(t).graphql(SEND_MAIL, { input: { email } });
    const code = resetCodeIn(await sink.waitForMail(email, 1, MAIL.resetCode));
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 2; i++) expect(outcome(await reset(clientAt(t), email, wrong))).toBe('INVALID_CODE');
    expectRateLimited(await reset(clientAt(t), email, code), WINDOW);
    expect((await signIn(clientAt(t), email, GOOD_PASSWORD)).data?.signIn.message).toBe('login successful!');
    expect(outcome(await signIn(clientAt(t), email, OTHER_PASSWORD))).toBe('INVALID_CREDENTIALS');
  });

  it('refuses an address its 4th resetPassword in the window, whatever the emails', async () => {
    const address = uniqueAddress();
    for (let i = 0; i < 3; i++) expect(outcome(await reset(clientAt(t, address), uniqueEmail('nobody'), '123456'))).toBe('INVALID_CODE');
    expectRateLimited(await reset(clientAt(t, address), uniqueEmail('nobody'), '123456'), WINDOW);
  });
});

describe('deleteUser', () => {
  const deleteUser = (client: TestClient, email: string, password: string, address = uniqueAddress()) =>
    client.graphql(DELETE_USER, { input: { email, password } }, { 'x-forwarded-for': address });
  const userCount = (email: string) => t.app.services.prisma.user.count({ where: { email } });

  it('refuses an account its 3rd deleteUser try in the window, even with the right password, and keeps it', async () => {
    const { email, client } = await signUpUser();
    for (let i = 0; i < 2; i++) expect(outcome(await deleteUser(client, email, `wrong-guess-${i}-xyz`))).toBe('INVALID_CREDENTIALS');
    expectRateLimited(await deleteUser(client, email, GOOD_PASSWORD), WINDOW, { carriedSession: true });
    expect(await userCount(email)).toBe(1);
    // Refused, not signed out: the session goes on.
    expect((await client.graphql(DASHBOARD)).data?.dashboard.user.email).toBe(email);
  });

  it('refuses an address its 4th deleteUser try in the window, whatever the accounts', async () => {
    const address = uniqueAddress();
    const first = await signUpUser();
    const second = await signUpUser();
    for (let i = 0; i < 2; i++) expect(outcome(await deleteUser(first.client, first.email, `wrong-guess-${i}-xyz`, address))).toBe('INVALID_CREDENTIALS');
    expect(outcome(await deleteUser(second.client, second.email, 'wrong-guess-xyz-2', address))).toBe('INVALID_CREDENTIALS');
    // The second account has one failure of its 2: the address rule is what refuses now.
    expectRateLimited(await deleteUser(second.client, second.email, GOOD_PASSWORD, address), WINDOW, { carriedSession: true });
    expect(await userCount(second.email)).toBe(1);
    expect((await deleteUser(second.client, second.email, GOOD_PASSWORD)).data?.deleteUser.message).toBe('delete successful!');
    expect(await userCount(second.email)).toBe(0);
  });
});

describe('the client address', () => {
  const wrongSignIn = (client: TestClient) => signIn(client, uniqueEmail('nobody'), GOOD_PASSWORD);

  it('ignores X-Forwarded-For without TRUST_PROXY: a new header each time is still the one socket address', async () => {
    const direct = await startTestApp({ env: { RATE_LIMITS: 'on', RATE_LIMIT_SIGN_IN_IP: `2/${WINDOW}` } });
    try {
      for (let i = 0; i < 2; i++) expect(outcome(await wrongSignIn(clientAt(direct)))).toBe('INVALID_CREDENTIALS');
      expectRateLimited(await wrongSignIn(clientAt(direct)), WINDOW);
    } finally {
      await direct.close();
    }
  });

  it('with TRUST_PROXY, counts each X-Forwarded-For address on its own', async () => {
    const address = uniqueAddress();
    for (let i = 0; i < 4; i++) expect(outcome(await wrongSignIn(clientAt(t, address)))).toBe('INVALID_CREDENTIALS');
    expectRateLimited(await wrongSignIn(clientAt(t, address)), WINDOW);
    expect(outcome(await wrongSignIn(clientAt(t)))).toBe('INVALID_CREDENTIALS');
  });

  it('with TRUST_PROXY, counts by the last hop: a first hop the client made up changes nothing', async () => {
    const address = uniqueAddress();
    for (let i = 0; i < 4; i++) expect(outcome(await wrongSignIn(clientAt(t, address)))).toBe('INVALID_CREDENTIALS');
    // The proxy appends the address it saw; whatever the client sent comes before it.
    expectRateLimited(await wrongSignIn(clientAt(t, `${uniqueAddress()}, ${address}`)), WINDOW);
  });

  it('counts IPv6 clients by their /64', async () => {
    const prefix = uniqueIpv6Prefix();
    for (let i = 1; i <= 4; i++) expect(outcome(await wrongSignIn(clientAt(t, `${prefix}::${i}`)))).toBe('INVALID_CREDENTIALS');
    expectRateLimited(await wrongSignIn(clientAt(t, `${prefix}:ffff:ffff:ffff:ffff`)), WINDOW);
    expect(outcome(await wrongSignIn(clientAt(t, `${uniqueIpv6Prefix()}::1`)))).toBe('INVALID_CREDENTIALS');
  });
});

// Instances that share a store share the counters.
for (const store of SHARED_STORES) {
  describe(`two instances on one ${store.name} store`, () => {
    const instances = twoInstancesOn(store, LIMITS);

    it('holds an account limit reached through instance A on instance B', async () => {
      const { a, b } = instances;
      const { email } = await signUpUser(a);
      for (let i = 0; i < 3; i++) expect(outcome(await signIn(clientAt(a), email, `wrong-guess-${i}-xyz`))).toBe('INVALID_CREDENTIALS');
      expectRateLimited(await signIn(clientAt(b), email, GOOD_PASSWORD), WINDOW);
    });

    it('holds an address limit reached through instance A on instance B', async () => {
      const { a, b } = instances;
      const address = uniqueAddress();
      const { email } = await signUpUser(a);
      for (let i = 0; i < 4; i++) expect(outcome(await signIn(clientAt(a, address), uniqueEmail('nobody'), GOOD_PASSWORD))).toBe('INVALID_CREDENTIALS');
      expectRateLimited(await signIn(clientAt(b, address), email, GOOD_PASSWORD), WINDOW);
      expect((await signIn(clientAt(b), email, GOOD_PASSWORD)).data?.signIn.message).toBe('login successful!');
    });
  });
}
