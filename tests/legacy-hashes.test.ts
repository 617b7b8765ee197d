// Imported password hashes: what the import accepts, refuses and why, and that each format verifies
// as its source system computed it. Vectors are made here with the reference libraries (bcrypt 6,
// argon2, node:crypto the way Django and Firebase document it) and taken from published tests.
import { createCipheriv, pbkdf2Sync, randomBytes, scryptSync } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import argon2 from 'argon2';
import bcrypt from 'bcrypt';
import { describe, expect, it } from 'vitest';
import { checkImportedHash, type HashFormat, hashFormat, verifyLegacyHash } from '../src/services/passwords/legacy-hashes.ts';
import { createPasswordHasher } from '../src/services/passwords/passwords.ts';

const PASSWORD = 'correct horse battery staple';
const b64 = (bytes: Buffer) => bytes.toString('base64');
const unpadded = (bytes: Buffer) => b64(bytes).replace(/=+$/, '');

/** Firebase's modified scrypt, as firebase/scrypt's README describes it. */
function firebaseScrypt(password: string, salt: Buffer, separator: Buffer, signerKey: Buffer, memCost: number, rounds: number, p = 1): Buffer {
  const N = 2 ** memCost;
  const key = scryptSync(Buffer.from(password), Buffer.concat([salt, separator]), 32, { N, r: rounds, p, maxmem: 256 * N * rounds * p + 2 ** 20 });
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  return Buffer.concat([cipher.update(signerKey), cipher.final()]);
}

/** Kratos' spelling of a Firebase scrypt hash. */
const firescrypt = (o: { memCost: number; rounds: number; p?: number; salt: Buffer; hash: Buffer; separator: Buffer; signerKey: Buffer }) =>
  `$firescrypt$ln=${o.memCost},r=${o.rounds},p=${o.p ?? 1}$${b64(o.salt)}$${b64(o.hash)}$${b64(o.separator)}$${b64(o.signerKey)}`;

/** Django's PBKDF2PasswordHasher.encode: base64 of pbkdf2_hmac('sha256', password, salt, iterations), both as UTF-8. */
const django = (password: string, salt: string, iterations: number) =>
  `pbkdf2_sha256$${iterations}$${salt}$${b64(pbkdf2Sync(Buffer.from(password), Buffer.from(salt), iterations, 32, 'sha256'))}`;

/** A hash with its parameter segment (the 4th `$`-part) replaced. */
const withParams = (hash: string, params: string) => hash.split('$').map((part, i) => (i === 3 ? params : part)).join('$');

function expectAccepted(hash: string, format: HashFormat) {
  expect(checkImportedHash(hash)).toEqual({ ok: true, format });
  expect(hashFormat(hash)).toBe(format);
}

function expectRejected(hash: string, code: string) {
  const check = checkImportedHash(hash);
  expect(check, hash).toMatchObject({ ok: false, code });
  // The message says what is wrong, never what the hash is: neither it nor any of its salts or digests.
  const message = check.ok ? '' : check.message;
  expect(message.length).toBeGreaterThan(10);
  if (hash.length >= 16) expect(message).not.toContain(hash);
  for (const part of hash.split(/[$,=]/)) if (part.length >= 16) expect(message, hash).not.toContain(part);
  expect(hashFormat(hash)).toBeNull();
}

