// Passkeys over HTTP, answered by a software authenticator that controls every byte: registration
// and its proofs, usernameless sign-in, the email hint and its decoys, a passkey as the second
// factor, rename and removal (ending the sessions it started), every refusal of the contract with
// its extensions.reason, the challenge's single use, the counter rule applied only after the
// signature verifies, the notice mails and events, and the whole flow over Bearer transport.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, signUpNewUser, type SignedUpUser } from './support/accounts.ts';
import {
  DASHBOARD,
  DELETE_USER,
  FINISH_PASSKEY_REGISTRATION,
  FINISH_PASSKEY_SIGN_IN,
  GOOD_PASSWORD,
  PASSKEY_EVENTS,
  PASSKEYS,
  REMOVE_PASSKEY,
  RENAME_PASSKEY,
  SESSIONS,
  SIGN_IN,
  SIGN_IN_WITH_TWO_FACTOR,
  SIGN_UP,
  START_PASSKEY_REGISTRATION,
  START_PASSKEY_SIGN_IN,
  uniqueEmail,
} from './support/operations.ts';
import { PASSKEY_ENV, PASSKEY_ORIGIN, passkeySignIn, registerPasskey, startRegistration, startSignIn } from './support/passkeys.ts';
import { expectRateLimited, uniqueAddress } from './support/rate-limited.ts';
import { MAIL, type SmtpSink } from './support/smtp-sink.ts';
import { SoftAuthenticator, type Tweaks } from './support/soft-authenticator.ts';
import { startAppWithMailbox, startTestApp, type TestApp, type TestAppWithMailbox } from './support/test-app.ts';
import type { GraphqlResponse, TestClient } from './support/test-client.ts';
import { turnOnTwoFactor } from './support/two-factor.ts';

let t: TestAppWithMailbox;
let sink: SmtpSink;
beforeAll(async () => {
  t = await startAppWithMailbox({ ...PASSKEY_ENV, PASSKEY_MAX_PER_USER: '3' });
  sink = t.sink;
});
afterAll(() => t?.close());

const prisma = () => t.app.services.prisma;
const newAuthenticator = (defaults: ConstructorParameters<typeof SoftAuthenticator>[1] = {}) => new SoftAuthenticator(PASSKEY_ORIGIN, defaults);
const events = async (client: TestClient) => (await client.graphql(PASSKEY_EVENTS, { limit: 100 })).data!.securityEvents;

/** A new account with one passkey on `authenticator`. */
async function userWithPasskey(authenticator = newAuthenticator(), name?: string): Promise<SignedUpUser & { passkeyId: string; credentialId: string }> {
  const user = await signUpNewUser(t);
  const passkey = await registerPasskey(user.client, authenticator, name);
  return { ...user, passkeyId: passkey.id, credentialId: passkey.credentialId };
}

/** A registration finished with the authenticator's answer changed by `tweaks`. */
async function finishRegistrationWith(client: TestClient, tweaks: Tweaks, authenticator = newAuthenticator()) {
  const { challengeId, options } = await startRegistration(client);
  return client.graphql(FINISH_PASSKEY_REGISTRATION, { input: { challengeId, response: authenticator.create(options, tweaks) } });
}

/** INVALID_CREDENTIALS with exactly this reason (or none), and no session started (a signed-in client's own cookie is only refreshed). */
function expectRefused(res: GraphqlResponse, reason?: string): void {
  expect(res.data ?? null).toBeNull();
  expect(res.errors?.[0]?.extensions).toEqual({ code: 'INVALID_CREDENTIALS', ...(reason ? { reason } : {}) });
  expect(res.errors?.[0]?.message).toBe('invalid credentials!');
  expect(res.headers.get('x-session-token')).toBeNull();
}

/** A refused sign-in from a client without a session: no session cookie either. */
function expectSignInRefused(res: GraphqlResponse, reason?: string): void {
  expectRefused(res, reason);
  expect(res.setCookie).toBeUndefined();
}

const passkeyMails = (email: string) => sink.mailsTo(email, MAIL.passkeyNotice);

