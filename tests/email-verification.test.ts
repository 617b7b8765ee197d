// Email verification over HTTP with a real SMTP server: the code signUp mails, resending, the
// code's rules (single-use, five tries, expiry, one user's code useless to another), a password
// reset proving the address, and REQUIRE_VERIFIED_EMAIL gating the dashboard.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, signIn, signUpNewUser } from './support/accounts.ts';
import {
  DASHBOARD,
  LOGOUT,
  ME,
  RESET_PASSWORD,
  SECURITY_EVENTS,
  SEND_MAIL,
  SEND_VERIFICATION_MAIL,
  SESSIONS,
  VERIFY_EMAIL,
} from './support/operations.ts';
import { expectRateLimited, uniqueAddress } from './support/rate-limited.ts';
import { codeIn, MAIL, resetCodeIn, type SmtpSink, unreachableSmtpUrl } from './support/smtp-sink.ts';
import { startAppWithMailbox, startTestApp, type TestApp, type TestAppWithMailbox } from './support/test-app.ts';
import type { TestClient } from './support/test-client.ts';

const INVALID_CODE = { message: 'invalid or expired code', extensions: { code: 'INVALID_CODE' } };

/** A 6-digit code that is not `code`. */
const otherThan = (code: string, offset = 1) => String((Number(code) + offset) % 1_000_000).padStart(6, '0');

const verified = async (client: TestClient) => (await client.graphql(ME)).data?.me?.emailVerified;

async function verificationCode(sink: SmtpSink, email: string, count = 1): Promise<string> {
  return codeIn(await sink.waitForMail(email, count, MAIL.verificationCode));
}

