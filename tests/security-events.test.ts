// The account's security activity: the right kind, address and user agent for each flow, always
// for the account concerned and visible only to it; and the "new sign-in" mail, sent once for an
// unseen user agent and address pair, after the answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceClient, errorCode, signIn, signUpNewUser } from './support/accounts.ts';
import {
  CHANGE_PASSWORD,
  GOOD_PASSWORD,
  LOGOUT,
  RESET_PASSWORD,
  REVOKE_OTHER_SESSIONS,
  SECURITY_EVENTS,
  SEND_MAIL,
  SIGN_IN,
  uniqueEmail,
} from './support/operations.ts';
import { uniqueAddress } from './support/rate-limited.ts';
import { MAIL, resetCodeIn, type SmtpSink } from './support/smtp-sink.ts';
import { startAppWithMailbox, startTestApp, type TestApp, type TestAppWithMailbox } from './support/test-app.ts';
import type { TestClient } from './support/test-client.ts';

let t: TestAppWithMailbox;
let sink: SmtpSink;
beforeAll(async () => {
  t = await startAppWithMailbox({ TRUST_PROXY: 'true' });
  sink = t.sink;
});
afterAll(() => t.close());

/** The client's own events, newest first, once every background write has landed. */
async function eventsOf(client: TestClient, limit?: number) {
  await t.app.services.background.drain();
  const res = await client.graphql(SECURITY_EVENTS, limit === undefined ? {} : { limit });
  expect(res.errors).toBeUndefined();
  return res.data!.securityEvents;
}

const kinds = (events: { kind: string }[]) => events.map((e) => e.kind);

