// "Forgot password" over HTTP with a real SMTP server: what lands in the mailbox, what the API
// answers, and whether the user can sign in afterwards.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { signUpNewUser } from './support/accounts.ts';
import { DASHBOARD, GOOD_PASSWORD, RESET_PASSWORD, SEND_MAIL, SIGN_IN, uniqueEmail } from './support/operations.ts';
import { MAIL, resetCodeIn, type SmtpSink, startSmtpSink, unreachableSmtpUrl } from './support/smtp-sink.ts';
import { startAppWithMailbox, startTestApp, type TestApp, type TestAppWithMailbox } from './support/test-app.ts';

const SENT = 'If an account exists for that email, a reset code has been sent.';
const NEW_PASSWORD = 'amber-lantern-walrus-77';
const INVALID_CODE = { message: 'invalid or expired code', extensions: { code: 'INVALID_CODE' } };

const signUp = (t: TestApp, email?: string) => signUpNewUser(t, email ? { email } : {});

/** Asks for a code as a signed-out user would, and reads it from the `count`-th mail. */
async function requestCode(t: TestApp, sink: SmtpSink, email: string, count = 1): Promise<string> {
  const res = await t.client().graphql(SEND_MAIL, { input: { email } });
  expect(res.data?.sendMail.message).toBe(SENT);
  return resetCodeIn(await sink.waitForMail(email, count, MAIL.resetCode));
}

const reset = (t: TestApp, email: string, code: string, newPassword = NEW_PASSWORD) =>
  t.client().graphql(RESET_PASSWORD, { input: { email, code, newPassword } });

/** What a sign-in answers: its message, or its error code. */
async function signInCode(t: TestApp, email: string, password: string): Promise<string | undefined> {
  const res = await t.client().graphql(SIGN_IN, { input: { email, password } });
  return res.data?.signIn?.message ?? res.errors?.[0]?.extensions?.code;
}

/** A 6-digit code that is not `code`. */
const otherThan = (code: string, offset = 1) => String((Number(code) + offset) % 1_000_000).padStart(6, '0');

