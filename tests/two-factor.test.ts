// Two-factor sign-in over HTTP, as a user with an authenticator app lives it: setup, enable with a
// code computed from the returned secret, signIn that asks for a code, recovery codes spent once,
// regenerate, disable; every refusal of the contract leaving the account as it was; hostile codes;
// wrong codes counted against the account; the notice mails and the security events.
import QRCode from 'qrcode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretBox } from '../src/services/security/secret-box.ts';
import { signUpNewUser, type SignedUpUser } from './support/accounts.ts';
import {
  DASHBOARD,
  DISABLE_TWO_FACTOR,
  ENABLE_TWO_FACTOR,
  GOOD_PASSWORD,
  REGENERATE_RECOVERY_CODES,
  SECURITY_EVENTS,
  SIGN_IN,
  SIGN_IN_WITH_TWO_FACTOR,
  START_TWO_FACTOR_SETUP,
  TWO_FACTOR_STATUS,
} from './support/operations.ts';
import { expectRateLimited, outcome, uniqueAddress } from './support/rate-limited.ts';
import type { SmtpSink } from './support/smtp-sink.ts';
import { startAppWithMailbox, startTestApp, type TestApp, type TestAppWithMailbox } from './support/test-app.ts';
import type { GraphqlResponse, TestClient } from './support/test-client.ts';
import { authenticatorFor, turnOnTwoFactor } from './support/two-factor.ts';

let t: TestAppWithMailbox;
let sink: SmtpSink;
beforeAll(async () => {
  t = await startAppWithMailbox();
  sink = t.sink;
});
afterAll(() => t?.close());

const prisma = () => t.app.services.prisma;
const signIn = (client: TestClient, email: string, code?: string, password = GOOD_PASSWORD) =>
  client.graphql(SIGN_IN_WITH_TWO_FACTOR, { input: { email, password, ...(code === undefined ? {} : { code }) } });
const status = async (client: TestClient) => (await client.graphql(TWO_FACTOR_STATUS)).data?.me;
const kinds = async (userId: string) => (await t.app.services.securityEvents.list(userId, 100)).map((e) => e.kind);
const RECOVERY_CODE = /^[abcdefghjkmnpqrstuvwxyz23456789]{5}-[abcdefghjkmnpqrstuvwxyz23456789]{5}$/;

/** The mails about two-factor an address has received so far (subject contains "two-factor"). */
const twoFactorMails = (email: string) => sink.mailsTo(email).filter((m) => /two-factor/i.test(m.subject));

/** Waits for the `count`-th two-factor notice to `email`, checks its two parts and returns it. */
async function twoFactorNotice(email: string, count: number) {
  await expect.poll(() => twoFactorMails(email).length).toBeGreaterThanOrEqual(count);
  const mail = twoFactorMails(email)[count - 1]!;
  expect(mail.subject).toMatch(/two-factor/i);
  expect(mail.text.length).toBeGreaterThan(0);
  expect(mail.html).toMatch(/^<!doctype html>/);
  return mail;
}

/** Everything a refused operation must leave as it was. */
async function accountState(userId: string) {
  const [user, credential, recoveryCodes, liveSessions] = await Promise.all([
    prisma().user.findUniqueOrThrow({ where: { id: userId } }),
    prisma().twoFactorCredential.findUnique({ where: { userId } }),
    prisma().recoveryCode.findMany({ where: { userId }, orderBy: { codeHash: 'asc' }, select: { codeHash: true } }),
    prisma().session.count({ where: { userId, revokedAt: null } }),
  ]);
  return { passwordHash: user.passwordHash, credential, recoveryCodes, liveSessions };
}

const errorOf = (res: GraphqlResponse) => {
  expect(res.status).toBe(200);
  expect(res.data ?? null).toBeNull();
  return res.errors?.[0];
};