describe('registration', () => {
  it('adds a passkey with the name given (trimmed), lists it, mails a notice and records PASSKEY_ADDED', async () => {
    const { client, email } = await signUpNewUser(t);
    const res = await finishRegistrationWith(client, {});
    expect(res.errors).toBeUndefined();
    const first = res.data!.finishPasskeyRegistration.passkey;
    expect(res.data!.finishPasskeyRegistration.message).toBe('passkey added!');
    expect(first).toMatchObject({ name: 'Passkey 1', lastUsedAt: null, backupEligible: false, backedUp: false });
    const second = await registerPasskey(client, newAuthenticator({ flags: { be: true, bs: true } }), '  Work laptop  ');
    expect(second).toMatchObject({ name: 'Work laptop', backupEligible: true, backedUp: true });

    const list = (await client.graphql(PASSKEYS)).data!.passkeys;
    expect(list.map((p) => p.id)).toEqual([second.id, first.id]);
    const notice = await sink.waitForMail(email, 2, MAIL.passkeyNotice);
    expect(notice.subject).toMatch(/passkey/i);
    expect(notice.subject).not.toMatch(/two-factor/i);
    expect(notice.text).toContain('Work laptop');
    expect((await events(client)).filter((e) => e.kind === 'PASSKEY_ADDED').map((e) => e.passkeyName)).toEqual(['Work laptop', 'Passkey 1']);
  });

  it('asks for a discoverable, user-verified credential under a random user handle, excluding the passkeys the account has', async () => {
    const { client, email, userId } = await signUpNewUser(t);
    const first = (await startRegistration(client)).options;
    expect(first).toMatchObject({
      rp: { id: 'localhost' },
      user: { name: email },
      attestation: 'none',
      timeout: 300_000,
      excludeCredentials: [],
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    });
    expect(first.pubKeyCredParams.map((p: { alg: number }) => p.alg)).toEqual([-8, -7, -257]);
    const handle = Buffer.from(first.user.id, 'base64url');
    expect(handle).toHaveLength(64);
    expect(handle.toString('utf8')).not.toContain(userId);
    expect(handle.toString('utf8')).not.toContain(email);
    const passkey = await registerPasskey(client, newAuthenticator());
    const next = (await startRegistration(client)).options;
    expect(next.user.id).toBe(first.user.id);
    expect(next.excludeCredentials.map((c: { id: string }) => c.id)).toEqual([passkey.credentialId]);
  });

  it('needs a session and the password; with two-factor on, a code too', async () => {
    const anonymous = await t.client().graphql(START_PASSKEY_REGISTRATION, { input: { password: GOOD_PASSWORD } });
    expect(errorCode(anonymous)).toBe('UNAUTHENTICATED');
    const { client } = await signUpNewUser(t);
    expect(errorCode(await client.graphql(START_PASSKEY_REGISTRATION, { input: { password: 'not-the-password-1' } }))).toBe('INVALID_CREDENTIALS');
    const { authenticator } = await turnOnTwoFactor(client);
    expect(errorCode(await client.graphql(START_PASSKEY_REGISTRATION, { input: { password: GOOD_PASSWORD } }))).toBe('SECOND_FACTOR_REQUIRED');
    expect(errorCode(await client.graphql(START_PASSKEY_REGISTRATION, { input: { password: GOOD_PASSWORD, code: '000000' } }))).toBe('INVALID_CODE');
    const started = await client.graphql(START_PASSKEY_REGISTRATION, { input: { password: GOOD_PASSWORD, code: authenticator.code(1) } });
    expect(started.errors).toBeUndefined();
  });

  it.each([
    ['an origin not in PASSKEY_ORIGINS', { origin: 'https://evil.example' }, 'ORIGIN'],
    ['a cross-origin iframe', { crossOrigin: true }, 'ORIGIN'],
    ['another RP ID', { rpId: 'example.com' }, 'RP_ID'],
    ['no user verification', { flags: { uv: false } }, 'USER_VERIFICATION'],
    ['a key of an algorithm not offered (ES512)', { alg: -36 }, 'ALGORITHM'],
    ['a sign-in answer', { type: 'webauthn.get' }, 'MALFORMED'],
    ['backed up without being backup eligible', { flags: { be: false, bs: true } }, 'MALFORMED'],
    ['no user presence', { flags: { up: false } }, undefined],
  ] as const)('refuses %s (reason %s), stores nothing and uses the challenge up', async (_name, tweaks, reason) => {
    const { client } = await signUpNewUser(t);
    const { challengeId, options } = await startRegistration(client);
    const authenticator = newAuthenticator();
    expectRefused(await client.graphql(FINISH_PASSKEY_REGISTRATION, { input: { challengeId, response: authenticator.create(options, tweaks) } }), reason);
    const retry = await client.graphql(FINISH_PASSKEY_REGISTRATION, { input: { challengeId, response: authenticator.create(options) } });
    expect(errorCode(retry)).toBe('INVALID_CHALLENGE');
    expect((await client.graphql(PASSKEYS)).data!.passkeys).toEqual([]);
  });

  it('refuses shapes no browser sends as MALFORMED', async () => {
    const { client } = await signUpNewUser(t);
    for (const mangle of [
      (r: Record<string, any>) => ({ ...r, type: 'password' }),
      (r: Record<string, any>) => ({ ...r, id: 'AAAA' }),
      (r: Record<string, any>) => ({ ...r, response: { ...r.response, clientDataJSON: 'not*base64' } }),
      (r: Record<string, any>) => ({ ...r, response: { ...r.response, clientDataJSON: Buffer.from('{"type":').toString('base64url') } }),
      (r: Record<string, any>) => ({ ...r, response: { ...r.response, attestationObject: 'AAAA' } }),
    ]) {
      const { challengeId, options } = await startRegistration(client);
      const response = mangle(newAuthenticator().create(options));
      expectRefused(await client.graphql(FINISH_PASSKEY_REGISTRATION, { input: { challengeId, response } }), 'MALFORMED');
    }
  });

  it("refuses another session's, a replaced, a sign-in and a made-up challenge as INVALID_CHALLENGE", async () => {
    const { client, email } = await signUpNewUser(t);
    const other = t.client();
    await other.graphql(SIGN_IN, { input: { email, password: GOOD_PASSWORD } });
    const authenticator = newAuthenticator();

    const mine = await startRegistration(client);
    const foreign = await other.graphql(FINISH_PASSKEY_REGISTRATION, { input: { challengeId: mine.challengeId, response: authenticator.create(mine.options) } });
    expect(errorCode(foreign)).toBe('INVALID_CHALLENGE');
    // Named by another session, it is used up all the same.
    const after = await client.graphql(FINISH_PASSKEY_REGISTRATION, { input: { challengeId: mine.challengeId, response: authenticator.create(mine.options) } });
    expect(errorCode(after)).toBe('INVALID_CHALLENGE');

    const replaced = await startRegistration(client);
    const latest = await startRegistration(client);
    expect(errorCode(await client.graphql(FINISH_PASSKEY_REGISTRATION, { input: { challengeId: replaced.challengeId, response: authenticator.create(replaced.options) } }))).toBe(
      'INVALID_CHALLENGE',
    );
    const signIn = await startSignIn(client);
    expect(
      errorCode(await client.graphql(FINISH_PASSKEY_REGISTRATION, { input: { challengeId: signIn.challengeId, response: authenticator.create(latest.options) } })),
    ).toBe('INVALID_CHALLENGE');
    expect(errorCode(await client.graphql(FINISH_PASSKEY_REGISTRATION, { input: { challengeId: 'x'.repeat(43), response: authenticator.create(latest.options) } }))).toBe(
      'INVALID_CHALLENGE',
    );
    // An answer signed over another challenge than the one named.
    const fresh = await startRegistration(client);
    const wrongChallenge = authenticator.create(fresh.options, { challenge: latest.options.challenge });
    expect(errorCode(await client.graphql(FINISH_PASSKEY_REGISTRATION, { input: { challengeId: fresh.challengeId, response: wrongChallenge } }))).toBe('INVALID_CHALLENGE');
    expect((await client.graphql(PASSKEYS)).data!.passkeys).toEqual([]);
  });

  it('refuses a credential registered already, by this account or another (CONFLICT)', async () => {
    const authenticator = newAuthenticator();
    const owner = await userWithPasskey(authenticator);
    const again = await finishRegistrationWith(owner.client, { credentialId: owner.credentialId });
    expect(errorCode(again)).toBe('CONFLICT');
    const stranger = await signUpNewUser(t);
    expect(errorCode(await finishRegistrationWith(stranger.client, { credentialId: owner.credentialId }))).toBe('CONFLICT');
    expect((await stranger.client.graphql(PASSKEYS)).data!.passkeys).toEqual([]);
  });

  it('stops at PASSKEY_MAX_PER_USER, at start and when the limit is reached meanwhile', async () => {
    const { client, email } = await signUpNewUser(t);
    await registerPasskey(client, newAuthenticator());
    await registerPasskey(client, newAuthenticator());
    // Two sessions start a third registration each: the first to finish gets it.
    const other = t.client();
    await other.graphql(SIGN_IN, { input: { email, password: GOOD_PASSWORD } });
    const [a, b] = [await startRegistration(client), await startRegistration(other)];
    expect((await client.graphql(FINISH_PASSKEY_REGISTRATION, { input: { challengeId: a.challengeId, response: newAuthenticator().create(a.options) } })).errors).toBeUndefined();
    const late = await other.graphql(FINISH_PASSKEY_REGISTRATION, { input: { challengeId: b.challengeId, response: newAuthenticator().create(b.options) } });
    expect(errorCode(late)).toBe('CONFLICT');
    expect(errorCode(await client.graphql(START_PASSKEY_REGISTRATION, { input: { password: GOOD_PASSWORD } }))).toBe('CONFLICT');
    expect((await client.graphql(PASSKEYS)).data!.passkeys).toHaveLength(3);
  });

  it('refuses a name over 64 characters without using the challenge up; a blank one takes the default', async () => {
    const { client } = await signUpNewUser(t);
    const { challengeId, options } = await startRegistration(client);
    const response = newAuthenticator().create(options);
    const long = await client.graphql(FINISH_PASSKEY_REGISTRATION, { input: { challengeId, response, name: 'x'.repeat(65) } });
    expect(long.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'name' });
    const blank = await client.graphql(FINISH_PASSKEY_REGISTRATION, { input: { challengeId, response, name: '   ' } });
    expect(blank.data?.finishPasskeyRegistration.passkey.name).toBe('Passkey 1');
  });
});