describe('password reset', () => {
  let t: TestAppWithMailbox;
  let sink: SmtpSink;
  beforeAll(async () => {
    t = await startAppWithMailbox();
    sink = t.sink;
  });
  afterAll(() => t.close());

  it('mails a code that sets a new password, signs the caller out and then mails a notice', async () => {
    const { email, client } = await signUp(t);
    const sent = await client.graphql(SEND_MAIL, { input: { email } });
    expect(sent.errors).toBeUndefined();
    expect(sent.data?.sendMail.message).toBe(SENT);

    const mail = await sink.waitForMail(email, 1, MAIL.resetCode);
    expect(mail.to).toEqual([email]);
    expect(mail.subject).toMatch(/password reset code/);
    const code = resetCodeIn(mail);
    expect(code).toMatch(/^\d{6}$/);
    for (const part of [mail.text, mail.html]) {
      expect(part).toContain(code);
      expect(part).toContain('expires in 10 minutes');
      expect(part).toMatch(/If you didn(&#39;|')t ask for this, ignore this mail/);
    }

    const res = await client.graphql(RESET_PASSWORD, { input: { email, code, newPassword: NEW_PASSWORD } });
    expect(res.errors).toBeUndefined();
    expect(res.data?.resetPassword.message).toBe('password reset successful!');
    expect(res.setCookie).toMatchObject({ value: '', maxAge: 0 });
    expect((await client.graphql(DASHBOARD)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    expect(await signInCode(t, email, NEW_PASSWORD)).toBe('login successful!');
    expect(await signInCode(t, email, GOOD_PASSWORD)).toBe('INVALID_CREDENTIALS');
    const notice = await sink.waitForMail(email, 1, MAIL.passwordChanged);
    expect(notice.subject).toMatch(/your password was changed/);
    expect(notice.text).not.toContain(code);
  });

  it('changes nothing until the code is used: the old password and open sessions keep working', async () => {
    const { email, client, userId } = await signUp(t);
    const before = await t.app.services.prisma.user.findUniqueOrThrow({ where: { id: userId } });
    await requestCode(t, sink, email);

    expect(await signInCode(t, email, GOOD_PASSWORD)).toBe('login successful!');
    expect((await client.graphql(DASHBOARD)).data?.dashboard.user.email).toBe(email);
    const after = await t.app.services.prisma.user.findUniqueOrThrow({ where: { id: userId } });
    expect(after.passwordHash).toBe(before.passwordHash);
    expect(await t.app.services.prisma.session.count({ where: { userId, revokedAt: { not: null } } })).toBe(0);
  });

  it('signs out every session of the user, on every device, when the password is reset', async () => {
    const { email, client: laptop } = await signUp(t);
    const phone = t.client();
    await phone.graphql(SIGN_IN, { input: { email, password: GOOD_PASSWORD } });
    const copied = await laptop.token();
    expect((await phone.graphql(DASHBOARD)).data?.dashboard).toBeTruthy();

    // Reset from a third, signed-out client: the laptop and phone hear of it only through the server.
    const code = await requestCode(t, sink, email);
    expect((await reset(t, email, code)).data?.resetPassword.message).toBe('password reset successful!');

    for (const device of [laptop, phone]) {
      const res = await device.graphql(DASHBOARD);
      expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(res.setCookie).toMatchObject({ value: '', maxAge: 0 });
    }
    const replay = t.client();
    await replay.useToken(copied!);
    expect((await replay.graphql(DASHBOARD)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it("leaves another account's session and cookie alone when the reset comes from its browser", async () => {
    const { email } = await signUp(t);
    // A shared computer: someone else is signed in on the browser the reset is done from.
    const { client: shared, email: otherEmail } = await signUp(t);
    const code = await requestCode(t, sink, email);
    const res = await shared.graphql(RESET_PASSWORD, { input: { email, code, newPassword: NEW_PASSWORD } });
    expect(res.data?.resetPassword.message).toBe('password reset successful!');
    // Not cleared: refreshed, as every answer to a request with a valid session is.
    expect(res.setCookie?.value).toBeTruthy();
    expect(res.setCookie?.maxAge).toBeGreaterThan(0);
    expect((await shared.graphql(DASHBOARD)).data?.dashboard.user.email).toBe(otherEmail);
    expect(await signInCode(t, email, NEW_PASSWORD)).toBe('login successful!');
  });

  it('replaces the earlier code when another one is requested', async () => {
    const { email } = await signUp(t);
    const first = await requestCode(t, sink, email, 1);
    const second = await requestCode(t, sink, email, 2);
    expect(second).not.toBe(first);

    expect(await reset(t, email, first)).toMatchObject({ data: null, errors: [INVALID_CODE] });
    expect((await reset(t, email, second)).data?.resetPassword.message).toBe('password reset successful!');
    expect(await signInCode(t, email, NEW_PASSWORD)).toBe('login successful!');
  });

  it('accepts a code only once', async () => {
    const { email } = await signUp(t);
    const code = await requestCode(t, sink, email);
    expect((await reset(t, email, code)).data?.resetPassword.message).toBe('password reset successful!');

    const again = await reset(t, email, code, 'second-try-orchid-58');
    expect(again).toMatchObject({ data: null, errors: [INVALID_CODE] });
    expect(await signInCode(t, email, NEW_PASSWORD)).toBe('login successful!');
    expect(await signInCode(t, email, 'second-try-orchid-58')).toBe('INVALID_CREDENTIALS');
  });

  it('kills the code after 5 wrong tries: even the right one is refused and the password stays', async () => {
    const { email, userId } = await signUp(t);
    const before = await t.app.services.prisma.user.findUniqueOrThrow({ where: { id: userId } });
    const code = await requestCode(t, sink, email);
    for (let i = 1; i <= 5; i += 1) {
      expect(await reset(t, email, otherThan(code, i))).toMatchObject({ data: null, errors: [INVALID_CODE] });
    }

    expect(await reset(t, email, code)).toMatchObject({ data: null, errors: [INVALID_CODE] });
    expect(await signInCode(t, email, GOOD_PASSWORD)).toBe('login successful!');
    expect(await signInCode(t, email, NEW_PASSWORD)).toBe('INVALID_CREDENTIALS');
    const after = await t.app.services.prisma.user.findUniqueOrThrow({ where: { id: userId } });
    expect(after.passwordHash).toBe(before.passwordHash);
  });

  it('answers the same for an unknown email, sends it nothing, and refuses its reset like a wrong code', async () => {
    const unknown = uniqueEmail('nobody');
    const res = await t.client().graphql(SEND_MAIL, { input: { email: unknown } });
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
    expect(res.data?.sendMail.message).toBe(SENT);

    // Every mail the server meant to send has been accepted once its after-the-answer work is done.
    await t.app.services.background.drain();
    expect(sink.mailsTo(unknown)).toEqual([]);
    const { email } = await signUp(t);
    const code = await requestCode(t, sink, email);

    const wrong = await reset(t, email, otherThan(code));
    const nobody = await reset(t, unknown, code);
    expect(wrong).toMatchObject({ data: null, errors: [INVALID_CODE] });
    expect(nobody.errors).toEqual(wrong.errors);
    expect(nobody.data).toEqual(wrong.data);
  });

  it('refuses a new password outside the policy without spending the code', async () => {
    const { email, userId } = await signUp(t);
    const code = await requestCode(t, sink, email);
    const tooShort = await reset(t, email, code, 'short');
    const tooCommon = await reset(t, email, code, 'password123');
    expect(tooShort.errors?.[0]).toMatchObject({ message: expect.stringMatching(/^newPassword: .*at least 8/), extensions: { code: 'BAD_USER_INPUT' } });
    expect(tooCommon.errors?.[0]).toMatchObject({ message: expect.stringMatching(/^newPassword: .*common/), extensions: { code: 'BAD_USER_INPUT' } });
    expect((await t.app.services.prisma.oneTimeCode.findUniqueOrThrow({ where: { userId_purpose: { userId, purpose: 'password_reset' } } })).attempts).toBe(0);

    expect((await reset(t, email, code)).data?.resetPassword.message).toBe('password reset successful!');
  });

  it('refuses a malformed email with BAD_USER_INPUT naming the email', async () => {
    for (const res of [
      await t.client().graphql(SEND_MAIL, { input: { email: 'not-an-email' } }),
      await t.client().graphql(RESET_PASSWORD, { input: { email: 'not-an-email', code: '123456', newPassword: NEW_PASSWORD } }),
    ]) {
      expect(res.data).toBeNull();
      expect(res.errors?.[0]).toMatchObject({ message: expect.stringMatching(/^email: /), extensions: { code: 'BAD_USER_INPUT' } });
    }
  });

  it('sends the code to the account whatever the case and spacing of the email typed', async () => {
    const { email } = await signUp(t, uniqueEmail('abc'));
    const typed = ` ${email.toUpperCase()} `;
    expect((await t.client().graphql(SEND_MAIL, { input: { email: typed } })).data?.sendMail.message).toBe(SENT);
    const mail = await sink.waitForMail(email, 1, MAIL.resetCode);
    expect(mail.to).toEqual([email]);
    const code = resetCodeIn(mail);
    expect((await reset(t, typed, code)).data?.resetPassword.message).toBe('password reset successful!');
  });
});

describe('password reset with a short code lifetime', () => {
  // Long enough that a fresh code is surely used in time on a loaded machine; the wait for the dead
  // one runs past the lifetime, so neither half depends on how fast anything runs.
  const TTL = 5;
  let t: TestAppWithMailbox;
  let sink: SmtpSink;
  beforeAll(async () => {
    t = await startAppWithMailbox({ RESET_CODE_TTL_SECONDS: String(TTL) });
    sink = t.sink;
  });
  afterAll(() => t.close());

  it('refuses a code once its lifetime has passed, and says that lifetime in the mail', async () => {
    const { email } = await signUp(t);
    const code = await requestCode(t, sink, email);
    expect(sink.mailsTo(email, MAIL.resetCode)[0]?.text).toContain(`expires in ${TTL} seconds`);
    // The code was stored before its mail went out, so TTL seconds after the mail it is surely dead.
    await sleep(TTL * 1000 + 150);
    expect(await reset(t, email, code)).toMatchObject({ data: null, errors: [INVALID_CODE] });
    expect(await signInCode(t, email, GOOD_PASSWORD)).toBe('login successful!');

    // The same app takes a fresh code in time: the refusal above was the clock, not the setup.
    const fresh = await requestCode(t, sink, email, 2);
    expect((await reset(t, email, fresh)).data?.resetPassword.message).toBe('password reset successful!');
  });
});

describe('sendMail timing', () => {
  it('answers a known email while the mail server still holds its mail, and as fast as an unknown one', async () => {
    // The mail server accepts nothing until the test releases it: every answer below that arrives
    // came before its mail went out (a server that sent first would never answer), whatever the load.
    const sink = await startSmtpSink({ hold: true });
    // A sender for each of the twelve mails held at once (the default two would wait behind the first two).
    const t = await startTestApp({ env: { SMTP_URL: sink.url, MAIL_SEND_CONCURRENCY: '16' } });
    onTestFinished(async () => {
      sink.release();
      await t.close();
      await sink.close();
    });
    const { email } = await signUp(t);
    // signUp's verification mail is the first one held.
    await sink.waitForHeld(1);
    const timed = async (address: string) => {
      const started = performance.now();
      const res = await t.client().graphql(SEND_MAIL, { input: { email: address } });
      expect(res.data?.sendMail.message).toBe(SENT);
      return performance.now() - started;
    };
    await timed(uniqueEmail('warm-up'));

    // In pairs, so load on the machine falls on both of a pair alike. After each known email, its
    // mail is waited for at the server (held), so its after-the-answer work never lands on the next sample.
    const ratios: number[] = [];
    for (let i = 1; i <= 11; i += 1) {
      const known = await timed(email);
      await sink.waitForHeld(i + 1);
      ratios.push(known / (await timed(uniqueEmail('nobody'))));
    }
    expect(sink.mailsTo(email, MAIL.resetCode)).toHaveLength(0);
    // The lookup and the mail both happen after the answer, so a known email costs what an unknown
    // one does. A ratio, not a duration: a slow machine slows both. (Waiting for the mail would not
    // answer at all above.)
    expect(median(ratios)).toBeGreaterThan(1 / 4);
    expect(median(ratios)).toBeLessThan(4);

    sink.release();
    expect(resetCodeIn(await sink.waitForMail(email, 11, MAIL.resetCode))).toMatch(/^\d{6}$/);
    // Eleven mails held one by one take a few seconds on a loaded machine.
  }, 180_000);
});

describe('when the mail server fails', () => {
  it.each([
    ['is unreachable', /^warn \[mail\] the mail server cannot take mail for now.*ECONNREFUSED/m, async () => ({ url: await unreachableSmtpUrl(), close: async () => {} })],
    ['refuses the mail', /^warn \[mail\] refused by the mail server: given up.*"kind":"password_reset".*550 mailbox unavailable/m, () => startSmtpSink({ refuse: true })],
  ])('answers sendMail as usual and logs the failure when it %s', async (_name, logged, startServer) => {
    const server = await startServer();
    const t = await startTestApp({ env: { SMTP_URL: server.url } });
    onTestFinished(async () => {
      await t.close();
      await server.close();
    });
    const { email } = await signUp(t);

    const res = await t.client().graphql(SEND_MAIL, { input: { email } });
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
    expect(res.data?.sendMail.message).toBe(SENT);
    // The attempt to send is over (failed) once the after-the-answer work is done.
    await t.app.services.background.drain();
    expect(t.logger.lines.join('\n')).toMatch(logged);

    expect(await signInCode(t, email, GOOD_PASSWORD)).toBe('login successful!');
  });
});

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
