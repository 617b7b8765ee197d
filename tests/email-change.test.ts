// Moving an account to another address: the password and a code mailed to the new address are
// both needed, the old address is told, other sessions end, the old address stops working for
// sign-in and reset, and two users racing for one address cannot both have it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, signIn, signUpNewUser } from './support/accounts.ts';
import {
  CHANGE_EMAIL,
  CONFIRM_EMAIL_CHANGE,
  DASHBOARD,
  GOOD_PASSWORD,
  ME,
  RESET_PASSWORD,
  SECURITY_EVENTS,
  SEND_MAIL,
  SIGN_IN,
  uniqueEmail,
} from './support/operations.ts';
import { codeIn, MAIL, resetCodeIn, type SmtpSink } from './support/smtp-sink.ts';
import { startAppWithMailbox, type TestAppWithMailbox } from './support/test-app.ts';
import type { TestClient } from './support/test-client.ts';

const INVALID_CODE = { message: 'invalid or expired code', extensions: { code: 'INVALID_CODE' } };

let t: TestAppWithMailbox;
let sink: SmtpSink;
beforeAll(async () => {
  t = await startAppWithMailbox();
  sink = t.sink;
});
afterAll(() => t.close());

const changeEmail = (client: TestClient, newEmail: string, password = GOOD_PASSWORD) =>
  client.graphql(CHANGE_EMAIL, { input: { newEmail, password } });
const confirm = (client: TestClient, code: string) => client.graphql(CONFIRM_EMAIL_CHANGE, { input: { code } });
const signInOutcome = async (email: string, password = GOOD_PASSWORD) => {
  const res = await t.client().graphql(SIGN_IN, { input: { email, password } });
  return res.data?.signIn.message ?? errorCode(res);
};

/** Asks to move the client's account to `newEmail` (typed as `typed`) and reads the code from the new address's mail. */
async function requestChange(client: TestClient, newEmail: string, typed = newEmail): Promise<string> {
  const res = await changeEmail(client, typed);
  expect(res.errors).toBeUndefined();
  expect(res.data?.changeEmail.message).toBe('verification code sent!');
  return codeIn(await sink.waitForMail(newEmail, 1, MAIL.emailChangeCode));
}