describe('bcrypt', () => {
  it('verifies $2a$ and $2b$ hashes made by bcrypt 6, and PHP\'s $2y$ as $2b$', async () => {
    const b = await bcrypt.hash(PASSWORD, 4);
    const a = await bcrypt.hash(PASSWORD, await bcrypt.genSalt(5, 'a'));
    expect(b.slice(0, 7)).toBe('$2b$04$');
    expect(a.slice(0, 7)).toBe('$2a$05$');
    const y = `$2y$${b.slice(4)}`;
    for (const hash of [a, b, y]) {
      expectAccepted(hash, 'bcrypt');
      expect(await verifyLegacyHash(hash, PASSWORD)).toBe(true);
      expect(await verifyLegacyHash(hash, `${PASSWORD}!`)).toBe(false);
      expect(await verifyLegacyHash(hash, PASSWORD.toUpperCase())).toBe(false);
    }
  });

  it("verifies jBCrypt's published vectors", async () => {
    // From jBCrypt's TestBCrypt.java, the vectors most bcrypt ports test against.
    expect(await verifyLegacyHash('$2a$06$m0CrhHm10qJ3lXRY.5zDGO3rS2KdeeWLuGmsfGlMfOxih58VYVfxe', 'a')).toBe(true);
    expect(await verifyLegacyHash('$2a$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i', 'abc')).toBe(true);
    expect(await verifyLegacyHash('$2a$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i', 'abd')).toBe(false);
  });

  it('uses the first 72 bytes of the UTF-8 password, as the source system did', async () => {
    const long = 'x'.repeat(60) + 'y'.repeat(30); // 90 bytes
    const hash = await bcrypt.hash(long, 4);
    expect(await verifyLegacyHash(hash, long)).toBe(true);
    expect(await verifyLegacyHash(hash, long.slice(0, 72))).toBe(true);
    expect(await verifyLegacyHash(hash, long.slice(0, 72) + 'something else')).toBe(true);
    expect(await verifyLegacyHash(hash, long.slice(0, 71))).toBe(false);

    // Bytes, not characters: 40 two-byte characters are 80 bytes, of which 36 characters count.
    const accented = 'é'.repeat(40);
    const accentedHash = await bcrypt.hash(accented, 4);
    expect(await verifyLegacyHash(accentedHash, accented)).toBe(true);
    expect(await verifyLegacyHash(accentedHash, 'é'.repeat(36))).toBe(true);
    expect(await verifyLegacyHash(accentedHash, 'é'.repeat(35))).toBe(false);
  });

  it('verifies a $2a$ hash of a password over 255 bytes as Go and PHP computed it, without the old OpenBSD length wraparound', async () => {
    const long = 'pass phrase '.repeat(25); // 300 bytes
    // Go, PHP and Java hash the first 72 bytes whatever the minor version.
    const salt = await bcrypt.genSalt(4, 'a');
    const asGoComputedIt = await bcrypt.hash(Buffer.from(long).subarray(0, 72), salt);
    // The library's own $2a$ mode takes the length modulo 256 (here 45 bytes): a different hash.
    expect(await bcrypt.hash(long, salt)).not.toBe(asGoComputedIt);
    expect(await verifyLegacyHash(asGoComputedIt, long)).toBe(true);
  });

  it('refuses costs outside 4 to 15 and hashes of the wrong shape', async () => {
    const b = await bcrypt.hash(PASSWORD, 4);
    const body = b.slice(7);
    expectAccepted(`$2b$15$${body}`, 'bcrypt');
    expectRejected(`$2b$03$${body}`, 'HASH_PARAMETERS_OUT_OF_BOUNDS');
    expectRejected(`$2b$16$${body}`, 'HASH_PARAMETERS_OUT_OF_BOUNDS');
    expectRejected(`$2y$31$${body}`, 'HASH_PARAMETERS_OUT_OF_BOUNDS');
    expect(await verifyLegacyHash(`$2b$31$${body}`, PASSWORD)).toBe(false);

    expectRejected(`$2b$4$${body}`, 'MALFORMED_HASH'); // one-digit cost
    expectRejected(b.slice(0, 59), 'MALFORMED_HASH'); // 59 characters
    expectRejected(`${b}x`, 'MALFORMED_HASH'); // 61
    expectRejected(`${b.slice(0, 20)}+${b.slice(21)}`, 'MALFORMED_HASH'); // not bcrypt's alphabet
    expectRejected(`$2b$04$${body.slice(0, 21)}/${body.slice(22)}`, 'MALFORMED_HASH'); // a salt no bcrypt writes
    expectRejected(`${b.slice(0, 59)}/`, 'MALFORMED_HASH'); // a hash no bcrypt writes
    expectRejected('$2b$', 'MALFORMED_HASH');
  });
});