describe('usernameless sign-in', () => {
  it('signs in with a user-verified passkey, no password and no code even with two-factor on, and records it', async () => {
    const authenticator = newAuthenticator();
    const { client, email, passkeyId } = await userWithPasskey(authenticator, 'Phone');
    await turnOnTwoFactor(client);
    const { challengeId, options } = await startSignIn(t.client());
    expect(options.allowCredentials ?? []).toEqual([]);
    expect(options).toMatchObject({ rpId: 'localhost', userVerification: 'required', timeout: 300_000 });

    const browser = t.client();
    const res = await browser.graphql(FINISH_PASSKEY_SIGN_IN, { input: { challengeId, response: authenticator.get(options) } });
    expect(res.errors).toBeUndefined();
    expect(res.data?.finishPasskeySignIn).toMatchObject({ message: 'login successful!', user: { email } });
    expect(res.setCookie?.httpOnly).toBe(true);
    expect((await browser.graphql(DASHBOARD)).data?.dashboard.user.email).toBe(email);
    const [latest] = await events(browser);
    expect(latest).toEqual({ kind: 'SIGN_IN', passkeyName: 'Phone' });
    const stored = (await browser.graphql(PASSKEYS)).data!.passkeys.find((p) => p.id === passkeyId);
    expect(stored?.lastUsedAt).not.toBeNull();
  });

  it('refuses an answer without user verification (USER_VERIFICATION), and any other setup mistake with its reason', async () => {
    const authenticator = newAuthenticator();
    await userWithPasskey(authenticator);
    expectSignInRefused(await passkeySignIn(t.client(), authenticator, {}, { flags: { uv: false } }), 'USER_VERIFICATION');
    expectSignInRefused(await passkeySignIn(t.client(), authenticator, {}, { origin: 'http://localhost:4000' }), 'ORIGIN');
    expectSignInRefused(await passkeySignIn(t.client(), authenticator, {}, { crossOrigin: true }), 'ORIGIN');
    expectSignInRefused(await passkeySignIn(t.client(), authenticator, {}, { rpId: 'evil.localhost' }), 'RP_ID');
    expectSignInRefused(await passkeySignIn(t.client(), authenticator, {}, { type: 'webauthn.create' }), 'MALFORMED');
  });

  it('answers an unknown passkey exactly as a bad signature, and neither writes an event', async () => {
    const authenticator = newAuthenticator();
    const { client } = await userWithPasskey(authenticator);
    const before = await events(client);
    const badSignature = await passkeySignIn(t.client(), authenticator, {}, { badSignature: true });
    // A passkey this server never registered: made by the same kind of authenticator for another site.
    const stranger = newAuthenticator();
    stranger.create({ rp: { id: 'localhost' }, user: { id: Buffer.alloc(64, 7).toString('base64url') }, challenge: 'AAAA' });
    const unknown = await passkeySignIn(t.client(), stranger);
    expectSignInRefused(badSignature);
    expectSignInRefused(unknown);
    expect(unknown.errors).toEqual(badSignature.errors);
    expect(unknown.status).toBe(badSignature.status);
    expect(await events(client)).toEqual(before);
  });

  it("refuses another account's user handle, and a missing one", async () => {
    const authenticator = newAuthenticator();
    await userWithPasskey(authenticator);
    const other = await signUpNewUser(t);
    const otherHandle = (await startRegistration(other.client)).options.user.id as string;
    expectSignInRefused(await passkeySignIn(t.client(), authenticator, {}, { userHandle: otherHandle }));
    expectSignInRefused(await passkeySignIn(t.client(), authenticator, {}, { userHandle: null }));
    expect((await passkeySignIn(t.client(), authenticator)).errors).toBeUndefined();
  });

  it('uses a challenge once: a replay, an expired one, a registration one and a foreign one are INVALID_CHALLENGE', async () => {
    const authenticator = newAuthenticator();
    const { client } = await userWithPasskey(authenticator);
    const { challengeId, options } = await startSignIn(t.client());
    expect((await t.client().graphql(FINISH_PASSKEY_SIGN_IN, { input: { challengeId, response: authenticator.get(options) } })).errors).toBeUndefined();
    const replay = await t.client().graphql(FINISH_PASSKEY_SIGN_IN, { input: { challengeId, response: authenticator.get(options) } });
    expect(errorCode(replay)).toBe('INVALID_CHALLENGE');

    const registration = await startRegistration(client);
    expect(errorCode(await t.client().graphql(FINISH_PASSKEY_SIGN_IN, { input: { challengeId: registration.challengeId, response: authenticator.get(options) } }))).toBe(
      'INVALID_CHALLENGE',
    );
    // Signed over one challenge, sent with another's id.
    const [first, second] = [await startSignIn(t.client()), await startSignIn(t.client())];
    const crossed = await t.client().graphql(FINISH_PASSKEY_SIGN_IN, { input: { challengeId: second.challengeId, response: authenticator.get(first.options) } });
    expect(errorCode(crossed)).toBe('INVALID_CHALLENGE');
  });

  it('lets one of two parallel finishes of one challenge win', async () => {
    const authenticator = newAuthenticator({ counting: false });
    await userWithPasskey(authenticator);
    const { challengeId, options } = await startSignIn(t.client());
    const response = authenticator.get(options);
    const answers = await Promise.all([0, 1, 2].map(() => t.client().graphql(FINISH_PASSKEY_SIGN_IN, { input: { challengeId, response } })));
    expect(answers.map(errorCode).sort()).toEqual(['INVALID_CHALLENGE', 'INVALID_CHALLENGE', undefined]);
  });
});

