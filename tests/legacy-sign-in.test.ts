// Signing in to an imported account over HTTP: the old system's hash lets its password in once,
// and is then replaced by argon2id of the NFC password; a hash beyond the import's bounds is
// refused without its cost being spent; a password reset racing that rewrite wins.
import { createCipheriv, pbkdf2Sync, randomBytes, scryptSync } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import argon2 from 'argon2';
import bcrypt from 'bcrypt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESET_PASSWORD, SEND_MAIL, SIGN_IN, uniqueEmail } from './support/operations.ts';
import { scrape, valueOf } from './support/prometheus.ts';
import { MAIL, resetCodeIn } from './support/smtp-sink.ts';
import { startAppWithMailbox, startSecondInstance, type TestApp, type TestAppWithMailbox } from './support/test-app.ts';

const OLD_PASSWORD = 'tangerine-comet-ledger-19';
const NEW_PASSWORD = 'amber-lantern-walrus-77';
const b64 = (bytes: Buffer) => bytes.toString('base64');

/** Firebase's modified scrypt (firebase/scrypt README), in Kratos' $firescrypt$ spelling. */
function firescrypt(password: string, memCost: number, rounds: number): string {
  const salt = randomBytes(16);
  const separator = Buffer.from('Bw==', 'base64');
  const signerKey = randomBytes(64);
  const key = scryptSync(Buffer.from(password), Buffer.concat([salt, separator]), 32, { N: 2 ** memCost, r: rounds, p: 1, maxmem: 2 ** 28 });
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const hash = Buffer.concat([cipher.update(signerKey), cipher.final()]);
  return `$firescrypt$ln=${memCost},r=${rounds},p=1$${b64(salt)}$${b64(hash)}$${b64(separator)}$${b64(signerKey)}`;
}

/** Django's pbkdf2_sha256 encoding. */
const django = (password: string, salt: string, iterations: number) =>
  `pbkdf2_sha256$${iterations}$${salt}$${b64(pbkdf2Sync(Buffer.from(password), Buffer.from(salt), iterations, 32, 'sha256'))}`;

/** What a sign-in answers: its message, or its error code. */
async function signInCode(t: TestApp, email: string, password: string): Promise<string | undefined> {
  const res = await t.client().graphql(SIGN_IN, { input: { email, password } });
  return res.data?.signIn?.message ?? res.errors?.[0]?.extensions?.code;
}