describe('argon2', () => {
  it('verifies $argon2id$ and $argon2i$ hashes with m, t and p in any order', async () => {
    for (const type of [argon2.argon2id, argon2.argon2i] as const) {
      const made = await argon2.hash(PASSWORD, { type, memoryCost: 2048, timeCost: 2, parallelism: 2 });
      expect(made.split('$')[3]).toBe('m=2048,p=2,t=2'); // node-argon2's order
      for (const params of ['m=2048,p=2,t=2', 't=2,m=2048,p=2', 'm=2048,t=2,p=2', 'p=2,t=2,m=2048']) {
        const hash = withParams(made, params);
        expectAccepted(hash, 'argon2');
        expect(await verifyLegacyHash(hash, PASSWORD)).toBe(true);
        expect(await verifyLegacyHash(hash, `${PASSWORD} `)).toBe(false);
      }
    }
  });

  it('refuses m over 1048576 KiB, t over 10, p over 16, and parameters argon2 cannot run', async () => {
    const made = await argon2.hash(PASSWORD, { type: argon2.argon2id, memoryCost: 1024, timeCost: 1, parallelism: 1 });
    expectAccepted(withParams(made, 'm=1048576,t=10,p=16'), 'argon2');
    expectRejected(withParams(made, 'm=1048577,t=1,p=1'), 'HASH_PARAMETERS_OUT_OF_BOUNDS');
    expectRejected(withParams(made, 'm=4194304,t=1,p=1'), 'HASH_PARAMETERS_OUT_OF_BOUNDS');
    expectRejected(withParams(made, 'm=1024,t=11,p=1'), 'HASH_PARAMETERS_OUT_OF_BOUNDS');
    expectRejected(withParams(made, 'm=1024,t=1,p=17'), 'HASH_PARAMETERS_OUT_OF_BOUNDS');
    expectRejected(withParams(made, 'm=1024,t=0,p=1'), 'HASH_PARAMETERS_OUT_OF_BOUNDS');
    expectRejected(withParams(made, 'm=1024,t=1,p=0'), 'HASH_PARAMETERS_OUT_OF_BOUNDS');
    expectRejected(withParams(made, 'm=8,t=1,p=2'), 'HASH_PARAMETERS_OUT_OF_BOUNDS'); // under 8 KiB a lane
    // Beyond the bounds verification is refused too, before any memory is taken.
    expect(await verifyLegacyHash(withParams(made, 'm=4194304,t=1,p=1'), PASSWORD)).toBe(false);
  });

  it('refuses other versions, parameters, and base64 as malformed', async () => {
    const made = await argon2.hash(PASSWORD, { type: argon2.argon2id, memoryCost: 1024, timeCost: 1, parallelism: 1 });
    const [, , , params, salt, digest] = made.split('$');
    expectRejected(`$argon2id$v=16$${params}$${salt}$${digest}`, 'MALFORMED_HASH');
    expectRejected(`$argon2id$${params}$${salt}$${digest}`, 'MALFORMED_HASH'); // no version
    expectRejected(withParams(made, 'm=1024,t=1'), 'MALFORMED_HASH');
    expectRejected(withParams(made, 'm=1024,t=1,p=1,m=1024'), 'MALFORMED_HASH');
    expectRejected(withParams(made, 'm=1024,t=1,p=1,data=YWJj'), 'MALFORMED_HASH');
    expectRejected(withParams(made, 'm=01024,t=1,p=1'), 'MALFORMED_HASH');
    expectRejected(withParams(made, 'm=1k,t=1,p=1'), 'MALFORMED_HASH');
    expectRejected(`$argon2id$v=19$${params}$${salt}=$${digest}`, 'MALFORMED_HASH'); // padded
    expectRejected(`$argon2id$v=19$${params}$${salt}$${digest!.slice(0, -1)}*`, 'MALFORMED_HASH');
    expectRejected(`$argon2id$v=19$${params}$${unpadded(randomBytes(4))}$${digest}`, 'MALFORMED_HASH'); // 4-byte salt
    expectRejected(`$argon2id$v=19$${params}$${salt}`, 'MALFORMED_HASH');
  });
});