describe('securityEvents', () => {
  it('records sign-up, sign-in, a failed sign-in and logout, each with its own address and agent, newest first', async () => {
    const homeAddress = uniqueAddress();
    const home = deviceClient(t, 'Home/1.0', homeAddress);
    const { email } = await signUpNewUser(t, { client: home });
    const thiefAddress = uniqueAddress();
    const thief = deviceClient(t, 'Thief/6.6', thiefAddress);
    expect(errorCode(await thief.graphql(SIGN_IN, { input: { email, password: 'wrong-password-9' } }))).toBe('INVALID_CREDENTIALS');
    const workAddress = uniqueAddress();
    const work = deviceClient(t, 'Work/2.0', workAddress);
    await signIn(work, email);
    await work.graphql(LOGOUT);

    const events = await eventsOf(home);
    expect(events.map(({ kind, ipAddress, userAgent }) => ({ kind, ipAddress, userAgent }))).toEqual([
      { kind: 'LOGOUT', ipAddress: workAddress, userAgent: 'Work/2.0' },
      { kind: 'SIGN_IN', ipAddress: workAddress, userAgent: 'Work/2.0' },
      { kind: 'SIGN_IN_FAILED', ipAddress: thiefAddress, userAgent: 'Thief/6.6' },
      { kind: 'SIGN_UP', ipAddress: homeAddress, userAgent: 'Home/1.0' },
    ]);
    const times = events.map((e) => Date.parse(e.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
  });

  it('records password changes, resets, reset requests and revocations for the account they concern', async () => {
    const home = deviceClient(t, 'Home/1.0');
    const { email } = await signUpNewUser(t, { client: home });
    const other = deviceClient(t, 'Other/1.0');
    await signIn(other, email);
    await home.graphql(REVOKE_OTHER_SESSIONS);
    await home.graphql(CHANGE_PASSWORD, { input: { currentPassword: GOOD_PASSWORD, newPassword: 'amber-lantern-walrus-77' } });
    const requestAddress = uniqueAddress();
    await deviceClient(t, 'Forgetful/1.0', requestAddress).graphql(SEND_MAIL, { input: { email } });
    const code = resetCodeIn(await sink.waitForMail(email, 1, MAIL.resetCode));
    await deviceClient(t, 'Forgetful/1.0', requestAddress).graphql(RESET_PASSWORD, { input: { email, code, newPassword: 'copper-meadow-falcon-31' } });

    const mine = deviceClient(t, 'Home/1.0');
    await signIn(mine, email, 'copper-meadow-falcon-31');
    const events = await eventsOf(mine);
    // The reset proved the address too; its two events are written in the same request, possibly
    // within one millisecond, so their order between themselves is not asserted.
    expect([...kinds(events).slice(1, 3)].sort()).toEqual(['EMAIL_VERIFIED', 'PASSWORD_RESET']);
    expect(kinds(events)).toEqual([
      'SIGN_IN',
      expect.any(String),
      expect.any(String),
      'PASSWORD_RESET_REQUESTED',
      'PASSWORD_CHANGED',
      'SESSION_REVOKED',
      'SIGN_IN',
      'SIGN_UP',
    ]);
    expect(events[3]).toMatchObject({ ipAddress: requestAddress, userAgent: 'Forgetful/1.0' });
  });

  it("never shows one account another's events, and writes none for an unknown email", async () => {
    const alice = await signUpNewUser(t, { client: deviceClient(t, 'Alice/1.0') });
    const bob = await signUpNewUser(t, { client: deviceClient(t, 'Bob/1.0') });
    // Alice's browser tries Bob's email: Bob's event, not Alice's.
    expect(errorCode(await alice.client.graphql(SIGN_IN, { input: { email: bob.email, password: 'wrong-password-9' } }))).toBe('INVALID_CREDENTIALS');
    const total = async () => {
      await t.app.services.background.drain();
      return t.app.services.prisma.securityEvent.count();
    };
    const before = await total();
    expect(errorCode(await alice.client.graphql(SIGN_IN, { input: { email: uniqueEmail('nobody'), password: 'wrong-password-9' } }))).toBe(
      'INVALID_CREDENTIALS',
    );
    expect(await total()).toBe(before);

    const aliceEvents = await eventsOf(alice.client);
    const bobEvents = await eventsOf(bob.client);
    expect(kinds(aliceEvents)).toEqual(['SIGN_UP']);
    expect(kinds(bobEvents)).toEqual(['SIGN_IN_FAILED', 'SIGN_UP']);
    expect(bobEvents[0]?.userAgent).toBe('Alice/1.0');
    expect(aliceEvents.map((e) => e.id).filter((id) => bobEvents.some((b) => b.id === id))).toEqual([]);
  });

  it('returns 20 by default and at most `limit`, which must be 1 to 100', async () => {
    const { client, email } = await signUpNewUser(t, { client: deviceClient(t, 'Many/1.0') });
    for (let i = 0; i < 22; i += 1) await deviceClient(t, 'Many/1.0').graphql(SIGN_IN, { input: { email, password: `wrong-${i}-password` } });
    expect(await eventsOf(client)).toHaveLength(20);
    expect(await eventsOf(client, 1)).toHaveLength(1);
    expect(await eventsOf(client, 100)).toHaveLength(23);
    for (const limit of [0, -1, 101]) {
      const res = await client.graphql(SECURITY_EVENTS, { limit });
      expect(res.errors?.[0]).toMatchObject({ message: 'limit: must be between 1 and 100', extensions: { code: 'BAD_USER_INPUT' } });
    }
  });

  it('needs a session', async () => {
    expect(errorCode(await t.client().graphql(SECURITY_EVENTS, {}))).toBe('UNAUTHENTICATED');
  });
});

describe('the new sign-in notice', () => {
  it('mails the owner once for a new user agent and address pair, and never for a known one', async () => {
    const homeAddress = uniqueAddress();
    const { email } = await signUpNewUser(t, { client: deviceClient(t, 'Home/1.0', homeAddress) });
    const notices = async () => {
      await t.app.services.background.drain();
      return sink.mailsTo(email, MAIL.newSignIn);
    };
    // The sign-up's own pair is known.
    await signIn(deviceClient(t, 'Home/1.0', homeAddress), email);
    expect(await notices()).toHaveLength(0);

    const cafeAddress = uniqueAddress();
    await signIn(deviceClient(t, 'Cafe/9.1', cafeAddress), email);
    const notice = await sink.waitForMail(email, 1, MAIL.newSignIn);
    for (const part of [notice.text, notice.html]) {
      expect(part).toContain('Cafe/9.1');
      expect(part).toContain(cafeAddress);
    }
    await signIn(deviceClient(t, 'Cafe/9.1', cafeAddress), email);
    expect(await notices()).toHaveLength(1);
    // The same browser from another address is another pair.
    await signIn(deviceClient(t, 'Home/1.0', cafeAddress), email);
    expect(await notices()).toHaveLength(2);
  });

  it('does not count failed sign-ins as having seen a pair', async () => {
    const { email } = await signUpNewUser(t, { client: deviceClient(t, 'Home/1.0') });
    const address = uniqueAddress();
    await deviceClient(t, 'Guesser/1.0', address).graphql(SIGN_IN, { input: { email, password: 'wrong-password-9' } });
    await signIn(deviceClient(t, 'Guesser/1.0', address), email);
    await sink.waitForMail(email, 1, MAIL.newSignIn);
  });

  it('shows the user agent as plain text: markup in it is escaped in the HTML part', async () => {
    const { email } = await signUpNewUser(t, { client: deviceClient(t, 'Home/1.0') });
    const hostile = '<img src=x onerror=alert(1)><a href="https://evil.example">click</a>';
    await signIn(deviceClient(t, hostile), email);
    const notice = await sink.waitForMail(email, 1, MAIL.newSignIn);
    expect(notice.text).toContain(hostile);
    expect(notice.html).not.toContain('<img');
    expect(notice.html).not.toContain('<a href');
    expect(notice.html).toContain('&#60;img src=x onerror=alert(1)&#62;');
  });

});

describe('the new sign-in notice with a slow mail server', () => {
  let app: TestAppWithMailbox;
  beforeAll(async () => {
    app = await startAppWithMailbox({ TRUST_PROXY: 'true' }, { acceptDelayMs: 1_500 });
  });
  afterAll(() => app.close());

  it('is sent after the answer: the mail server does not hold up signIn', async () => {
    const slow = app.sink;
    const { email } = await signUpNewUser(app, { client: deviceClient(app, 'Home/1.0') });
    const res = await deviceClient(app, 'Elsewhere/1.0').graphql(SIGN_IN, { input: { email, password: GOOD_PASSWORD } });
    expect(res.data?.signIn.message).toBe('login successful!');
    // The server holds each mail 1.5 s before taking it: had the answer waited, the mail would be here.
    expect(slow.mailsTo(email, MAIL.newSignIn)).toHaveLength(0);
    await slow.waitForMail(email, 1, MAIL.newSignIn);
  });

});

describe('NEW_SIGN_IN_NOTICE=off', () => {
  let quiet: TestApp;
  beforeAll(async () => {
    quiet = await startTestApp({ env: { SMTP_URL: sink.url, TRUST_PROXY: 'true', NEW_SIGN_IN_NOTICE: 'off' } });
  });
  afterAll(() => quiet.close());

  it('sends no new sign-in mail', async () => {
    const { email } = await signUpNewUser(quiet, { client: deviceClient(quiet, 'Home/1.0') });
    await signIn(deviceClient(quiet, 'Elsewhere/1.0'), email);
    await quiet.app.services.background.drain();
    expect(sink.mailsTo(email, MAIL.newSignIn)).toHaveLength(0);
    // The sign-in itself is still recorded.
    expect(await quiet.app.services.prisma.securityEvent.count({ where: { user: { email }, kind: 'SIGN_IN' } })).toBe(1);
  });
});