describe('changeEmail and confirmEmailChange', () => {
  it('moves the account to the new address, verified, once the code comes back; the old one then does nothing', async () => {
    const { client: laptop, email: oldEmail } = await signUpNewUser(t);
    const phone = t.client();
    await signIn(phone, oldEmail);
    // A reset code mailed to the old address before the change.
    await t.client().graphql(SEND_MAIL, { input: { email: oldEmail } });
    const staleResetCode = resetCodeIn(await sink.waitForMail(oldEmail, 1, MAIL.resetCode));

    const newEmail = uniqueEmail('moved');
    const code = await requestChange(laptop, newEmail, ` ${newEmail.toUpperCase()} `);
    const codeMail = sink.mailsTo(newEmail, MAIL.emailChangeCode)[0]!;
    expect(codeMail.subject).toMatch(/confirm/i);
    expect(codeMail.html).toContain(code);
    const requested = await sink.waitForMail(oldEmail, 1, MAIL.emailChangeNotice);
    expect(requested.subject).not.toMatch(/confirm/i);
    expect(requested.text).toContain(newEmail);
    expect(requested.text).not.toContain(code);

    // Nothing has changed yet.
    expect((await laptop.graphql(ME)).data?.me).toMatchObject({ email: oldEmail });
    expect(await signInOutcome(newEmail)).toBe('INVALID_CREDENTIALS');

    const res = await confirm(laptop, code);
    expect(res.errors).toBeUndefined();
    expect(res.data?.confirmEmailChange.message).toBe('email changed!');
    expect((await laptop.graphql(ME)).data?.me).toMatchObject({ email: newEmail, emailVerified: true });
    expect(errorCode(await phone.graphql(DASHBOARD))).toBe('UNAUTHENTICATED');
    expect(errorCode(await laptop.graphql(DASHBOARD))).toBeUndefined();

    const changed = await sink.waitForMail(oldEmail, 2, MAIL.emailChangeNotice);
    expect(changed.subject).toMatch(/changed/);
    expect(changed.text).toContain(newEmail);

    expect(await signInOutcome(newEmail)).toBe('login successful!');
    expect(await signInOutcome(oldEmail)).toBe('INVALID_CREDENTIALS');
    // The reset code sent to the old address works for neither address.
    for (const email of [oldEmail, newEmail]) {
      const reset = await t.client().graphql(RESET_PASSWORD, { input: { email, code: staleResetCode, newPassword: 'amber-lantern-walrus-77' } });
      expect(reset).toMatchObject({ data: null, errors: [INVALID_CODE] });
    }
    // A reset asked for the old address mails it nothing.
    await t.client().graphql(SEND_MAIL, { input: { email: oldEmail } });
    await t.app.services.background.drain();
    expect(sink.mailsTo(oldEmail, MAIL.resetCode)).toHaveLength(1);

    const kinds = (await laptop.graphql(SECURITY_EVENTS, {})).data?.securityEvents.map((e) => e.kind);
    // The failed sign-ins above named addresses without an account at the time: no event.
    expect(kinds).toEqual(['SIGN_IN', 'EMAIL_CHANGED', 'EMAIL_CHANGE_REQUESTED', 'PASSWORD_RESET_REQUESTED', 'SIGN_IN', 'SIGN_UP']);
  });

  it('refuses a wrong password, a malformed, own or taken address, and mails nothing', async () => {
    const { client, email } = await signUpNewUser(t);
    const other = await signUpNewUser(t);
    const target = uniqueEmail('target');
    const cases: [Awaited<ReturnType<typeof changeEmail>>, string, RegExp?][] = [
      [await changeEmail(client, target, 'not-my-password-1'), 'INVALID_CREDENTIALS'],
      [await changeEmail(client, 'not-an-email'), 'BAD_USER_INPUT', /^newEmail: is not a valid email address/],
      [await changeEmail(client, ` ${email.toUpperCase()}`), 'BAD_USER_INPUT', /^newEmail: is already the address/],
      [await changeEmail(client, other.email), 'EMAIL_TAKEN'],
    ];
    for (const [res, code, message] of cases) {
      expect(res.data).toBeNull();
      expect(errorCode(res)).toBe(code);
      if (message) expect(res.errors?.[0]?.message).toMatch(message);
    }
    await t.app.services.background.drain();
    expect(sink.mailsTo(target)).toEqual([]);
    expect(sink.mailsTo(email, MAIL.emailChangeNotice)).toEqual([]);
    expect((await client.graphql(ME)).data?.me?.email).toBe(email);
  });

  it('refuses a wrong code and a code of another user, and kills the code after 5 wrong tries', async () => {
    const alice = await signUpNewUser(t);
    const bob = await signUpNewUser(t);
    const aliceTarget = uniqueEmail('alice-new');
    const aliceCode = await requestChange(alice.client, aliceTarget);
    await requestChange(bob.client, uniqueEmail('bob-new'));
    // Alice's code is no good to Bob, whose own change stays pending and untouched.
    expect(await confirm(bob.client, aliceCode)).toMatchObject({ data: null, errors: [INVALID_CODE] });
    expect((await bob.client.graphql(ME)).data?.me?.email).toBe(bob.email);

    const wrong = (i: number) => String((Number(aliceCode) + i) % 1_000_000).padStart(6, '0');
    for (let i = 1; i <= 5; i += 1) expect(await confirm(alice.client, wrong(i))).toMatchObject({ data: null, errors: [INVALID_CODE] });
    expect(await confirm(alice.client, aliceCode)).toMatchObject({ data: null, errors: [INVALID_CODE] });
    expect((await alice.client.graphql(ME)).data?.me?.email).toBe(alice.email);
    expect(await signInOutcome(aliceTarget)).toBe('INVALID_CREDENTIALS');
  });

  it('gives the address to one of two users racing for it: the other gets EMAIL_TAKEN with nothing changed', async () => {
    const alice = await signUpNewUser(t);
    const bob = await signUpNewUser(t);
    const bobPhone = t.client();
    await signIn(bobPhone, bob.email);
    const aliceOther = t.client();
    await signIn(aliceOther, alice.email);
    const contested = uniqueEmail('contested');
    const aliceCode = await requestChange(alice.client, contested);
    const bobCode = codeIn(await (async () => {
      expect((await changeEmail(bob.client, contested)).data?.changeEmail.message).toBe('verification code sent!');
      return sink.waitForMail(contested, 2, MAIL.emailChangeCode);
    })());

    const [aliceRes, bobRes] = await Promise.all([confirm(alice.client, aliceCode), confirm(bob.client, bobCode)]);
    const results = [aliceRes, bobRes].map((res) => res.data?.confirmEmailChange.message ?? errorCode(res));
    expect(results.sort()).toEqual(['EMAIL_TAKEN', 'email changed!']);

    const winner = aliceRes.data ? alice : bob;
    const loser = aliceRes.data ? bob : alice;
    const loserOther = aliceRes.data ? bobPhone : aliceOther;
    expect(await t.app.services.prisma.user.count({ where: { email: contested } })).toBe(1);
    expect((await winner.client.graphql(ME)).data?.me?.email).toBe(contested);
    // The loser: same address, still unverified, other sessions alive.
    expect((await loser.client.graphql(ME)).data?.me).toMatchObject({ email: loser.email, emailVerified: false });
    expect(errorCode(await loserOther.graphql(DASHBOARD))).toBeUndefined();
    expect(await signInOutcome(loser.email)).toBe('login successful!');
  });

  it('answers EMAIL_TAKEN at confirmation when someone signed up with the address meanwhile', async () => {
    const { client, email } = await signUpNewUser(t);
    const target = uniqueEmail('sniped');
    const code = await requestChange(client, target);
    await signUpNewUser(t, { email: target });
    expect(errorCode(await confirm(client, code))).toBe('EMAIL_TAKEN');
    expect((await client.graphql(ME)).data?.me?.email).toBe(email);
  });

  it('needs a session', async () => {
    expect(errorCode(await changeEmail(t.client(), uniqueEmail()))).toBe('UNAUTHENTICATED');
    expect(errorCode(await confirm(t.client(), '123456'))).toBe('UNAUTHENTICATED');
  });
});