describe('Firebase scrypt', () => {
  // firebase/scrypt README, "Password Hashing": the sample project parameters and exported account.
  const SAMPLE = {
    signerKey: Buffer.from('jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==', 'base64'),
    separator: Buffer.from('Bw==', 'base64'),
    rounds: 8,
    memCost: 14,
    salt: Buffer.from('42xEC+ixf3L2lw==', 'base64'),
    password: 'user1password',
    hash: Buffer.from('lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==', 'base64'),
  };

  it("verifies Firebase's published sample in Kratos' $firescrypt$ spelling and Supabase's $fbscrypt$", async () => {
    const kratos = firescrypt(SAMPLE);
    const supabase = `$fbscrypt$v=1,n=14,r=8,p=1,ss=Bw==,sk=${b64(SAMPLE.signerKey)}$${b64(SAMPLE.salt)}$${b64(SAMPLE.hash)}`;
    for (const hash of [kratos, supabase]) {
      expectAccepted(hash, 'firebase_scrypt');
      expect(await verifyLegacyHash(hash, SAMPLE.password)).toBe(true);
      expect(await verifyLegacyHash(hash, 'user1Password')).toBe(false);
    }
  });

  it("verifies Supabase's own $fbscrypt$ test vector", async () => {
    // supabase/auth, internal/crypto/password_test.go, TestScrypt ("Firebase Scrypt: appropriate hash").
    const hash =
      '$fbscrypt$v=1,n=14,r=8,p=1,ss=Bw==,sk=ou9tdYTGyYm8kuR6Dt0Bp0kDuAYoXrK16mbZO4yGwAn3oLspjnN0/c41v8xZnO1n14J3MjKj1b2g6AUCAlFwMw==' +
      '$C0sHCg9ek77hsg==$zKVTMvnWVw5BBOZNUdnsalx4c4c7y/w7IS5p6Ut2+CfEFFlz37J9huyQfov4iizN8dbjvEJlM5tQaJP84+hfTw==';
    expect(await verifyLegacyHash(hash, 'mytestpassword')).toBe(true);
    expect(await verifyLegacyHash(hash, 'mytestpassworD')).toBe(false);
  });

  it('verifies hashes computed the documented way, with other parameters and parallelism', async () => {
    const signerKey = randomBytes(64);
    const separator = randomBytes(1);
    const salt = randomBytes(16);
    for (const [memCost, rounds, p] of [[10, 8, 1], [12, 4, 2], [1, 1, 10]] as const) {
      const hash = firescrypt({ memCost, rounds, p, salt, separator, signerKey, hash: firebaseScrypt(PASSWORD, salt, separator, signerKey, memCost, rounds, p) });
      expectAccepted(hash, 'firebase_scrypt');
      expect(await verifyLegacyHash(hash, PASSWORD)).toBe(true);
      expect(await verifyLegacyHash(hash, 'correct horse battery stapler')).toBe(false);
    }
  });

  it('verifies a mem_cost 17 hash (128 MiB, over node:crypto\'s default memory cap)', async () => {
    const salt = randomBytes(16);
    const hash = firescrypt({ ...SAMPLE, memCost: 17, salt, hash: firebaseScrypt(PASSWORD, salt, SAMPLE.separator, SAMPLE.signerKey, 17, 8) });
    expect(await verifyLegacyHash(hash, PASSWORD)).toBe(true);
  });

  it('refuses mem_cost over 17, rounds outside 1 to 8, p outside 1 to 10', async () => {
    const at = (memCost: number, rounds: number, p: number) => firescrypt({ ...SAMPLE, memCost, rounds, p });
    expectAccepted(at(17, 8, 10), 'firebase_scrypt');
    for (const [memCost, rounds, p] of [[18, 8, 1], [0, 8, 1], [14, 9, 1], [14, 0, 1], [14, 8, 11], [14, 8, 0], [30, 8, 1]] as const) {
      expectRejected(at(memCost, rounds, p), 'HASH_PARAMETERS_OUT_OF_BOUNDS');
    }
    expectRejected(`$fbscrypt$v=1,n=20,r=8,p=1,ss=Bw==,sk=${b64(SAMPLE.signerKey)}$${b64(SAMPLE.salt)}$${b64(SAMPLE.hash)}`, 'HASH_PARAMETERS_OUT_OF_BOUNDS');
    // Refused before a gigabyte is asked of scrypt.
    expect(await verifyLegacyHash(at(23, 8, 1), SAMPLE.password)).toBe(false);
  });

  it('refuses other shapes and base64 as malformed', () => {
    const good = firescrypt(SAMPLE);
    const parts = good.split('$');
    const swap = (i: number, value: string) => parts.map((part, j) => (j === i ? value : part)).join('$');
    expectRejected(parts.slice(0, 6).join('$'), 'MALFORMED_HASH'); // no signer key
    expectRejected(`${good}$extra`, 'MALFORMED_HASH');
    expectRejected(swap(2, 'ln=14,r=8'), 'MALFORMED_HASH');
    expectRejected(swap(2, 'n=14,r=8,p=1'), 'MALFORMED_HASH');
    expectRejected(swap(3, '42xEC+ixf3L2lw'), 'MALFORMED_HASH'); // unpadded
    expectRejected(swap(3, '42xEC-ixf3L2lw=='), 'MALFORMED_HASH'); // base64url
    expectRejected(swap(4, b64(SAMPLE.hash.subarray(0, 32))), 'MALFORMED_HASH'); // shorter than the signer key
    expectRejected(swap(6, ''), 'MALFORMED_HASH');
    const sk = b64(SAMPLE.signerKey);
    const tail = `$${b64(SAMPLE.salt)}$${b64(SAMPLE.hash)}`;
    expectRejected(`$fbscrypt$v=2,n=14,r=8,p=1,ss=Bw==,sk=${sk}${tail}`, 'MALFORMED_HASH');
    expectRejected(`$fbscrypt$v=1,n=14,r=8,p=1,ss=Bw==${tail}`, 'MALFORMED_HASH');
    expectRejected(`$fbscrypt$v=1,n=14,r=8,p=1,ss=Bw==,sk=${sk}$${b64(SAMPLE.salt)}`, 'MALFORMED_HASH');
    expectRejected(`$fbscrypt$v=1,n=14,r=8,p=1,ss=Bw,sk=${sk}${tail}`, 'MALFORMED_HASH');
  });
});