describe('startTwoFactorSetup', () => {
  it('returns a 160-bit base32 secret, the otpauth URL of the contract and an SVG QR code of that URL; sign-in is unchanged', async () => {
    const { client, email, userId } = await signUpNewUser(t);
    const res = await client.graphql(START_TWO_FACTOR_SETUP, { input: { password: GOOD_PASSWORD } });
    expect(res.errors).toBeUndefined();
    const { secret, otpauthUrl, qrCodeSvg } = res.data!.startTwoFactorSetup;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(otpauthUrl).toBe(
      `otpauth://totp/Auth%20API:${encodeURIComponent(email)}?secret=${secret}&issuer=Auth%20API&algorithm=SHA1&digits=6&period=30`,
    );
    // An authenticator app reads it as the contract says.
    const app = authenticatorFor(otpauthUrl).totp;
    expect({ issuer: app.issuer, label: app.label, algorithm: app.algorithm, digits: app.digits, period: app.period, secret: app.secret.base32 })
      .toEqual({ issuer: 'Auth API', label: email, algorithm: 'SHA1', digits: 6, period: 30, secret });
    expect(qrCodeSvg).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"[^>]*>.*<\/svg>\s*$/s);
    // The very QR code of otpauthUrl: the same modules qrcode draws for it.
    expect(qrCodeSvg).toBe(await QRCode.toString(otpauthUrl, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }));

    // Pending only: sign-in takes no code, and the account shows two-factor off.
    expect(await status(client)).toEqual({ id: userId, twoFactorEnabled: false, recoveryCodesLeft: 0 });
    expect((await signIn(t.client(), email)).data?.signIn.message).toBe('login successful!');
  });

  it('replaces an earlier pending secret: its codes no longer enable two-factor', async () => {
    const { client } = await signUpNewUser(t);
    const first = authenticatorFor((await client.graphql(START_TWO_FACTOR_SETUP, { input: { password: GOOD_PASSWORD } })).data!.startTwoFactorSetup.otpauthUrl);
    const second = authenticatorFor((await client.graphql(START_TWO_FACTOR_SETUP, { input: { password: GOOD_PASSWORD } })).data!.startTwoFactorSetup.otpauthUrl);
    expect(second.secret).not.toBe(first.secret);
    expect(errorOf(await client.graphql(ENABLE_TWO_FACTOR, { input: { code: first.code() } }))?.extensions?.code).toBe('INVALID_CODE');
    expect((await client.graphql(ENABLE_TWO_FACTOR, { input: { code: second.code() } })).data?.enableTwoFactor.message).toBe('two-factor enabled!');
  });

  it('keeps the secret only encrypted: the row holds neither the base32 secret nor its bytes, and opens only for its own user', async () => {
    const { client, userId } = await signUpNewUser(t);
    const { secret } = (await client.graphql(START_TWO_FACTOR_SETUP, { input: { password: GOOD_PASSWORD } })).data!.startTwoFactorSetup;
    const row = await prisma().twoFactorCredential.findUniqueOrThrow({ where: { userId } });
    expect(row.secretEncrypted).not.toContain(secret);
    expect(row.secretEncrypted.toUpperCase()).not.toContain(secret);
    const secretBytes = Buffer.from(authenticatorFor(`otpauth://totp/x:y?secret=${secret}`).totp.secret.bytes);
    for (const part of row.secretEncrypted.split('.')) expect(Buffer.from(part, 'base64url').includes(secretBytes)).toBe(false);
    // AES-256-GCM under the configured key, bound to the user: the key opens it, another user id does not.
    const box = createSecretBox(t.config.encryption);
    expect(box.open(row.secretEncrypted, userId)?.plain).toBe(secret);
    expect(box.open(row.secretEncrypted, (await signUpNewUser(t)).userId)).toBeNull();
    expect(createSecretBox({ key: Buffer.alloc(32, 7), previousKey: undefined }).open(row.secretEncrypted, userId)).toBeNull();
  });
});