describe('the counter, judged after the signature', () => {
  it('refuses a device-bound passkey whose counter did not grow, records it and mails its owner', async () => {
    const authenticator = newAuthenticator();
    const { client, email } = await userWithPasskey(authenticator, 'Key');
    expect((await passkeySignIn(t.client(), authenticator)).errors).toBeUndefined();
    expect((await passkeySignIn(t.client(), authenticator)).errors).toBeUndefined();
    expectSignInRefused(await passkeySignIn(t.client(), authenticator, {}, { counter: 1 }));
    const notice = await sink.waitForMail(email, 2, MAIL.passkeyNotice);
    expect(notice.text).toMatch(/refused/);
    expect((await events(client)).slice(0, 1)).toEqual([{ kind: 'PASSKEY_COUNTER_MISMATCH', passkeyName: 'Key' }]);
    // The stored counter did not move back: the next real use still works.
    expect((await passkeySignIn(t.client(), authenticator)).errors).toBeUndefined();
  });

  it('lets a synced passkey in with a stale counter, records it and mails its owner', async () => {
    const authenticator = newAuthenticator({ flags: { be: true, bs: true } });
    const { client, email } = await userWithPasskey(authenticator, 'Synced');
    expect((await passkeySignIn(t.client(), authenticator)).errors).toBeUndefined();
    const stale = await passkeySignIn(t.client(), authenticator, {}, { counter: 1 });
    expect(stale.errors).toBeUndefined();
    expect((await sink.waitForMail(email, 2, MAIL.passkeyNotice)).text).toMatch(/let in/);
    expect((await events(client)).map((e) => e.kind)).toContain('PASSKEY_COUNTER_MISMATCH');
  });

  it('answers a forged low counter with a bad signature as plain INVALID_CREDENTIALS, with no event and no mail', async () => {
    const authenticator = newAuthenticator();
    const { client, email, passkeyId } = await userWithPasskey(authenticator);
    expect((await passkeySignIn(t.client(), authenticator)).errors).toBeUndefined();
    const before = await events(client);
    expectSignInRefused(await passkeySignIn(t.client(), authenticator, {}, { counter: 0, badSignature: true }));
    expect(await events(client)).toEqual(before);
    // The next notice is the removal's: the mails before it are the added one alone.
    await client.graphql(REMOVE_PASSKEY, { input: { id: passkeyId, password: GOOD_PASSWORD } });
    await sink.waitForMail(email, 2, MAIL.passkeyNotice);
    await expect.poll(async () => (await t.app.services.mailSender.backlog()).pending, { timeout: 30_000, interval: 50 }).toBe(0);
    expect(passkeyMails(email).map((m) => m.subject)).toEqual([expect.stringMatching(/added/), expect.stringMatching(/removed/)]);
  });

  it('keeps backedUp as each use reports it, and refuses a backup-eligibility flag unlike the registered one', async () => {
    const authenticator = newAuthenticator({ flags: { be: true, bs: false } });
    const { client, passkeyId } = await userWithPasskey(authenticator, 'Drifting');
    expect((await passkeySignIn(t.client(), authenticator, {}, { flags: { bs: true } })).errors).toBeUndefined();
    expect((await client.graphql(PASSKEYS)).data!.passkeys.find((p) => p.id === passkeyId)?.backedUp).toBe(true);
    expectSignInRefused(await passkeySignIn(t.client(), authenticator, {}, { flags: { be: false, bs: false } }));
    expect((await events(client))[0]).toEqual({ kind: 'SIGN_IN_FAILED', passkeyName: 'Drifting' });
  });
});

