// Password hashes made by other systems and brought in by the user import: bcrypt, argon2i/argon2id,
// Firebase scrypt and Django PBKDF2. The import checks their shape and cost here, and sign-in verifies
// them here until the account's first sign-in rewrites the hash as the product's argon2id.
//
// The cost bounds are Kratos' (hash/hash_limits.go): checked at import, so no stored hash can cost
// more than that per sign-in, and again before every verification, for a hash written some other way.
// Every verification runs on libuv's pool (bcrypt, argon2, crypto.scrypt and crypto.pbkdf2 with
// callbacks), never on the event loop.
import { createCipheriv, pbkdf2, scrypt, type ScryptOptions, timingSafeEqual } from 'node:crypto';
import argon2 from 'argon2';
import bcrypt from 'bcrypt';

export type HashFormat = 'argon2' | 'bcrypt' | 'firebase_scrypt' | 'django_pbkdf2';
export type HashRejection = 'UNKNOWN_HASH_FORMAT' | 'MALFORMED_HASH' | 'HASH_PARAMETERS_OUT_OF_BOUNDS';
export type HashCheck = { ok: true; format: HashFormat } | { ok: false; code: HashRejection; message: string };

export const HASH_FORMATS: readonly HashFormat[] = ['argon2', 'bcrypt', 'firebase_scrypt', 'django_pbkdf2'];

/** The cost bounds, inclusive. */
export const HASH_BOUNDS = {
  bcryptCost: { min: 4, max: 15 },
  argon2: { maxMemoryKiB: 1_048_576, maxTime: 10, maxParallelism: 16 },
  firebaseScrypt: { maxMemCost: 17, rounds: { min: 1, max: 8 }, parallelism: { min: 1, max: 10 } },
  djangoIterations: { min: 1_000, max: 10_000_000 },
} as const;

type Parsed =
  | { format: 'bcrypt'; minor: 'a' | 'b' | 'y'; cost: number; body: string }
  | { format: 'argon2'; m: number; t: number; p: number }
  | { format: 'firebase_scrypt'; memCost: number; r: number; p: number; salt: Buffer; hash: Buffer; separator: Buffer; signerKey: Buffer }
  | { format: 'django_pbkdf2'; iterations: number; salt: string; hash: Buffer };

type Rejection = Extract<HashCheck, { ok: false }>;
type ParseResult = { ok: true; parsed: Parsed } | Rejection;

const SUPPORTED = 'bcrypt ($2a$, $2b$, $2y$), $argon2id$, $argon2i$, $firescrypt$, $fbscrypt$ or pbkdf2_sha256$';

/** Import-time check of a foreign hash: format, shape, base64, and the cost bounds. Never echoes the hash in `message`. */
export function checkImportedHash(hash: string): HashCheck {
  const result = parse(hash);
  if (!result.ok) return result;
  const outOfBounds = boundsViolation(result.parsed);
  if (outOfBounds) return { ok: false, code: 'HASH_PARAMETERS_OUT_OF_BOUNDS', message: outOfBounds };
  return { ok: true, format: result.parsed.format };
}

/** The format of a stored hash (for metrics and the legacy flag), or null for one this product cannot verify. */
export function hashFormat(hash: string): HashFormat | null {
  const check = checkImportedHash(hash);
  return check.ok ? check.format : null;
}

/** m, t and p of a well-formed `$argon2id$` hash, whatever their size; undefined for anything else. */
export function argon2idCost(hash: string): { m: number; t: number; p: number } | undefined {
  if (!hash.startsWith('$argon2id$')) return undefined;
  const result = parseArgon2(hash);
  if (!result.ok || result.parsed.format !== 'argon2') return undefined;
  const { m, t, p } = result.parsed;
  return { m, t, p };
}

/** Verifies `password` against a stored non-argon2id-current hash; re-checks the bounds first (refuses, returns false, beyond them). */
export async function verifyLegacyHash(hash: string, password: string): Promise<boolean> {
  const result = parse(hash);
  if (!result.ok || boundsViolation(result.parsed)) return false;
  const parsed = result.parsed;
  switch (parsed.format) {
    case 'bcrypt':
      return verifyBcrypt(parsed, password);
    case 'argon2':
      // The shape was checked: version 19, m, t and p once each (in any order: argon2 reads them by name).
      return argon2.verify(hash, password).catch(() => false);
    case 'firebase_scrypt':
      return verifyFirebaseScrypt(parsed, password);
    case 'django_pbkdf2':
      return verifyDjangoPbkdf2(parsed, password);
  }
}

