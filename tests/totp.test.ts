// Authenticator codes as configured (otpauth, HMAC-SHA1, 6 digits, 30-second steps), at chosen
// instants: a clock is handed to the TOTP service, nothing global is faked. RFC 6238's test
// vectors, the one-step window each way, replays, and ENCRYPTION_KEY rotation, on a real database.
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import type { Database } from '../src/db/open-database.ts';
import type { User } from '../src/generated/prisma/client.ts';
import { createCaller } from '../src/services/caller.ts';
import { createServices, type Services } from '../src/services/create-services.ts';
import { createSecretBox } from '../src/services/security/secret-box.ts';
import { reencryptSecrets } from '../src/services/security/reencrypt-secrets.ts';
import { createTotp } from '../src/services/two-factor/totp.ts';
import { CapturingLogger } from './support/capturing-logger.ts';
import { GOOD_PASSWORD, uniqueEmail } from './support/operations.ts';
import { TEST_SECRET } from './support/test-app.ts';
import { createTestDatabase, type TestDatabase } from './support/test-database.ts';

// RFC 6238, appendix B: the SHA1 seed is the ASCII string "12345678901234567890".
const RFC_SECRET = new Secret({ buffer: new TextEncoder().encode('12345678901234567890').buffer }).base32;
// Its 8-digit SHA1 values; a 6-digit code is the same truncation mod 10^6, i.e. the last 6 digits.
const RFC_VECTORS: [seconds: number, eightDigits: string][] = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

const STEP_MS = 30_000;
/** The middle of a step, so "one step before" and "after" are unambiguous. */
const T0 = 1_800_000_015_000;
const codeAt = (secret: string, ms: number) => TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: ms });