describe('the email hint', () => {
  const listed = (options: Record<string, any>) => (options.allowCredentials ?? []).map((c: { id: string }) => c.id) as string[];

  it("lists the account's passkeys, newest first, with user verification required", async () => {
    const authenticator = newAuthenticator();
    const { client, email, credentialId } = await userWithPasskey(authenticator);
    const newer = await registerPasskey(client, newAuthenticator());
    const { options } = await startSignIn(t.client(), { email: email.toUpperCase() });
    expect(listed(options)).toEqual([newer.credentialId, credentialId]);
    expect(options.userVerification).toBe('required');
    expect((await passkeySignIn(t.client(), authenticator, { email })).errors).toBeUndefined();
  });

  it('answers an unknown email and an account without passkeys alike: made-up ids of the same shape, the same on every ask', async () => {
    const unknownEmail = uniqueEmail();
    const { email: withoutPasskeys } = await signUpNewUser(t);
    const shape = (ids: string[]) => ids.map((id) => Buffer.from(id, 'base64url').length);
    const unknown = [await startSignIn(t.client(), { email: unknownEmail }), await startSignIn(t.client(), { email: unknownEmail })];
    const empty = [await startSignIn(t.client(), { email: withoutPasskeys }), await startSignIn(t.client(), { email: withoutPasskeys })];
    for (const pair of [unknown, empty]) {
      expect(listed(pair[0]!.options).length).toBeGreaterThan(0);
      expect(listed(pair[1]!.options)).toEqual(listed(pair[0]!.options));
      expect(Object.keys(pair[0]!.options).sort()).toEqual(['allowCredentials', 'challenge', 'rpId', 'timeout', 'userVerification']);
      for (const id of listed(pair[0]!.options)) expect([16, 20, 32, 64]).toContain(Buffer.from(id, 'base64url').length);
    }
    expect(listed(unknown[0]!.options)).not.toEqual(listed(empty[0]!.options));
    expect(unknown[0]!.options.allowCredentials[0]).toEqual({ id: expect.any(String), type: 'public-key', transports: ['hybrid', 'internal'] });
    expect(shape(listed(empty[0]!.options)).length).toBeLessThanOrEqual(2);
    // Derived from the email as signIn normalises it.
    expect(listed((await startSignIn(t.client(), { email: `  ${unknownEmail.toUpperCase()} ` })).options)).toEqual(listed(unknown[0]!.options));
  });

  it("refuses a passkey the options did not list (another account's)", async () => {
    const mine = newAuthenticator();
    const { email } = await userWithPasskey(mine);
    const theirs = newAuthenticator();
    await userWithPasskey(theirs);
    const { challengeId, options } = await startSignIn(t.client(), { email });
    const res = await t.client().graphql(FINISH_PASSKEY_SIGN_IN, { input: { challengeId, response: theirs.get({ ...options, allowCredentials: [] }) } });
    expectRefused(res);
  });
});