describe('email verification', () => {
  let t: TestAppWithMailbox;
  let sink: SmtpSink;
  beforeAll(async () => {
    t = await startAppWithMailbox();
    sink = t.sink;
  });
  afterAll(() => t.close());

  const verify = (client: TestClient, code: string) => client.graphql(VERIFY_EMAIL, { input: { code } });

  it('mails a code at signUp that marks the address verified; then a resend says so and mails nothing', async () => {
    const { client, email } = await signUpNewUser(t);
    expect(await verified(client)).toBe(false);
    // Unverified is no obstacle by default.
    expect(errorCode(await client.graphql(DASHBOARD))).toBeUndefined();

    const mail = await sink.waitForMail(email, 1, MAIL.verificationCode);
    expect(mail.to).toEqual([email]);
    expect(mail.subject).toMatch(/verify/i);
    const code = codeIn(mail);
    expect(code).toMatch(/^\d{6}$/);
    for (const part of [mail.text, mail.html]) expect(part).toContain('expires in 1 hour');

    const res = await verify(client, code);
    expect(res.errors).toBeUndefined();
    expect(res.data?.verifyEmail.message).toBe('email verified!');
    expect(await verified(client)).toBe(true);
    expect((await client.graphql(SECURITY_EVENTS, {})).data?.securityEvents[0]?.kind).toBe('EMAIL_VERIFIED');

    const again = await client.graphql(SEND_VERIFICATION_MAIL);
    expect(again.data?.sendVerificationMail.message).toBe('email already verified!');
    await t.app.services.background.drain();
    expect(sink.mailsTo(email, MAIL.verificationCode)).toHaveLength(1);
    // Used once, the code is spent.
    expect(await verify(client, code)).toMatchObject({ data: null, errors: [INVALID_CODE] });
  });

  it('replaces the earlier code when another is sent', async () => {
    const { client, email } = await signUpNewUser(t);
    const first = await verificationCode(sink, email, 1);
    const res = await client.graphql(SEND_VERIFICATION_MAIL);
    expect(res.data?.sendVerificationMail.message).toBe('verification code sent!');
    const second = await verificationCode(sink, email, 2);
    expect(second).not.toBe(first);

    expect(await verify(client, first)).toMatchObject({ data: null, errors: [INVALID_CODE] });
    expect(await verified(client)).toBe(false);
    expect((await verify(client, second)).data?.verifyEmail.message).toBe('email verified!');
  });

  it('kills the code after 5 wrong tries: even the right one is refused', async () => {
    const { client, email } = await signUpNewUser(t);
    const code = await verificationCode(sink, email);
    for (let i = 1; i <= 5; i += 1) expect(await verify(client, otherThan(code, i))).toMatchObject({ data: null, errors: [INVALID_CODE] });
    expect(await verify(client, code)).toMatchObject({ data: null, errors: [INVALID_CODE] });
    expect(await verified(client)).toBe(false);
  });

  it("refuses one user's code to another, without spending the owner's", async () => {
    const alice = await signUpNewUser(t);
    const bob = await signUpNewUser(t);
    const aliceCode = await verificationCode(sink, alice.email);
    await verificationCode(sink, bob.email);
    expect(await verify(bob.client, aliceCode)).toMatchObject({ data: null, errors: [INVALID_CODE] });
    expect(await verified(bob.client)).toBe(false);
    expect((await verify(alice.client, aliceCode)).data?.verifyEmail.message).toBe('email verified!');
    expect(await verified(bob.client)).toBe(false);
  });

  it('refuses malformed codes as invalid, and they cost no try', async () => {
    const { client, email } = await signUpNewUser(t);
    const code = await verificationCode(sink, email);
    for (const bad of ['', '12345', '1234567', 'abcdef', ` ${code}`]) {
      expect(await verify(client, bad)).toMatchObject({ data: null, errors: [INVALID_CODE] });
    }
    expect((await verify(client, code)).data?.verifyEmail.message).toBe('email verified!');
  });

  it('counts a successful password reset as proof of the address', async () => {
    const { client, email } = await signUpNewUser(t);
    const verificationCodeBefore = await verificationCode(sink, email);
    await t.client().graphql(SEND_MAIL, { input: { email } });
    const code = resetCodeIn(await sink.waitForMail(email, 1, MAIL.resetCode));
    const res = await t.client().graphql(RESET_PASSWORD, { input: { email, code, newPassword: 'amber-lantern-walrus-77' } });
    expect(res.data?.resetPassword.message).toBe('password reset successful!');
    expect(errorCode(await client.graphql(DASHBOARD))).toBe('UNAUTHENTICATED');

    await signIn(client, email, 'amber-lantern-walrus-77');
    expect(await verified(client)).toBe(true);
    expect((await client.graphql(SEND_VERIFICATION_MAIL)).data?.sendVerificationMail.message).toBe('email already verified!');
    // The pending verification code is moot now, and used no more.
    expect(await verify(client, verificationCodeBefore)).toMatchObject({ data: null, errors: [INVALID_CODE] });
  });

  it('needs a session', async () => {
    expect(errorCode(await t.client().graphql(SEND_VERIFICATION_MAIL))).toBe('UNAUTHENTICATED');
    expect(errorCode(await t.client().graphql(VERIFY_EMAIL, { input: { code: '123456' } }))).toBe('UNAUTHENTICATED');
  });
});

describe('email verification with a short code lifetime', () => {
  let t: TestAppWithMailbox;
  beforeAll(async () => {
    t = await startAppWithMailbox({ VERIFY_CODE_TTL_SECONDS: '2' });
  });
  afterAll(() => t.close());

  it('refuses a code once VERIFY_CODE_TTL_SECONDS has passed, and says that lifetime in the mail', async () => {
    const { sink } = t;
    const { client, email } = await signUpNewUser(t);
    const mail = await sink.waitForMail(email, 1, MAIL.verificationCode);
    expect(mail.text).toContain('expires in 2 seconds');
    // Stored before its mail went out: 2 s after the mail it is surely dead.
    await sleep(2_100);
    expect(await client.graphql(VERIFY_EMAIL, { input: { code: codeIn(mail) } })).toMatchObject({ data: null, errors: [INVALID_CODE] });
    expect(await verified(client)).toBe(false);

    // A fresh code works in time: the refusal was the clock, not the setup.
    await client.graphql(SEND_VERIFICATION_MAIL);
    const fresh = codeIn(await sink.waitForMail(email, 2, MAIL.verificationCode));
    expect((await client.graphql(VERIFY_EMAIL, { input: { code: fresh } })).data?.verifyEmail.message).toBe('email verified!');
  });
});