describe('Django PBKDF2', () => {
  it("verifies Django's published vector", async () => {
    // django/django tests/auth_tests/test_hashers.py, TestUtilsHashPass.test_pbkdf2 (Django 4.1):
    // make_password("lètmein", "seasalt", "pbkdf2_sha256").
    const hash = 'pbkdf2_sha256$390000$seasalt$8xBlGd3jVgvJ+92hWPxi5ww0uuAuAnKgC45eudxro7c=';
    expectAccepted(hash, 'django_pbkdf2');
    expect(await verifyLegacyHash(hash, 'lètmein')).toBe(true);
    expect(await verifyLegacyHash(hash, 'lètmeinz')).toBe(false);
  });

  it('verifies hashes computed as Django does, with text salts', async () => {
    for (const [salt, iterations] of [['iodizedsalt', 1000], ['Gq3xEl7tQ2RbSkvU0nJ5aP', 20_000]] as const) {
      const hash = django(PASSWORD, salt, iterations);
      expectAccepted(hash, 'django_pbkdf2');
      expect(await verifyLegacyHash(hash, PASSWORD)).toBe(true);
      expect(await verifyLegacyHash(hash, 'correct horse battery')).toBe(false);
    }
  });

  it('refuses iterations outside 1000 to 10000000 and other shapes', async () => {
    const digest = b64(randomBytes(32));
    expectAccepted(`pbkdf2_sha256$10000000$salt$${digest}`, 'django_pbkdf2');
    expectRejected(`pbkdf2_sha256$999$salt$${digest}`, 'HASH_PARAMETERS_OUT_OF_BOUNDS');
    expectRejected(`pbkdf2_sha256$10000001$salt$${digest}`, 'HASH_PARAMETERS_OUT_OF_BOUNDS');
    expectRejected(`pbkdf2_sha256$999999999999$salt$${digest}`, 'HASH_PARAMETERS_OUT_OF_BOUNDS');
    expect(await verifyLegacyHash(`pbkdf2_sha256$999999999999$salt$${digest}`, PASSWORD)).toBe(false);

    expectRejected(`pbkdf2_sha256$1000$salt$${b64(randomBytes(20))}`, 'MALFORMED_HASH'); // not 32 bytes
    expectRejected(`pbkdf2_sha256$1000$salt$${digest.replace(/=$/, '')}`, 'MALFORMED_HASH');
    expectRejected(`pbkdf2_sha256$1000$$${digest}`, 'MALFORMED_HASH');
    expectRejected(`pbkdf2_sha256$1e4$salt$${digest}`, 'MALFORMED_HASH');
    expectRejected(`pbkdf2_sha256$1000$salt`, 'MALFORMED_HASH');
    expectRejected(`pbkdf2_sha256$1000$sa lt$${digest}`, 'MALFORMED_HASH');
  });
});