describe('the whole flow', () => {
  it('enable → SECOND_FACTOR_REQUIRED → signIn with a code; the code once accepted is refused again', async () => {
    const { client, email, userId } = await signUpNewUser(t);
    const elsewhere = t.client();
    expect((await signIn(elsewhere, email)).data?.signIn.message).toBe('login successful!');

    const setup = await client.graphql(START_TWO_FACTOR_SETUP, { input: { password: GOOD_PASSWORD } });
    const authenticator = authenticatorFor(setup.data!.startTwoFactorSetup.otpauthUrl);
    const enableCode = authenticator.code();
    const enabled = await client.graphql(ENABLE_TWO_FACTOR, { input: { code: enableCode } });
    expect(enabled.errors).toBeUndefined();
    expect(enabled.data?.enableTwoFactor.message).toBe('two-factor enabled!');
    const codes = enabled.data!.enableTwoFactor.recoveryCodes;
    expect(codes).toHaveLength(10);
    for (const code of codes) expect(code).toMatch(RECOVERY_CODE);
    expect(new Set(codes).size).toBe(10);
    // Only hashes are kept.
    const stored = await prisma().recoveryCode.findMany({ where: { userId } });
    expect(stored).toHaveLength(10);
    for (const code of codes) {
      for (const row of stored) expect(row.codeHash.toLowerCase()).not.toContain(code.replace('-', ''));
    }

    // This session goes on; every other one was signed out.
    expect((await client.graphql(DASHBOARD)).data?.dashboard.user.email).toBe(email);
    expect(errorOf(await elsewhere.graphql(DASHBOARD))?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(await status(client)).toEqual({ id: userId, twoFactorEnabled: true, recoveryCodesLeft: 10 });
    expect((await twoFactorNotice(email, 1)).text).toMatch(/turned on/);

    // The right password alone: no session.
    const fresh = t.client();
    const sessionsBefore = await prisma().session.count({ where: { userId } });
    const asked = await signIn(fresh, email);
    expect(errorOf(asked)).toMatchObject({ extensions: { code: 'SECOND_FACTOR_REQUIRED' } });
    expect(asked.setCookie).toBeUndefined();
    expect(await prisma().session.count({ where: { userId } })).toBe(sessionsBefore);
    // A wrong password still says nothing about the second factor.
    expect(errorOf(await signIn(fresh, email, undefined, 'wrong-password-123'))?.extensions?.code).toBe('INVALID_CREDENTIALS');
    expect(errorOf(await signIn(fresh, email, '000000' === authenticator.code(1) ? '111111' : '000000'))?.extensions?.code).toBe('INVALID_CODE');
    // The code that enabled two-factor was spent there.
    expect(errorOf(await signIn(fresh, email, enableCode))?.extensions?.code).toBe('INVALID_CODE');

    const next = authenticator.code(1);
    const signedIn = await signIn(fresh, email, next);
    expect(signedIn.errors).toBeUndefined();
    expect(signedIn.data?.signIn).toMatchObject({ message: 'login successful!', user: { id: userId, twoFactorEnabled: true, recoveryCodesLeft: 10 } });
    expect(signedIn.setCookie?.maxAge).toBeGreaterThan(0);
    expect((await fresh.graphql(DASHBOARD)).data?.dashboard.user.id).toBe(userId);
    // Replayed, from anywhere: refused.
    expect(errorOf(await signIn(t.client(), email, next))?.extensions?.code).toBe('INVALID_CODE');

    expect(await kinds(userId)).toEqual(expect.arrayContaining(['TWO_FACTOR_ENABLED', 'SECOND_FACTOR_FAILED']));
  });

  it('signs in with a recovery code once, in any case and spacing; recoveryCodesLeft drops and a notice says how many are left', async () => {
    const { client, email, userId } = await signUpNewUser(t);
    const { recoveryCodes } = await turnOnTwoFactor(client);
    const [code] = recoveryCodes as [string];
    const typed = ` ${code.toUpperCase().replace('-', ' - ')} `;
    const res = await signIn(t.client(), email, typed);
    expect(res.errors).toBeUndefined();
    expect(res.data?.signIn.user).toMatchObject({ twoFactorEnabled: true, recoveryCodesLeft: 9 });
    const notice = await twoFactorNotice(email, 2);
    expect(notice.subject).toMatch(/recovery code/);
    expect(notice.text).toMatch(/9 recovery codes left/);
    expect(notice.html).toMatch(/9 recovery codes left/);

    // Spent: refused however it is typed, and the count stays.
    for (const again of [code, code.replace('-', '')]) expect(errorOf(await signIn(t.client(), email, again))?.extensions?.code).toBe('INVALID_CODE');
    expect(await status(client)).toMatchObject({ recoveryCodesLeft: 9 });
    expect(await kinds(userId)).toContain('RECOVERY_CODE_USED');
    // The others still work.
    expect((await signIn(t.client(), email, recoveryCodes[1])).data?.signIn.user.recoveryCodesLeft).toBe(8);
  });

  it('regenerateRecoveryCodes replaces the set: the old codes are dead, the new ones work', async () => {
    const { client, email, userId } = await signUpNewUser(t);
    const { recoveryCodes: old } = await turnOnTwoFactor(client);
    const res = await client.graphql(REGENERATE_RECOVERY_CODES, { input: { password: GOOD_PASSWORD, code: old[0]! } });
    expect(res.errors).toBeUndefined();
    expect(res.data?.regenerateRecoveryCodes.message).toBe('recovery codes replaced!');
    const fresh = res.data!.regenerateRecoveryCodes.recoveryCodes;
    expect(fresh).toHaveLength(10);
    for (const code of fresh) expect(code).toMatch(RECOVERY_CODE);
    expect(fresh.filter((c) => old.includes(c))).toEqual([]);
    expect(await status(client)).toMatchObject({ twoFactorEnabled: true, recoveryCodesLeft: 10 });
    expect((await twoFactorNotice(email, 2)).subject).toMatch(/replaced/);

    for (const code of old.slice(1, 4)) expect(errorOf(await signIn(t.client(), email, code))?.extensions?.code).toBe('INVALID_CODE');
    expect((await signIn(t.client(), email, fresh[0])).data?.signIn.user.recoveryCodesLeft).toBe(9);
    expect(await kinds(userId)).toEqual(expect.arrayContaining(['RECOVERY_CODES_REGENERATED', 'RECOVERY_CODE_USED']));
  });

  it('disableTwoFactor with an authenticator code turns it off and forgets secret and codes', async () => {
    const { client, email, userId } = await signUpNewUser(t);
    const { authenticator, recoveryCodes } = await turnOnTwoFactor(client);
    const res = await client.graphql(DISABLE_TWO_FACTOR, { input: { password: GOOD_PASSWORD, code: authenticator.code(1) } });
    expect(res.errors).toBeUndefined();
    expect(res.data?.disableTwoFactor.message).toBe('two-factor disabled!');
    expect(await status(client)).toEqual({ id: userId, twoFactorEnabled: false, recoveryCodesLeft: 0 });
    expect(await prisma().twoFactorCredential.count({ where: { userId } })).toBe(0);
    expect(await prisma().recoveryCode.count({ where: { userId } })).toBe(0);
    expect((await twoFactorNotice(email, 2)).subject).toMatch(/turned off/);
    expect(await kinds(userId)).toContain('TWO_FACTOR_DISABLED');
    // The password alone signs in again; a code sent along is ignored, old recovery codes included.
    expect((await signIn(t.client(), email)).data?.signIn.message).toBe('login successful!');
    expect((await signIn(t.client(), email, recoveryCodes[0])).data?.signIn.message).toBe('login successful!');
  });

  it('disableTwoFactor accepts a recovery code too', async () => {
    const { client } = await signUpNewUser(t);
    const { recoveryCodes } = await turnOnTwoFactor(client);
    expect((await client.graphql(DISABLE_TWO_FACTOR, { input: { password: GOOD_PASSWORD, code: recoveryCodes[5]! } })).data?.disableTwoFactor.message)
      .toBe('two-factor disabled!');
    expect(await status(client)).toMatchObject({ twoFactorEnabled: false, recoveryCodesLeft: 0 });
  });
});

describe('refusals leave the account as it was', () => {
  /** Runs `attempt`, expects `code`, and checks nothing about the account changed. */
  async function refusedUnchanged(user: SignedUpUser, code: string, attempt: () => Promise<GraphqlResponse>) {
    const before = await accountState(user.userId);
    const error = errorOf(await attempt());
    expect(error?.extensions?.code).toBe(code);
    expect(await accountState(user.userId)).toEqual(before);
  }

  it('UNAUTHENTICATED without a session, for every two-factor operation', async () => {
    const user = await signUpNewUser(t);
    const { authenticator, recoveryCodes } = await turnOnTwoFactor(user.client);
    const anonymous = t.client();
    const proof = { password: GOOD_PASSWORD, code: recoveryCodes[0]! };
    await refusedUnchanged(user, 'UNAUTHENTICATED', () => anonymous.graphql(START_TWO_FACTOR_SETUP, { input: { password: GOOD_PASSWORD } }));
    await refusedUnchanged(user, 'UNAUTHENTICATED', () => anonymous.graphql(ENABLE_TWO_FACTOR, { input: { code: authenticator.code(1) } }));
    await refusedUnchanged(user, 'UNAUTHENTICATED', () => anonymous.graphql(DISABLE_TWO_FACTOR, { input: proof }));
    await refusedUnchanged(user, 'UNAUTHENTICATED', () => anonymous.graphql(REGENERATE_RECOVERY_CODES, { input: proof }));
  });

  it('INVALID_CREDENTIALS for a wrong password, for setup, disable and regenerate', async () => {
    const off = await signUpNewUser(t);
    await refusedUnchanged(off, 'INVALID_CREDENTIALS', () => off.client.graphql(START_TWO_FACTOR_SETUP, { input: { password: 'not-the-password-1' } }));
    const on = await signUpNewUser(t);
    const { recoveryCodes } = await turnOnTwoFactor(on.client);
    const proof = { password: 'not-the-password-1', code: recoveryCodes[0]! };
    await refusedUnchanged(on, 'INVALID_CREDENTIALS', () => on.client.graphql(DISABLE_TWO_FACTOR, { input: proof }));
    await refusedUnchanged(on, 'INVALID_CREDENTIALS', () => on.client.graphql(REGENERATE_RECOVERY_CODES, { input: proof }));
    // The recovery code offered with the wrong password was not spent.
    expect(await status(on.client)).toMatchObject({ recoveryCodesLeft: 10 });
  });

  it('CONFLICT: setup while on, disable and regenerate while off', async () => {
    const on = await signUpNewUser(t);
    await turnOnTwoFactor(on.client);
    await refusedUnchanged(on, 'CONFLICT', () => on.client.graphql(START_TWO_FACTOR_SETUP, { input: { password: GOOD_PASSWORD } }));
    const off = await signUpNewUser(t);
    const proof = { password: GOOD_PASSWORD, code: '123456' };
    await refusedUnchanged(off, 'CONFLICT', () => off.client.graphql(DISABLE_TWO_FACTOR, { input: proof }));
    await refusedUnchanged(off, 'CONFLICT', () => off.client.graphql(REGENERATE_RECOVERY_CODES, { input: proof }));
    // Pending is not on either.
    await off.client.graphql(START_TWO_FACTOR_SETUP, { input: { password: GOOD_PASSWORD } });
    await refusedUnchanged(off, 'CONFLICT', () => off.client.graphql(DISABLE_TWO_FACTOR, { input: proof }));
  });

  it('INVALID_CODE: enable with nothing pending or a wrong code; disable and regenerate with a wrong code', async () => {
    const user = await signUpNewUser(t);
    const other = t.client();
    await signIn(other, user.email);
    await refusedUnchanged(user, 'INVALID_CODE', () => user.client.graphql(ENABLE_TWO_FACTOR, { input: { code: '123456' } }));
    const pending = authenticatorFor((await user.client.graphql(START_TWO_FACTOR_SETUP, { input: { password: GOOD_PASSWORD } })).data!.startTwoFactorSetup.otpauthUrl);
    const wrong = (code: string) => (code === '000000' ? '111111' : '000000');
    // Wrong: still pending, no recovery codes, the other session still alive.
    await refusedUnchanged(user, 'INVALID_CODE', () => user.client.graphql(ENABLE_TWO_FACTOR, { input: { code: wrong(pending.code()) } }));
    // A recovery-shaped code cannot enable.
    await refusedUnchanged(user, 'INVALID_CODE', () => user.client.graphql(ENABLE_TWO_FACTOR, { input: { code: 'abcde-fghjk' } }));
    expect((await other.graphql(DASHBOARD)).data?.dashboard.user.email).toBe(user.email);

    const on = await signUpNewUser(t);
    const { authenticator } = await turnOnTwoFactor(on.client);
    // Already on: nothing is pending.
    await refusedUnchanged(on, 'INVALID_CODE', () => on.client.graphql(ENABLE_TWO_FACTOR, { input: { code: authenticator.code(1) } }));
    const proof = { password: GOOD_PASSWORD, code: wrong(authenticator.code(1)) };
    await refusedUnchanged(on, 'INVALID_CODE', () => on.client.graphql(DISABLE_TWO_FACTOR, { input: proof }));
    await refusedUnchanged(on, 'INVALID_CODE', () => on.client.graphql(REGENERATE_RECOVERY_CODES, { input: { ...proof, code: 'zzzzz-zzzzz' } }));
  });
});

describe('hostile codes', () => {
  const HOSTILE = ['12345a', 'abcdef', '12 34 5', '😀😀😀😀😀😀', '１２３４５６', '123456\u0000', '\ud800\ud800\ud800', 'x'.repeat(10_240), '9'.repeat(65)];

  /** INVALID_CODE, or BAD_USER_INPUT naming `code`; never a server error. */
  function expectCodeRefused(res: GraphqlResponse) {
    const error = errorOf(res);
    expect(['INVALID_CODE', 'BAD_USER_INPUT']).toContain(error?.extensions?.code);
    if (error?.extensions?.code === 'BAD_USER_INPUT') {
      expect(error.extensions.field).toBe('code');
      expect(error.message).toMatch(/^code: /);
    }
  }

  it('are refused at signIn, enable, disable and regenerate without a server error, and change nothing', async () => {
    const pending = await signUpNewUser(t);
    await pending.client.graphql(START_TWO_FACTOR_SETUP, { input: { password: GOOD_PASSWORD } });
    const on = await signUpNewUser(t);
    await turnOnTwoFactor(on.client);
    const before = [await accountState(pending.userId), await accountState(on.userId)];
    for (const code of HOSTILE) {
      expectCodeRefused(await signIn(t.client(), on.email, code));
      expectCodeRefused(await pending.client.graphql(ENABLE_TWO_FACTOR, { input: { code } }));
      expectCodeRefused(await on.client.graphql(DISABLE_TWO_FACTOR, { input: { password: GOOD_PASSWORD, code } }));
      expectCodeRefused(await on.client.graphql(REGENERATE_RECOVERY_CODES, { input: { password: GOOD_PASSWORD, code } }));
    }
    expect(errorOf(await signIn(t.client(), on.email, 'x'.repeat(10_240)))).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'code' } });
    expect([await accountState(pending.userId), await accountState(on.userId)]).toEqual(before);
    expect(t.logger.lines.filter((line) => line.startsWith('error'))).toEqual([]);
    // 9 codes × 3 password checks (argon2id at OWASP's cost): more than 30 s on a busy 2-core machine.
  }, 120_000);

  it('are ignored at signIn for an account without two-factor', async () => {
    const { email } = await signUpNewUser(t);
    for (const code of ['abcdef', '😀', '']) expect((await signIn(t.client(), email, code)).data?.signIn.message).toBe('login successful!');
  });
});