function parse(hash: string): ParseResult {
  if (/^\$2[aby]\$/.test(hash)) return parseBcrypt(hash);
  if (hash.startsWith('$argon2id$') || hash.startsWith('$argon2i$')) return parseArgon2(hash);
  if (hash.startsWith('$firescrypt$')) return parseFirescrypt(hash);
  if (hash.startsWith('$fbscrypt$')) return parseFbscrypt(hash);
  if (hash.startsWith('pbkdf2_sha256$')) return parseDjango(hash);
  // $2x$ (crypt_blowfish's buggy mode), crypt's $1$/$5$/$6$, bare digests, {SSHA}, Django's
  // bcrypt_sha256$, $argon2d$, plain $scrypt$ and everything else: refused on purpose.
  return { ok: false, code: 'UNKNOWN_HASH_FORMAT', message: `unknown password hash format: expected ${SUPPORTED}` };
}

function malformed(format: string, why: string): Rejection {
  return { ok: false, code: 'MALFORMED_HASH', message: `malformed ${format} hash: ${why}` };
}

// ---- bcrypt ----

// bcrypt's own base64 alphabet. 16 salt bytes take 22 characters and 23 hash bytes 31, so the last
// character of each carries unused bits that must be zero: otherwise no bcrypt ever wrote it, and
// the recomputed hash (which re-encodes them) could never match.
const BCRYPT_ALPHABET = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
// Multibyte characters count: bcrypt reads bytes.
const BCRYPT_MAX_PASSWORD_BYTES = 72;

function parseBcrypt(hash: string): ParseResult {
  const match = /^\$2([aby])\$(\d\d)\$([./A-Za-z0-9]{53})$/.exec(hash);
  if (!match) return malformed('bcrypt', 'expected $2b$, a two-digit cost, $ and 53 characters of bcrypt base64 (60 in all)');
  const [, minor, cost, body] = match as unknown as [string, 'a' | 'b' | 'y', string, string];
  const saltEnd = BCRYPT_ALPHABET.indexOf(body[21]!);
  const hashEnd = BCRYPT_ALPHABET.indexOf(body[52]!);
  if (saltEnd % 16 !== 0 || hashEnd % 4 !== 0) return malformed('bcrypt', 'the salt or hash is not canonical bcrypt base64');
  return { ok: true, parsed: { format: 'bcrypt', minor, cost: Number(cost), body } };
}

async function verifyBcrypt(parsed: Extract<Parsed, { format: 'bcrypt' }>, password: string): Promise<boolean> {
  // $2y$ is PHP's name for $2b$ (the same algorithm); the library knows only $2a$ and $2b$.
  const stored = `$2${parsed.minor === 'y' ? 'b' : parsed.minor}$${String(parsed.cost).padStart(2, '0')}$${parsed.body}`;
  // The first 72 bytes, as the source system used them. Cut here rather than by the library: its
  // $2a$ mode wraps the length at 256 bytes (the old OpenBSD bug), which Go, PHP and Java never had.
  const key = Buffer.from(password, 'utf8').subarray(0, BCRYPT_MAX_PASSWORD_BYTES);
  // Recomputed with the stored salt and compared here in constant time (the library's compare uses strcmp).
  const computed = await bcrypt.hash(key, stored.slice(0, 29)).catch(() => '');
  return constantTimeEqual(Buffer.from(computed), Buffer.from(stored));
}

// ---- argon2 ----

function parseArgon2(hash: string): ParseResult {
  const parts = hash.split('$');
  // ['', 'argon2id', 'v=19', 'm=…,t=…,p=…', salt, hash]
  if (parts.length !== 6 || parts[2] !== 'v=19') return malformed('argon2', 'expected $argon2id$v=19$m=<m>,t=<t>,p=<p>$<salt>$<hash>');
  const params = parseParams(parts[3]!, ['m', 't', 'p'], /^(0|[1-9]\d{0,9})$/);
  if (!params) return malformed('argon2', 'the parameters must be m, t and p, each once, as decimal numbers');
  const salt = decodeBase64(parts[4]!, false);
  const digest = decodeBase64(parts[5]!, false);
  if (!salt || !digest) return malformed('argon2', 'the salt and hash must be unpadded standard base64');
  if (salt.length < 8 || salt.length > 64 || digest.length < 4 || digest.length > 64) {
    return malformed('argon2', 'the salt must be 8 to 64 bytes and the hash 4 to 64');
  }
  return { ok: true, parsed: { format: 'argon2', m: Number(params.m), t: Number(params.t), p: Number(params.p) } };
}