describe('REQUIRE_VERIFIED_EMAIL=true', () => {
  let t: TestAppWithMailbox;
  beforeAll(async () => {
    t = await startAppWithMailbox({ REQUIRE_VERIFIED_EMAIL: 'true' });
  });
  afterAll(() => t.close());

  it('refuses the dashboard until the address is verified; me, sessions, the verification operations and logout still work', async () => {
    const { sink } = t;
    const { client, email } = await signUpNewUser(t);
    expect((await client.graphql(DASHBOARD)).errors?.[0]).toMatchObject({ extensions: { code: 'EMAIL_NOT_VERIFIED' } });
    expect((await client.graphql(ME)).data?.me?.email).toBe(email);
    expect((await client.graphql(SESSIONS)).data?.sessions).toHaveLength(1);
    expect((await client.graphql(SEND_VERIFICATION_MAIL)).data?.sendVerificationMail.message).toBe('verification code sent!');

    const code = await verificationCode(sink, email, 2);
    expect((await client.graphql(VERIFY_EMAIL, { input: { code } })).data?.verifyEmail.message).toBe('email verified!');
    expect((await client.graphql(DASHBOARD)).data?.dashboard.message).toBe('Welcome, Tester!');
    expect((await client.graphql(LOGOUT)).data?.logout.message).toBe('logout successful!');
  });
});

describe('when the mail server is down', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { SMTP_URL: await unreachableSmtpUrl() } });
  });
  afterAll(() => t.close());

  it('signs up as usual, logs the mail server as down, and keeps the verification mail for a retry', async () => {
    const { client } = await signUpNewUser(t);
    expect(errorCode(await client.graphql(DASHBOARD))).toBeUndefined();
    await expect.poll(() => t.logger.lines.join('\n'), { timeout: 15_000 }).toMatch(/^warn \[mail\] the mail server cannot take mail for now.*ECONNREFUSED/m);
    expect(await t.app.services.mailSender.backlog()).toMatchObject({ pending: 1 });
  });
});

describe('email code rate limits', () => {
  const WINDOW = 3600;
  let t: TestAppWithMailbox;
  let sink: SmtpSink;
  beforeAll(async () => {
    t = await startAppWithMailbox({
      RATE_LIMITS: 'on',
      TRUST_PROXY: 'true',
      RATE_LIMIT_EMAIL_CODE_MAIL_ACCOUNT: `2/${WINDOW}`,
      RATE_LIMIT_EMAIL_CODE_CHECK_ACCOUNT: `3/${WINDOW}`,
    });
    sink = t.sink;
  });
  afterAll(() => t.close());

  it('sends an account at most 2 verification mails in the window, from any address, and then mails nothing', async () => {
    const { client, email } = await signUpNewUser(t, { client: t.client({ headers: { 'x-forwarded-for': uniqueAddress() } }) });
    const resend = () => client.graphql(SEND_VERIFICATION_MAIL, undefined, { 'x-forwarded-for': uniqueAddress() });
    await sink.waitForMail(email, 1, MAIL.verificationCode);
    for (let i = 0; i < 2; i += 1) {
      expect((await resend()).data?.sendVerificationMail.message).toBe('verification code sent!');
      // Each mail out before the next code: a newer code's mail replaces an unsent older one.
      await sink.waitForMail(email, i + 2, MAIL.verificationCode);
    }
    expectRateLimited(await resend(), WINDOW, { carriedSession: true });
    await t.app.services.background.drain();
    // The sign-up's mail and the two resends.
    expect(sink.mailsTo(email, MAIL.verificationCode)).toHaveLength(3);
  });

  it('refuses an account its 4th code check in the window, even with the right code', async () => {
    const { client, email } = await signUpNewUser(t, { client: t.client({ headers: { 'x-forwarded-for': uniqueAddress() } }) });
    const code = await verificationCode(sink, email);
    const check = (attempt: string) => client.graphql(VERIFY_EMAIL, { input: { code: attempt } }, { 'x-forwarded-for': uniqueAddress() });
    for (let i = 1; i <= 3; i += 1) expect(errorCode(await check(otherThan(code, i)))).toBe('INVALID_CODE');
    expectRateLimited(await check(code), WINDOW, { carriedSession: true });
    expect(await verified(client)).toBe(false);
  });
});