describe('with the default limits', () => {
  let limited: TestApp;
  beforeAll(async () => {
    limited = await startTestApp({ env: { RATE_LIMITS: 'on', TRUST_PROXY: 'true', SMTP_URL: sink.url } });
  });
  afterAll(() => limited?.close());

  it('counts wrong codes against the account: the 6th code in 15 minutes is refused, from any client, even the right one', async () => {
    const { client, email, userId } = await signUpNewUser(limited, { client: limited.client({ headers: { 'x-forwarded-for': uniqueAddress() } }) });
    const { authenticator } = await turnOnTwoFactor(client);
    const right = authenticator.code(1);
    const wrong = right === '000000' ? '111111' : '000000';
    // Five clients, five addresses, each with the right password: only the account is in common.
    const stranger = () => limited.client({ headers: { 'x-forwarded-for': uniqueAddress() } });
    for (let i = 0; i < 5; i++) expect(outcome(await signIn(stranger(), email, wrong))).toBe('INVALID_CODE');
    expectRateLimited(await signIn(stranger(), email, right), 900);
    // The owner's own browser (it holds a device cookie) is refused the code too, and so are the
    // operations that take a code.
    expectRateLimited(await signIn(client, email, right), 900, { carriedSession: true });
    expectRateLimited(await client.graphql(DISABLE_TWO_FACTOR, { input: { password: GOOD_PASSWORD, code: right } }), 900, { carriedSession: true });
    expect((await limited.app.services.securityEvents.list(userId, 100)).filter((e) => e.kind === 'SECOND_FACTOR_FAILED')).toHaveLength(5);
    expect(await limited.app.services.prisma.twoFactorCredential.count({ where: { userId, enabledAt: { not: null } } })).toBe(1);
    // Some 10 argon2id verifications at OWASP's cost: more than 30 s on a busy 2-core machine.
  }, 120_000);

  it('counts password proofs per account: the 6th setup in 15 minutes is refused, even with the right password', async () => {
    const { client, userId } = await signUpNewUser(limited, { client: limited.client({ headers: { 'x-forwarded-for': uniqueAddress() } }) });
    for (let i = 0; i < 5; i++) {
      expect(outcome(await client.graphql(START_TWO_FACTOR_SETUP, { input: { password: `wrong-guess-${i}-xyz` } }))).toBe('INVALID_CREDENTIALS');
    }
    expectRateLimited(await client.graphql(START_TWO_FACTOR_SETUP, { input: { password: GOOD_PASSWORD } }), 900, { carriedSession: true });
    expect(await limited.app.services.prisma.twoFactorCredential.count({ where: { userId } })).toBe(0);
  });
});