describe('a passkey as the second factor', () => {
  it('is offered by signIn (extensions.passkey) and completes it after the password, without user verification', async () => {
    const authenticator = newAuthenticator();
    const { client, email } = await userWithPasskey(authenticator, 'Key');
    await turnOnTwoFactor(client);
    const asked = await t.client().graphql(SIGN_IN_WITH_TWO_FACTOR, { input: { email, password: GOOD_PASSWORD } });
    expect(asked.errors?.[0]?.extensions).toEqual({ code: 'SECOND_FACTOR_REQUIRED', passkey: true });

    const browser = t.client();
    const { challengeId, options } = await startSignIn(browser, { email, password: GOOD_PASSWORD });
    expect(options.userVerification).toBe('discouraged');
    expect(options.allowCredentials).toHaveLength(1);
    const res = await browser.graphql(FINISH_PASSKEY_SIGN_IN, { input: { challengeId, response: authenticator.get(options, { flags: { uv: false } }) } });
    expect(res.errors).toBeUndefined();
    expect((await browser.graphql(DASHBOARD)).data?.dashboard.user.email).toBe(email);
    expect((await events(browser))[0]).toEqual({ kind: 'SIGN_IN', passkeyName: 'Key' });
  });

  it('checks the password as signIn does, and answers CONFLICT for an account without a passkey', async () => {
    const { email, client } = await signUpNewUser(t);
    await turnOnTwoFactor(client);
    const asked = await t.client().graphql(SIGN_IN_WITH_TWO_FACTOR, { input: { email, password: GOOD_PASSWORD } });
    expect(asked.errors?.[0]?.extensions).toEqual({ code: 'SECOND_FACTOR_REQUIRED' });
    const wrong = await t.client().graphql(START_PASSKEY_SIGN_IN, { input: { email, password: 'wrong-password-123' } });
    expect(errorCode(wrong)).toBe('INVALID_CREDENTIALS');
    const noPasskey = await t.client().graphql(START_PASSKEY_SIGN_IN, { input: { email, password: GOOD_PASSWORD } });
    expect(errorCode(noPasskey)).toBe('CONFLICT');
    expect((await events(client)).map((e) => e.kind)).toContain('SIGN_IN_FAILED');
    const noEmail = await t.client().graphql(START_PASSKEY_SIGN_IN, { input: { password: GOOD_PASSWORD } });
    expect(noEmail.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'email' });
  });

  it("refuses another account's passkey after this account's password, and tells the owner of the password", async () => {
    const mine = newAuthenticator();
    const { email, client } = await userWithPasskey(mine);
    const theirs = newAuthenticator();
    await userWithPasskey(theirs);
    const { challengeId, options } = await startSignIn(t.client(), { email, password: GOOD_PASSWORD });
    expectRefused(await t.client().graphql(FINISH_PASSKEY_SIGN_IN, { input: { challengeId, response: theirs.get({ ...options, allowCredentials: [] }) } }));
    expect((await events(client))[0]).toEqual({ kind: 'SECOND_FACTOR_FAILED', passkeyName: null });
  });
});