describe('the TOTP service', () => {
  it('verifies the RFC 6238 SHA1 test vectors at their times, as the step they belong to', () => {
    expect(RFC_SECRET).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    for (const [seconds, eightDigits] of RFC_VECTORS) {
      const totp = createTotp(() => seconds * 1000);
      expect(totp.verify(RFC_SECRET, eightDigits.slice(2), null)).toBe(Math.floor(seconds / 30));
      // The library agrees with the vector as configured (6 digits of the same HMAC-SHA1).
      expect(codeAt(RFC_SECRET, seconds * 1000)).toBe(eightDigits.slice(2));
    }
  });

  it('accepts the step before, the current and the step after; refuses two steps away either way', () => {
    const totp = createTotp(() => T0);
    const secret = totp.newSecret();
    const step = Math.floor(T0 / STEP_MS);
    for (const offset of [-1, 0, 1]) expect(totp.verify(secret, codeAt(secret, T0 + offset * STEP_MS), null)).toBe(step + offset);
    for (const offset of [-2, 2, -3]) {
      const code = codeAt(secret, T0 + offset * STEP_MS);
      // A code can repeat within the window by chance (1 in 10^6); only then is it not refused.
      const inWindow = [-1, 0, 1].some((o) => codeAt(secret, T0 + o * STEP_MS) === code);
      if (!inWindow) expect(totp.verify(secret, code, null)).toBeNull();
    }
  });

  it('refuses a code of the last accepted step or an earlier one', () => {
    const totp = createTotp(() => T0);
    const secret = totp.newSecret();
    const step = Math.floor(T0 / STEP_MS);
    const now = codeAt(secret, T0);
    expect(totp.verify(secret, now, step - 1)).toBe(step);
    expect(totp.verify(secret, now, step)).toBeNull();
    expect(totp.verify(secret, codeAt(secret, T0 - STEP_MS), step)).toBeNull();
    expect(totp.verify(secret, codeAt(secret, T0 + STEP_MS), step)).toBe(step + 1);
  });

  it('makes 160-bit base32 secrets without padding, a new one each time', () => {
    const totp = createTotp(Date.now);
    const secrets = new Set(Array.from({ length: 50 }, () => totp.newSecret()));
    expect(secrets.size).toBe(50);
    for (const secret of secrets) {
      expect(secret).toMatch(/^[A-Z2-7]{32}$/);
      expect(Secret.fromBase32(secret).bytes).toHaveLength(20);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The two-factor service on a real database, with a clock the test moves.

let database: TestDatabase;
let db: Database;
beforeAll(async () => {
  database = await createTestDatabase();
  db = await database.open();
});
afterAll(async () => {
  await db?.close();
  await database?.drop();
});

const KEY_A = 'a'.repeat(64);
const KEY_B = 'b'.repeat(64);
const caller = createCaller('192.0.2.7', 'totp-test');

/** Services on the test database whose clock reads `clock.now`, with the given ENCRYPTION_KEY(s). */
function servicesAt(clock: { now: number }, env: Record<string, string> = {}): Services {
  const config = loadConfig({ JWT_SECRET: TEST_SECRET, RATE_LIMITS: 'off', DATA_DIR: '/nonexistent-not-written', ENCRYPTION_KEY: KEY_A, ...env });
  return createServices({ config, prisma: db.prisma, sql: db.sql, rateLimitStore: { kind: 'memory' }, logger: new CapturingLogger(), clock: () => clock.now });
}

/** A user with two-factor on, enabled with the code of the clock's current step. */
async function userWithTwoFactor(services: Services, clock: { now: number }): Promise<{ user: User; secret: string }> {
  const { user, session } = await services.accounts.signUp({ username: 'Clock', email: uniqueEmail('totp'), password: GOOD_PASSWORD }, caller);
  const { secret } = await services.twoFactor.startSetup({ user, session }, GOOD_PASSWORD);
  await services.twoFactor.enable(user, codeAt(secret, clock.now), session.id, caller);
  return { user, secret };
}

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'ok',
    (error: { extensions?: { code?: string } }) => error.extensions?.code ?? 'thrown',
  );

describe('the two-factor service with a controlled clock', () => {
  it('refuses a replayed code, and any code of a step at or before the last accepted one', async () => {
    const clock = { now: T0 };
    const services = servicesAt(clock);
    const { user, secret } = await userWithTwoFactor(services, clock);
    const signIn = (code: string) => codeOf(services.twoFactor.checkSignIn(user, code, caller));

    // The enabling code was accepted for this step: it is spent, and so is the step before.
    expect(await signIn(codeAt(secret, T0))).toBe('INVALID_CODE');
    expect(await signIn(codeAt(secret, T0 - STEP_MS))).toBe('INVALID_CODE');
    // The next step, once; then not again, even 30 seconds later when it is the current one.
    expect(await signIn(codeAt(secret, T0 + STEP_MS))).toBe('ok');
    expect(await signIn(codeAt(secret, T0 + STEP_MS))).toBe('INVALID_CODE');
    clock.now += STEP_MS;
    expect(await signIn(codeAt(secret, T0 + STEP_MS))).toBe('INVALID_CODE');
    expect(await signIn(codeAt(secret, T0 + 2 * STEP_MS))).toBe('ok');
  });

  it('refuses a code from two steps back and two steps ahead, and accepts one step either way', async () => {
    const clock = { now: T0 - 10 * STEP_MS };
    const services = servicesAt(clock);
    const { user, secret } = await userWithTwoFactor(services, clock);
    clock.now = T0;
    const signIn = (ms: number) => codeOf(services.twoFactor.checkSignIn(user, codeAt(secret, ms), caller));
    expect(await signIn(T0 - 2 * STEP_MS)).toBe('INVALID_CODE');
    expect(await signIn(T0 + 2 * STEP_MS)).toBe('INVALID_CODE');
    expect(await signIn(T0 - STEP_MS)).toBe('ok');
    expect(await signIn(T0)).toBe('ok');
    expect(await signIn(T0 + STEP_MS)).toBe('ok');
    const events = await services.securityEvents.list(user.id, 10);
    expect(events.filter((e) => e.kind === 'SECOND_FACTOR_FAILED')).toHaveLength(2);
  });

  it('with SECOND_FACTOR_REQUIRED for no code, and nothing asked of an account without two-factor', async () => {
    const clock = { now: T0 };
    const services = servicesAt(clock);
    const { user } = await userWithTwoFactor(services, clock);
    expect(await codeOf(services.twoFactor.checkSignIn(user, null, caller))).toBe('SECOND_FACTOR_REQUIRED');
    expect(await codeOf(services.twoFactor.checkSignIn(user, '  ', caller))).toBe('SECOND_FACTOR_REQUIRED');
    const { user: plain } = await services.accounts.signUp({ username: 'Plain', email: uniqueEmail('plain'), password: GOOD_PASSWORD }, caller);
    expect(await codeOf(services.twoFactor.checkSignIn(plain, null, caller))).toBe('ok');
  });
});

describe('rotating ENCRYPTION_KEY', () => {
  it('keeps working with the old key as ENCRYPTION_KEY_PREVIOUS, re-encrypting each secret under the new key when it is used', async () => {
    const clock = { now: T0 };
    const { user, secret } = await userWithTwoFactor(servicesAt(clock), clock);
    const sealed = async () => (await db.prisma.twoFactorCredential.findUniqueOrThrow({ where: { userId: user.id } })).secretEncrypted;
    const keyA = { key: Buffer.from(KEY_A, 'hex'), previousKey: undefined };
    const keyB = { key: Buffer.from(KEY_B, 'hex'), previousKey: undefined };
    expect(createSecretBox(keyA).open(await sealed(), user.id)?.plain).toBe(secret);

    // Rotated: the new key, the old one as previous. The first use re-encrypts.
    const rotated = servicesAt(clock, { ENCRYPTION_KEY: KEY_B, ENCRYPTION_KEY_PREVIOUS: KEY_A });
    expect(await codeOf(rotated.twoFactor.checkSignIn(user, codeAt(secret, T0 + STEP_MS), caller))).toBe('ok');
    expect(createSecretBox(keyB).open(await sealed(), user.id)?.plain).toBe(secret);
    expect(createSecretBox(keyA).open(await sealed(), user.id)).toBeNull();

    // The previous key can go: the new key alone opens it, recovery codes included.
    clock.now += 2 * STEP_MS;
    const after = servicesAt(clock, { ENCRYPTION_KEY: KEY_B });
    expect(await codeOf(after.twoFactor.checkSignIn(user, codeAt(secret, clock.now), caller))).toBe('ok');
    const [recovery] = await after.twoFactor.regenerateRecoveryCodes({ user, session: { id: 'unused', createdAt: new Date() } }, { password: GOOD_PASSWORD, code: codeAt(secret, clock.now + STEP_MS) }, caller);
    expect(await codeOf(after.twoFactor.checkSignIn(user, recovery!, caller))).toBe('ok');

    // A server given neither key cannot read it: a server error (logged), never a wrong answer.
    clock.now += 2 * STEP_MS;
    const lost = servicesAt(clock, { ENCRYPTION_KEY: 'c'.repeat(64) });
    await expect(lost.twoFactor.checkSignIn(user, codeAt(secret, clock.now), caller)).rejects.toThrow(/ENCRYPTION_KEY/);
  });

  it('npm run reencrypt-secrets re-encrypts the secrets nobody used during the rotation, so the previous key can go', async () => {
    const clock = { now: T0 };
    const idle = [await userWithTwoFactor(servicesAt(clock), clock), await userWithTwoFactor(servicesAt(clock), clock)];
    const rotation = createSecretBox({ key: Buffer.from(KEY_B, 'hex'), previousKey: Buffer.from(KEY_A, 'hex') });
    const report = await reencryptSecrets(db.prisma, rotation);
    expect(report.reencrypted).toBeGreaterThanOrEqual(2);
    expect(report.unreadable).toEqual([]);
    expect(await reencryptSecrets(db.prisma, rotation)).toMatchObject({ reencrypted: 0, unreadable: [] });

    clock.now += STEP_MS;
    const after = servicesAt(clock, { ENCRYPTION_KEY: KEY_B });
    for (const { user, secret } of idle) expect(await codeOf(after.twoFactor.checkSignIn(user, codeAt(secret, clock.now), caller))).toBe('ok');
  });
});