describe('signIn without two-factor', () => {
  it('is unchanged for existing clients: no code, the same answer as before', async () => {
    const { email } = await signUpNewUser(t);
    const res = await t.client().graphql(SIGN_IN, { input: { email, password: GOOD_PASSWORD } });
    expect(res.data?.signIn.message).toBe('login successful!');
  });
});

describe('security events', () => {
  it('the owner sees every two-factor event in securityEvents, each with the address and user agent of its request', async () => {
    const { client, email } = await signUpNewUser(t);
    const { recoveryCodes } = await turnOnTwoFactor(client);
    // A recovery-shaped code that is none of them: a failed second factor.
    expect(outcome(await signIn(t.client(), email, 'zzzzz-zzzzz'))).toBe('INVALID_CODE');
    expect(outcome(await signIn(t.client(), email, recoveryCodes[0]))).toBe('ok');
    const regenerated = await client.graphql(REGENERATE_RECOVERY_CODES, { input: { password: GOOD_PASSWORD, code: recoveryCodes[1]! } });
    const fresh = regenerated.data!.regenerateRecoveryCodes.recoveryCodes;
    expect(outcome(await client.graphql(DISABLE_TWO_FACTOR, { input: { password: GOOD_PASSWORD, code: fresh[0]! } }))).toBe('ok');

    const res = await client.graphql(SECURITY_EVENTS, { limit: 100 });
    expect(res.errors).toBeUndefined();
    const twoFactorKinds = ['TWO_FACTOR_ENABLED', 'TWO_FACTOR_DISABLED', 'RECOVERY_CODE_USED', 'RECOVERY_CODES_REGENERATED', 'SECOND_FACTOR_FAILED'];
    const events = res.data!.securityEvents.filter((e) => twoFactorKinds.includes(e.kind));
    const count = (kind: string) => events.filter((e) => e.kind === kind).length;
    expect(twoFactorKinds.map((kind) => [kind, count(kind)])).toEqual([
      ['TWO_FACTOR_ENABLED', 1],
      ['TWO_FACTOR_DISABLED', 1],
      // Spent at signIn, at regenerate and at disable.
      ['RECOVERY_CODE_USED', 3],
      ['RECOVERY_CODES_REGENERATED', 1],
      ['SECOND_FACTOR_FAILED', 1],
    ]);
    for (const event of events) {
      expect(event.ipAddress).toBe('127.0.0.1');
      expect(event.userAgent).toBeTruthy();
    }
    // Newest first: turning it off came after turning it on.
    const kindsInOrder = events.map((e) => e.kind);
    expect(kindsInOrder.indexOf('TWO_FACTOR_DISABLED')).toBeLessThan(kindsInOrder.indexOf('TWO_FACTOR_ENABLED'));
  });
});