describe('sign-in with an imported password hash', () => {
  let t: TestAppWithMailbox;
  beforeAll(async () => {
    t = await startAppWithMailbox({ METRICS_PORT: '0' });
  });
  afterAll(() => t.close());

  /** An account as the import leaves it: the old system's hash, written as it came. */
  async function importedUser(passwordHash: string): Promise<{ id: string; email: string }> {
    const email = uniqueEmail('imported');
    const user = await t.app.services.prisma.user.create({ data: { username: 'Imported', email, passwordHash } });
    return { id: user.id, email };
  }
  const storedHash = async (id: string) => (await t.app.services.prisma.user.findUniqueOrThrow({ where: { id } })).passwordHash;
  const rehashes = async (from: string) => valueOf((await scrape(t.app.metricsUrl()!)).samples, 'auth_password_rehashes_total', { from });
  /** Today's argon2id, with the configured parameters. */
  const todays = () => {
    const { memoryCost, timeCost, parallelism } = t.config.argon2;
    return new RegExp(`^\\$argon2id\\$v=19\\$m=${memoryCost},p=${parallelism},t=${timeCost}\\$`);
  };

  const cases: { name: string; from: string; password: string; hash: () => Promise<string> }[] = [
    { name: 'bcrypt $2a$ (Supabase, Go)', from: 'bcrypt', password: OLD_PASSWORD, hash: async () => bcrypt.hash(OLD_PASSWORD, await bcrypt.genSalt(4, 'a')) },
    { name: 'bcrypt $2b$ (Auth0)', from: 'bcrypt', password: OLD_PASSWORD, hash: () => bcrypt.hash(OLD_PASSWORD, 5) },
    { name: 'bcrypt $2y$ (PHP)', from: 'bcrypt', password: OLD_PASSWORD, hash: async () => `$2y$${(await bcrypt.hash(OLD_PASSWORD, 4)).slice(4)}` },
    {
      name: 'argon2i',
      from: 'argon2',
      password: OLD_PASSWORD,
      hash: () => argon2.hash(OLD_PASSWORD, { type: argon2.argon2i, memoryCost: 4096, timeCost: 3, parallelism: 1 }),
    },
    {
      name: 'argon2id with other parameters, written t,m,p (Kratos, PHP)',
      from: 'argon2',
      password: OLD_PASSWORD,
      hash: async () =>
        (await argon2.hash(OLD_PASSWORD, { type: argon2.argon2id, memoryCost: 8192, timeCost: 1, parallelism: 2 })).replace('m=8192,p=2,t=1', 't=1,m=8192,p=2'),
    },
    { name: 'Firebase scrypt, $firescrypt$ (Kratos)', from: 'firebase_scrypt', password: OLD_PASSWORD, hash: async () => firescrypt(OLD_PASSWORD, 12, 8) },
    {
      // Supabase's own test vector (supabase/auth internal/crypto/password_test.go).
      name: 'Firebase scrypt, $fbscrypt$ (Supabase)',
      from: 'firebase_scrypt',
      password: 'mytestpassword',
      hash: async () =>
        '$fbscrypt$v=1,n=14,r=8,p=1,ss=Bw==,sk=ou9tdYTGyYm8kuR6Dt0Bp0kDuAYoXrK16mbZO4yGwAn3oLspjnN0/c41v8xZnO1n14J3MjKj1b2g6AUCAlFwMw==' +
        '$C0sHCg9ek77hsg==$zKVTMvnWVw5BBOZNUdnsalx4c4c7y/w7IS5p6Ut2+CfEFFlz37J9huyQfov4iizN8dbjvEJlM5tQaJP84+hfTw==',
    },
    { name: 'Django pbkdf2_sha256', from: 'django_pbkdf2', password: OLD_PASSWORD, hash: async () => django(OLD_PASSWORD, 'Gq3xEl7tQ2RbSkvU0nJ5aP', 10_000) },
  ];

  it.each(cases)('$name: the old password signs in once, and the hash becomes argon2id', async ({ from, password, hash }) => {
    const legacy = await hash();
    const { id, email } = await importedUser(legacy);
    const before = await rehashes(from);

    // A wrong password is refused as for anyone, and changes nothing.
    expect(await signInCode(t, email, `${password}x`)).toBe('INVALID_CREDENTIALS');
    expect(await storedHash(id)).toBe(legacy);

    expect(await signInCode(t, email, password)).toBe('login successful!');
    const rewritten = await storedHash(id);
    expect(rewritten).toMatch(todays());
    expect(await argon2.verify(rewritten!, password)).toBe(true);
    expect(await rehashes(from)).toBe(before! + 1);

    // From now on it is an account like any other: same password, no further rewrite.
    expect(await signInCode(t, email, password)).toBe('login successful!');
    expect(await signInCode(t, email, `${password}x`)).toBe('INVALID_CREDENTIALS');
    expect(await storedHash(id)).toBe(rewritten);
    expect(await rehashes(from)).toBe(before! + 1);
  });

  it('counts every format in a closed label set, from zero', async () => {
    const samples = (await scrape(t.app.metricsUrl()!)).samples.filter((s) => s.name === 'auth_password_rehashes_total');
    expect(samples.map((s) => s.labels.from).sort()).toEqual(['argon2', 'bcrypt', 'django_pbkdf2', 'firebase_scrypt']);
  });

  it('tries the password as sent, then its NFC form, and stores argon2id of the NFC form', async () => {
    const nfc = 'Crème brûlée à la française 1';
    const nfd = nfc.normalize('NFD');
    expect(nfd).not.toBe(nfc);

    // The old system hashed what a keyboard producing NFD typed, and the user types it again.
    const typedNfd = await importedUser(await bcrypt.hash(nfd, 4));
    expect(await signInCode(t, typedNfd.email, nfd)).toBe('login successful!');
    const stored = await storedHash(typedNfd.id);
    expect(await argon2.verify(stored!, nfc)).toBe(true);
    // Afterwards either form works, as for every account of this product.
    expect(await signInCode(t, typedNfd.email, nfc)).toBe('login successful!');
    expect(await signInCode(t, typedNfd.email, nfd)).toBe('login successful!');

    // The old system hashed NFC; this user's keyboard sends NFD.
    const hashedNfc = await importedUser(django(nfc, 'saltysalt', 1000));
    expect(await signInCode(t, hashedNfc.email, nfd)).toBe('login successful!');
    expect(await argon2.verify((await storedHash(hashedNfc.id))!, nfc)).toBe(true);
  });

  it('refuses a stored hash beyond the bounds, or of a format it cannot verify, without spending its cost', async () => {
    const bcryptBody = (await bcrypt.hash(OLD_PASSWORD, 4)).slice(7);
    const argon = await argon2.hash(OLD_PASSWORD, { type: argon2.argon2id, memoryCost: 4096, timeCost: 1, parallelism: 1 });
    const unverifiable = [
      `$2b$31$${bcryptBody}`, // 2^31 rounds: days
      argon.replace('m=4096', 'm=8388608'), // 8 GiB: beyond even what ARGON2_MEMORY_KIB may ask
      firescrypt(OLD_PASSWORD, 12, 8).replace('ln=12', 'ln=30'), // 2^30 · 1 KiB: a terabyte
      `pbkdf2_sha256$9999999999$salt$${b64(randomBytes(32))}`,
      '$6$rounds=5000$usesomesillystri$D4IrlXatmP7rx3P3InaxBeoomnAihCKRVQP22JZ6EY47Wc6BkroIuUUBOov1i.S5KPgErtP/EN5mcO.ChWQW21',
    ];
    const counted = async () => Promise.all(['argon2', 'bcrypt', 'firebase_scrypt', 'django_pbkdf2'].map(rehashes));
    const before = await counted();
    for (const hash of unverifiable) {
      const { id, email } = await importedUser(hash);
      const started = performance.now();
      expect(await signInCode(t, email, OLD_PASSWORD)).toBe('INVALID_CREDENTIALS');
      expect(performance.now() - started).toBeLessThan(3000);
      expect(await storedHash(id)).toBe(hash);
    }
    expect(await counted()).toEqual(before);
  });

  describe('a password reset racing the rewrite', () => {
    let other: TestApp;
    let slowHash: string;
    beforeAll(async () => {
      // The reset is served by a second instance, as behind a load balancer: its argon2 does not wait
      // for this instance's hashing slot, so it lands while the sign-in is still verifying.
      other = await startSecondInstance(t, { SMTP_URL: t.sink.url });
      // About half a second to verify: the sign-in reads the hash, then the reset has that long.
      slowHash = await bcrypt.hash(OLD_PASSWORD, 12);
    });
    afterAll(() => other.close());

    it('ends with the new password working and the old one refused, however they interleave', async () => {
      let resetWonTheRace = 0;
      for (let round = 0; round < 3; round++) {
        const { id, email } = await importedUser(slowHash);
        await t.client().graphql(SEND_MAIL, { input: { email } });
        const code = resetCodeIn(await t.sink.waitForMail(email, 1, MAIL.resetCode));
        const before = await rehashes('bcrypt');

        const signingIn = signInCode(t, email, OLD_PASSWORD);
        // Long enough for the sign-in to have read the hash, far shorter than its verification.
        await sleep(50);
        const reset = await other.client().graphql(RESET_PASSWORD, { input: { email, code, newPassword: NEW_PASSWORD } });
        expect(reset.data?.resetPassword.message).toBe('password reset successful!');
        const signedIn = await signingIn;

        // Whatever the order, the reset's password is the one that stays.
        expect(await storedHash(id)).toMatch(todays());
        expect(await signInCode(t, email, NEW_PASSWORD)).toBe('login successful!');
        expect(await signInCode(t, email, OLD_PASSWORD)).toBe('INVALID_CREDENTIALS');
        // The old password was verified against the old hash after the reset had replaced it, and
        // its rewrite found another hash there and wrote nothing.
        if (signedIn === 'login successful!' && (await rehashes('bcrypt')) === before) resetWonTheRace++;
      }
      // The race this guards against did happen (the timing above makes it the usual order).
      expect(resetWonTheRace).toBeGreaterThan(0);
    });
  });
});