describe('rename and removal', () => {
  it('renames within the rules; NOT_FOUND for ids that are not yours', async () => {
    const { client, passkeyId } = await userWithPasskey();
    const renamed = await client.graphql(RENAME_PASSKEY, { input: { id: passkeyId, name: ' Desk key ' } });
    expect(renamed.data?.renamePasskey).toEqual({ message: 'passkey renamed!', passkey: { id: passkeyId, name: 'Desk key' } });
    expect(errorCode(await client.graphql(RENAME_PASSKEY, { input: { id: passkeyId, name: '  ' } }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await client.graphql(RENAME_PASSKEY, { input: { id: passkeyId, name: 'x'.repeat(65) } }))).toBe('BAD_USER_INPUT');
    const stranger = await userWithPasskey();
    expect(errorCode(await client.graphql(RENAME_PASSKEY, { input: { id: stranger.passkeyId, name: 'Mine now' } }))).toBe('NOT_FOUND');
    expect(errorCode(await client.graphql(RENAME_PASSKEY, { input: { id: 'not-an-id', name: 'Mine now' } }))).toBe('NOT_FOUND');
    expect((await stranger.client.graphql(PASSKEYS)).data!.passkeys[0]?.name).toBe('Passkey 1');
  });

  it('removes with the password, ends the sessions that passkey signed in (others stay), mails and records it', async () => {
    const authenticator = newAuthenticator();
    const { client, email, passkeyId } = await userWithPasskey(authenticator, 'Old phone');
    const other = await registerPasskey(client, newAuthenticator());
    const byPasskey = t.client();
    await passkeySignIn(byPasskey, authenticator);
    const byPassword = t.client();
    await byPassword.graphql(SIGN_IN, { input: { email, password: GOOD_PASSWORD } });

    expect(errorCode(await client.graphql(REMOVE_PASSKEY, { input: { id: passkeyId, password: 'wrong-password-123' } }))).toBe('INVALID_CREDENTIALS');
    const stranger = await userWithPasskey();
    expect(errorCode(await client.graphql(REMOVE_PASSKEY, { input: { id: stranger.passkeyId, password: GOOD_PASSWORD } }))).toBe('NOT_FOUND');
    const removed = await client.graphql(REMOVE_PASSKEY, { input: { id: passkeyId, password: GOOD_PASSWORD } });
    expect(removed.data?.removePasskey.message).toBe('passkey removed!');

    expect(errorCode(await byPasskey.graphql(DASHBOARD))).toBe('UNAUTHENTICATED');
    expect((await byPassword.graphql(DASHBOARD)).errors).toBeUndefined();
    expect((await client.graphql(DASHBOARD)).errors).toBeUndefined();
    expect((await client.graphql(PASSKEYS)).data!.passkeys.map((p) => p.id)).toEqual([other.id]);
    expectSignInRefused(await passkeySignIn(t.client(), authenticator));
    expect((await sink.waitForMail(email, 3, MAIL.passkeyNotice)).text).toContain('Old phone');
    expect((await events(client)).find((e) => e.kind === 'PASSKEY_REMOVED')).toEqual({ kind: 'PASSKEY_REMOVED', passkeyName: 'Old phone' });
  });

  it('signs out the session removing the passkey that signed it in; the last passkey may go and the password remains', async () => {
    const authenticator = newAuthenticator();
    const { email, passkeyId } = await userWithPasskey(authenticator);
    const byPasskey = t.client();
    await passkeySignIn(byPasskey, authenticator);
    const removed = await byPasskey.graphql(REMOVE_PASSKEY, { input: { id: passkeyId, password: GOOD_PASSWORD } });
    expect(removed.errors).toBeUndefined();
    expect(removed.setCookie?.maxAge).toBe(0);
    expect(errorCode(await byPasskey.graphql(DASHBOARD))).toBe('UNAUTHENTICATED');
    expect((await t.client().graphql(SIGN_IN, { input: { email, password: GOOD_PASSWORD } })).errors).toBeUndefined();
  });

  it('deleteUser forgets the passkeys', async () => {
    const authenticator = newAuthenticator();
    const { client, email, userId } = await userWithPasskey(authenticator);
    expect((await client.graphql(DELETE_USER, { input: { email, password: GOOD_PASSWORD } })).errors).toBeUndefined();
    expect(await prisma().passkey.count({ where: { userId } })).toBe(0);
    expectSignInRefused(await passkeySignIn(t.client(), authenticator));
  });
});

describe('transport', () => {
  it('runs the whole flow over Bearer tokens, with no cookie anywhere', async () => {
    const header = { 'x-session-transport': 'header' };
    const signUp = await t.client().graphql(SIGN_UP, { input: { username: 'Native', email: uniqueEmail(), password: GOOD_PASSWORD } }, header);
    const token = signUp.headers.get('x-session-token')!;
    expect(token).toBeTruthy();
    const app = t.client({ headers: { authorization: `Bearer ${token}` } });
    const authenticator = newAuthenticator();
    const start = await app.graphql(START_PASSKEY_REGISTRATION, { input: { password: GOOD_PASSWORD } });
    expect(start.headers.get('cache-control')).toBe('no-store');
    const { challengeId, options } = start.data!.startPasskeyRegistration;
    const finish = await app.graphql(FINISH_PASSKEY_REGISTRATION, { input: { challengeId, response: JSON.stringify(authenticator.create(options as Record<string, any>)) } });
    expect(finish.errors).toBeUndefined();

    const native = t.client();
    const signInStart = await native.graphql(START_PASSKEY_SIGN_IN, {}, header);
    expect(signInStart.headers.get('cache-control')).toBe('no-store');
    const { challengeId: id, options: requestOptions } = signInStart.data!.startPasskeySignIn;
    const signedIn = await native.graphql(FINISH_PASSKEY_SIGN_IN, { input: { challengeId: id, response: authenticator.get(requestOptions as Record<string, any>) } }, header);
    expect(signedIn.errors).toBeUndefined();
    const newToken = signedIn.headers.get('x-session-token')!;
    // No session cookie: the token travels in headers only.
    for (const res of [signUp, start, finish, signInStart, signedIn]) expect(res.setCookie).toBeUndefined();
    const dashboard = await t.client().graphql(DASHBOARD, {}, { authorization: `Bearer ${newToken}` });
    expect(dashboard.errors).toBeUndefined();
  });

  it('takes the answer as an object or a string holding one, up to 16 KiB, and refuses anything else clearly', async () => {
    const { challengeId } = await startSignIn(t.client());
    const send = (response: unknown) => t.client().graphql(FINISH_PASSKEY_SIGN_IN, { input: { challengeId, response } } as never);
    for (const [response, message] of [
      [{ padding: 'x'.repeat(17 * 1024) }, /at most 16384 bytes/],
      ['x'.repeat(17 * 1024), /at most 16384 bytes/],
      ['{"not": json', /does not hold JSON/],
      [[1, 2], /must be a JSON object/],
      ['"a string"', /must be a JSON object/],
      [42, /must be a JSON object/],
    ] as const) {
      const res = await send(response);
      expect(res.data ?? null).toBeNull();
      expect(res.errors?.[0]?.message).toMatch(message);
    }
    // None of those reached the challenge: it still works.
    const res = await send(JSON.stringify({ id: 'AAAA', rawId: 'AAAA', type: 'public-key', response: {} }));
    expectRefused(res, 'MALFORMED');
  });
});

describe('limits', () => {
  let limited: TestApp;
  beforeAll(async () => {
    limited = await startTestApp({
      env: { ...PASSKEY_ENV, RATE_LIMITS: 'on', TRUST_PROXY: 'true', RATE_LIMIT_PASSKEY_IP: '4/900', RATE_LIMIT_SIGN_IN_ACCOUNT: '3/900' },
    });
  });
  afterAll(() => limited?.close());

  it('counts ceremonies per client address, and passkey failures never against the account', async () => {
    const address = uniqueAddress();
    const { email } = await signUpNewUser(limited, { client: limited.client({ headers: { 'x-forwarded-for': uniqueAddress() } }) });
    const attacker = limited.client({ headers: { 'x-forwarded-for': address } });
    for (let i = 0; i < 2; i++) {
      const { challengeId } = await startSignIn(attacker, { email });
      expectRefused(await attacker.graphql(FINISH_PASSKEY_SIGN_IN, { input: { challengeId, response: { id: 'AAAA', rawId: 'AAAA', type: 'public-key', response: {} } } }), 'MALFORMED');
    }
    expectRateLimited(await attacker.graphql(START_PASSKEY_SIGN_IN, {}), 900);
    const owner = limited.client({ headers: { 'x-forwarded-for': uniqueAddress() } });
    expect((await owner.graphql(SIGN_IN, { input: { email, password: GOOD_PASSWORD } })).errors).toBeUndefined();
  });
});

describe('challenge lifetime', () => {
  let shortLived: TestApp;
  beforeAll(async () => {
    shortLived = await startTestApp({ env: { ...PASSKEY_ENV, PASSKEY_CHALLENGE_TTL_SECONDS: '1' } });
  });
  afterAll(() => shortLived?.close());

  it('refuses an answer after the challenge expired (INVALID_CHALLENGE) and says when in expiresAt and options.timeout', async () => {
    const authenticator = newAuthenticator();
    const { client } = await signUpNewUser(shortLived);
    await registerPasskey(client, authenticator);
    const res = await shortLived.client().graphql(START_PASSKEY_SIGN_IN, {});
    const { challengeId, options, expiresAt } = res.data!.startPasskeySignIn;
    expect((options as { timeout: number }).timeout).toBe(1000);
    const response = authenticator.get(options as Record<string, any>);
    while (Date.now() <= Date.parse(expiresAt) + 50) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(errorCode(await shortLived.client().graphql(FINISH_PASSKEY_SIGN_IN, { input: { challengeId, response } }))).toBe('INVALID_CHALLENGE');
  });
});

describe('in production without PASSKEY_RP_ID and PASSKEY_ORIGINS', () => {
  let production: TestApp;
  beforeAll(async () => {
    production = await startTestApp({ env: { NODE_ENV: 'production', COOKIE_SECURE: 'false', LOG_LEVEL: 'silent' } });
  });
  afterAll(() => production?.close());

  it('lists no passkeys, answers every passkey mutation FORBIDDEN, and offers no passkey for the second factor', async () => {
    const { client } = await signUpNewUser(production);
    expect((await client.graphql(PASSKEYS)).data?.passkeys).toEqual([]);
    const fakeId = '00000000-0000-4000-8000-000000000000';
    // A passkey kept from when passkeys were on is not offered for signIn's second step.
    const { userId, email } = await signUpNewUser(production, { client: production.client() });
    await production.app.services.prisma.passkey.create({
      data: { userId, credentialId: 'kept-from-before', publicKey: Buffer.alloc(77), name: 'Old', backupEligible: false, backedUp: false, transports: [] },
    });
    const owner = production.client();
    await owner.graphql(SIGN_IN, { input: { email, password: GOOD_PASSWORD } });
    await turnOnTwoFactor(owner);
    const asked = await production.client().graphql(SIGN_IN_WITH_TWO_FACTOR, { input: { email, password: GOOD_PASSWORD } });
    expect(asked.errors?.[0]?.extensions).toEqual({ code: 'SECOND_FACTOR_REQUIRED' });
    for (const res of [
      await client.graphql(START_PASSKEY_REGISTRATION, { input: { password: GOOD_PASSWORD } }),
      await client.graphql(FINISH_PASSKEY_REGISTRATION, { input: { challengeId: 'x', response: {} } }),
      await client.graphql(START_PASSKEY_SIGN_IN, {}),
      await client.graphql(FINISH_PASSKEY_SIGN_IN, { input: { challengeId: 'x', response: {} } }),
      await client.graphql(RENAME_PASSKEY, { input: { id: fakeId, name: 'x' } }),
      await client.graphql(REMOVE_PASSKEY, { input: { id: fakeId, password: GOOD_PASSWORD } }),
    ]) {
      expect(errorCode(res)).toBe('FORBIDDEN');
      expect(res.errors?.[0]?.message).toMatch(/passkeys are not configured/);
    }
  });
});

it('lists sessions started by a passkey like any other', async () => {
  const authenticator = newAuthenticator();
  const { client } = await userWithPasskey(authenticator);
  const browser = t.client();
  await passkeySignIn(browser, authenticator);
  expect((await client.graphql(SESSIONS)).data!.sessions).toHaveLength(2);
});