describe('formats refused on purpose', () => {
  it('answers UNKNOWN_HASH_FORMAT, not MALFORMED_HASH, for formats this product does not take', async () => {
    const bcryptBody = (await bcrypt.hash(PASSWORD, 4)).slice(7);
    const argonTail = (await argon2.hash(PASSWORD, { type: argon2.argon2id, memoryCost: 1024, timeCost: 1, parallelism: 1 })).slice('$argon2id'.length);
    const refused = [
      `$2x$10$${bcryptBody}`, // crypt_blowfish's buggy mode
      `$2$10$${bcryptBody}`,
      '$1$saltsalt$qjXMvbEw8oaL.CzflDugX/', // md5crypt
      '$5$rounds=5000$toolongsaltstrin$Un/5jzAHMgOGZ5.mWJpuVolil07guHPvOW8mGRcvxa5', // sha256crypt
      '$6$rounds=5000$usesomesillystri$D4IrlXatmP7rx3P3InaxBeoomnAihCKRVQP22JZ6EY47Wc6BkroIuUUBOov1i.S5KPgErtP/EN5mcO.ChWQW21', // sha512crypt
      '5f4dcc3b5aa765d61d8327deb882cf99', // unsalted MD5
      '5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8', // unsalted SHA-1
      '5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8', // unsalted SHA-256
      '{SSHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=',
      `bcrypt_sha256$$2b$12$${bcryptBody}`,
      `$argon2d${argonTail}`,
      `argon2$argon2id${argonTail}`, // Django's argon2 spelling
      '$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E',
      'pbkdf2_sha1$260000$salt$aGFzaA==',
      'sha1$seasalt$cff36ea83f5706ce9aa7454e63e431fc726b2dc8',
      '$pbkdf2-sha256$i=1000,l=32$c2FsdA$aGFzaA',
      '',
      'plaintext-password',
    ];
    for (const hash of refused) {
      expectRejected(hash, 'UNKNOWN_HASH_FORMAT');
      expect(await verifyLegacyHash(hash, PASSWORD)).toBe(false);
    }
  });
});

describe('verification off the event loop', () => {
  it('runs every format on libuv\'s pool: a timer fires while one is verified', async () => {
    const salt = randomBytes(16);
    const separator = Buffer.from('Bw==', 'base64');
    const signerKey = randomBytes(64);
    const slow = [
      await bcrypt.hash(PASSWORD, 10),
      withParams(await argon2.hash(PASSWORD, { type: argon2.argon2i, memoryCost: 65_536, timeCost: 3, parallelism: 1 }), 't=3,m=65536,p=1'),
      firescrypt({ memCost: 15, rounds: 8, salt, separator, signerKey, hash: firebaseScrypt(PASSWORD, salt, separator, signerKey, 15, 8) }),
      django(PASSWORD, 'saltsalt', 300_000),
    ];
    for (const hash of slow) {
      const verifying = verifyLegacyHash(hash, PASSWORD).then((ok) => (ok ? 'verified' : 'refused'));
      // Had the work run on this thread, the verification would be settled before any timer could fire.
      expect(await Promise.race([verifying, sleep(1).then(() => 'timer')]), hash.slice(0, 12)).toBe('timer');
      expect(await verifying).toBe('verified');
    }
  });
});