// ---- Firebase scrypt ----

const FIREBASE_SHAPE = 'expected $firescrypt$ln=<mem_cost>,r=<rounds>,p=<p>$<salt>$<hash>$<salt separator>$<signer key>';
const FBSCRYPT_SHAPE = 'expected $fbscrypt$v=1,n=<mem_cost>,r=<rounds>,p=<p>,ss=<salt separator>,sk=<signer key>$<salt>$<hash>';
const DECIMAL = /^(0|[1-9]\d{0,9})$/;

/** Kratos' spelling. */
function parseFirescrypt(hash: string): ParseResult {
  const parts = hash.split('$');
  if (parts.length !== 7) return malformed('Firebase scrypt', FIREBASE_SHAPE);
  const params = parseParams(parts[2]!, ['ln', 'r', 'p'], DECIMAL);
  if (!params) return malformed('Firebase scrypt', FIREBASE_SHAPE);
  return firebaseScrypt(params.ln, params.r, params.p, parts[3]!, parts[4]!, parts[5]!, parts[6]!);
}

/** Supabase's spelling. */
function parseFbscrypt(hash: string): ParseResult {
  const parts = hash.split('$');
  if (parts.length !== 5) return malformed('Firebase scrypt', FBSCRYPT_SHAPE);
  const params = parseParams(parts[2]!, ['v', 'n', 'r', 'p', 'ss', 'sk'], /^[A-Za-z0-9+/=]+$/);
  if (!params || params.v !== '1' || ![params.n, params.r, params.p].every((value) => DECIMAL.test(value))) {
    return malformed('Firebase scrypt', FBSCRYPT_SHAPE);
  }
  return firebaseScrypt(params.n, params.r, params.p, parts[3]!, parts[4]!, params.ss, params.sk);
}

function firebaseScrypt(memCost: string, r: string, p: string, salt64: string, hash64: string, separator64: string, signerKey64: string): ParseResult {
  const salt = decodeBase64(salt64, true);
  const hash = decodeBase64(hash64, true);
  const separator = decodeBase64(separator64, true);
  const signerKey = decodeBase64(signerKey64, true);
  if (!salt || !hash || !separator || !signerKey) return malformed('Firebase scrypt', 'the salt, hash, salt separator and signer key must be standard base64');
  if (salt.length === 0 || salt.length > 64 || separator.length > 64 || signerKey.length === 0 || signerKey.length > 256) {
    return malformed('Firebase scrypt', 'the salt must be 1 to 64 bytes, the separator at most 64 and the signer key 1 to 256');
  }
  // The hash is the signer key encrypted with AES-256-CTR: as long as the key.
  if (hash.length !== signerKey.length) return malformed('Firebase scrypt', 'the hash must be as long as the signer key');
  return {
    ok: true,
    parsed: { format: 'firebase_scrypt', memCost: Number(memCost), r: Number(r), p: Number(p), salt, hash, separator, signerKey },
  };
}

const scryptAsync = (password: Buffer, salt: Buffer, keylen: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) => scrypt(password, salt, keylen, options, (error, key) => (error ? reject(error) : resolve(key))));

async function verifyFirebaseScrypt(parsed: Extract<Parsed, { format: 'firebase_scrypt' }>, password: string): Promise<boolean> {
  const N = 2 ** parsed.memCost;
  const { r, p } = parsed;
  // OpenSSL needs 128·r·(N + 2 + p) bytes; the default cap (32 MiB) is below what mem_cost 17 takes.
  const maxmem = 128 * r * (N + 2 + p) + 1024 * 1024;
  const key = await scryptAsync(Buffer.from(password, 'utf8'), Buffer.concat([parsed.salt, parsed.separator]), 32, { N, r, p, maxmem });
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const computed = Buffer.concat([cipher.update(parsed.signerKey), cipher.final()]);
  return constantTimeEqual(computed, parsed.hash);
}

// ---- Django PBKDF2 ----