describe('PasswordHasher with imported hashes', () => {
  const params = { memoryCost: 1024, timeCost: 1, parallelism: 1 };

  it('verifies every format, and asks for a rehash of every hash but argon2id with the parameters of today', async () => {
    const passwords = createPasswordHasher(params);
    const current = await passwords.hash(PASSWORD);
    expect(await passwords.verify(current, PASSWORD)).toEqual({ ok: true, needsRehash: false });
    // The same parameters in another order are still today's.
    expect(await passwords.verify(withParams(current, `t=1,m=${params.memoryCost},p=1`), PASSWORD)).toEqual({ ok: true, needsRehash: false });
    const salt = randomBytes(16);
    const separator = randomBytes(2);
    const signerKey = randomBytes(64);
    const legacy = [
      await bcrypt.hash(PASSWORD, 4),
      await argon2.hash(PASSWORD, { ...params, type: argon2.argon2i }),
      await argon2.hash(PASSWORD, { ...params, timeCost: 2, type: argon2.argon2id }),
      firescrypt({ memCost: 8, rounds: 8, salt, separator, signerKey, hash: firebaseScrypt(PASSWORD, salt, separator, signerKey, 8, 8) }),
      django(PASSWORD, 'saltysalt', 1000),
    ];
    for (const hash of legacy) {
      expect(await passwords.verify(hash, PASSWORD), hash.slice(0, 12)).toEqual({ ok: true, needsRehash: true });
      expect(await passwords.verify(hash, 'wrong password')).toEqual({ ok: false, needsRehash: false });
    }
  });

  it('tries an imported hash with the password as sent, then its NFC form', async () => {
    const passwords = createPasswordHasher(params);
    const nfc = 'Crème brûlée à la française'.normalize('NFC');
    const nfd = nfc.normalize('NFD');
    expect(nfd).not.toBe(nfc);
    // Sign-in hands the hasher the NFC form, and the password as the client sent it.
    const signIn = (hash: string, sent: string) => passwords.verify(hash, sent.normalize('NFC'), sent);

    // The source system hashed what a keyboard that produces NFD typed; the user types it again.
    const hashedNfd = await bcrypt.hash(nfd, 4);
    expect((await signIn(hashedNfd, nfd)).ok).toBe(true);
    // The source hashed NFC; this user's keyboard sends NFD: the NFC form matches.
    const hashedNfc = django(nfc, 'saltysalt', 1000);
    expect((await signIn(hashedNfc, nfd)).ok).toBe(true);
    expect((await signIn(hashedNfc, nfc)).ok).toBe(true);
    // NFD was hashed, NFC is sent: nothing to fall back to (the NFC form is what was sent).
    expect((await signIn(hashedNfd, nfc)).ok).toBe(false);

    // The product's own hashes are of the NFC form and checked with it alone, as always.
    const ours = await passwords.hash(nfc);
    expect(await signIn(ours, nfd)).toEqual({ ok: true, needsRehash: false });
    const oursOfNfd = await passwords.hash(nfd);
    expect((await signIn(oursOfNfd, nfd)).ok).toBe(false);
  });

  it('refuses a stored hash beyond the bounds without spending its cost', async () => {
    const passwords = createPasswordHasher(params);
    const body = (await bcrypt.hash(PASSWORD, 4)).slice(7);
    const made = await argon2.hash(PASSWORD, { ...params, type: argon2.argon2i });
    for (const hash of [`$2b$31$${body}`, withParams(made, 'm=4194304,t=1,p=1'), withParams(made, 'm=1024,t=4000,p=1'), 'pbkdf2_sha256$99999999999$salt$' + b64(randomBytes(32))]) {
      const started = performance.now();
      expect(await passwords.verify(hash, PASSWORD)).toEqual({ ok: false, needsRehash: false });
      // Their own cost would be hours (or 4 GiB): refused in the time a wrong password takes.
      expect(performance.now() - started).toBeLessThan(2000);
    }
  });

  it('holds a hashing slot for every legacy verification, as argon2 does', async () => {
    const passwords = createPasswordHasher(params, 1);
    const slow = await bcrypt.hash(PASSWORD, 11);
    const done: string[] = [];
    // With one slot, the argon2 hash asked for second waits for the bcrypt verification, though it takes far less.
    await Promise.all([
      passwords.verify(slow, PASSWORD).then(() => done.push('bcrypt verification')),
      passwords.hash(PASSWORD).then(() => done.push('argon2 hash')),
    ]);
    expect(done).toEqual(['bcrypt verification', 'argon2 hash']);
  });
});