function parseDjango(hash: string): ParseResult {
  const parts = hash.split('$');
  // ['pbkdf2_sha256', iterations, salt, hash]; Django's salts are text and never hold '$'.
  if (parts.length !== 4 || !/^\d{1,12}$/.test(parts[1]!) || !/^[\x21-\x7e]{1,128}$/.test(parts[2]!)) {
    return malformed('Django PBKDF2', 'expected pbkdf2_sha256$<iterations>$<salt>$<base64 hash>');
  }
  const digest = decodeBase64(parts[3]!, true);
  if (!digest || digest.length !== 32) return malformed('Django PBKDF2', 'the hash must be 32 bytes in standard base64');
  return { ok: true, parsed: { format: 'django_pbkdf2', iterations: Number(parts[1]), salt: parts[2]!, hash: digest } };
}

async function verifyDjangoPbkdf2(parsed: Extract<Parsed, { format: 'django_pbkdf2' }>, password: string): Promise<boolean> {
  const computed = await new Promise<Buffer>((resolve, reject) =>
    pbkdf2(Buffer.from(password, 'utf8'), Buffer.from(parsed.salt, 'utf8'), parsed.iterations, 32, 'sha256', (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
  return constantTimeEqual(computed, parsed.hash);
}

// ---- shared ----

/** Says what is beyond the bounds, or undefined when every parameter is within them. */
function boundsViolation(parsed: Parsed): string | undefined {
  switch (parsed.format) {
    case 'bcrypt': {
      const { min, max } = HASH_BOUNDS.bcryptCost;
      return parsed.cost < min || parsed.cost > max ? `bcrypt cost ${parsed.cost} is outside ${min} to ${max}` : undefined;
    }
    case 'argon2': {
      const { maxMemoryKiB, maxTime, maxParallelism } = HASH_BOUNDS.argon2;
      if (parsed.p < 1 || parsed.p > maxParallelism) return `argon2 parallelism (p) ${parsed.p} is outside 1 to ${maxParallelism}`;
      if (parsed.t < 1 || parsed.t > maxTime) return `argon2 iterations (t) ${parsed.t} is outside 1 to ${maxTime}`;
      // argon2 itself needs at least 8 KiB per lane.
      if (parsed.m < 8 * parsed.p || parsed.m > maxMemoryKiB) return `argon2 memory (m) ${parsed.m} KiB is outside ${8 * parsed.p} to ${maxMemoryKiB}`;
      return undefined;
    }
    case 'firebase_scrypt': {
      const { maxMemCost, rounds, parallelism } = HASH_BOUNDS.firebaseScrypt;
      if (parsed.memCost < 1 || parsed.memCost > maxMemCost) return `Firebase scrypt mem_cost ${parsed.memCost} is outside 1 to ${maxMemCost}`;
      if (parsed.r < rounds.min || parsed.r > rounds.max) return `Firebase scrypt rounds (r) ${parsed.r} is outside ${rounds.min} to ${rounds.max}`;
      if (parsed.p < parallelism.min || parsed.p > parallelism.max) {
        return `Firebase scrypt parallelism (p) ${parsed.p} is outside ${parallelism.min} to ${parallelism.max}`;
      }
      return undefined;
    }
    case 'django_pbkdf2': {
      const { min, max } = HASH_BOUNDS.djangoIterations;
      return parsed.iterations < min || parsed.iterations > max ? `Django PBKDF2 iterations ${parsed.iterations} is outside ${min} to ${max}` : undefined;
    }
  }
}

/** `k=v,k=v` with exactly the given keys, each once, in any order, every value matching `value`. */
function parseParams<K extends string>(text: string, keys: readonly K[], value: RegExp): Record<K, string> | undefined {
  const found = new Map<string, string>();
  for (const pair of text.split(',')) {
    const at = pair.indexOf('=');
    if (at <= 0) return undefined;
    const key = pair.slice(0, at);
    const val = pair.slice(at + 1);
    if (!(keys as readonly string[]).includes(key) || found.has(key) || !value.test(val)) return undefined;
    found.set(key, val);
  }
  if (found.size !== keys.length) return undefined;
  return Object.fromEntries(found) as Record<K, string>;
}

/** Strict standard base64 (padded or not, as asked): undefined unless it decodes and re-encodes to itself. */
function decodeBase64(text: string, padded: boolean): Buffer | undefined {
  if (!(padded ? /^[A-Za-z0-9+/]*={0,2}$/ : /^[A-Za-z0-9+/]*$/).test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  const again = bytes.toString('base64');
  return (padded ? again : again.replace(/=+$/, '')) === text ? bytes : undefined;
}

function constantTimeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
