// argon2id hashing. Parameters default to OWASP's minimum (m=19 MiB, t=2, p=1) and are
// configurable; hashes made with weaker parameters are upgraded at the next sign-in, and so are
// imported ones (./legacy-hashes.ts: bcrypt, argon2i, Firebase scrypt, Django PBKDF2).
import { availableParallelism } from 'node:os';
import argon2 from 'argon2';
import { argon2idCost, hashFormat, verifyLegacyHash } from './legacy-hashes.ts';

export interface Argon2Params {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /**
   * `password` is the NFC form the product hashes; `asSent` the password as the client sent it. A
   * hash of the product's own (argon2id with today's parameters) is checked with `password` only.
   * Any other (imported, or argon2id with other parameters) is tried with `asSent` first, then,
   * only if that fails and they differ, with `password`: source systems hashed what the keyboard
   * produced. `needsRehash` is true when it matched a hash that is not argon2id with today's parameters.
   */
  verify(hash: string, password: string, asSent?: string): Promise<{ ok: boolean; needsRehash: boolean }>;
  /** Costs what `verify` costs, for accounts that do not exist, so timing reveals nothing. */
  verifyDummy(password: string): Promise<void>;
}

/** The most ARGON2_* may ask (src/config.ts): also the bound for verifying a stored argon2id hash. */
export const ARGON2_LIMITS = { minMemoryKiB: 19_456, maxMemoryKiB: 4_194_304, minTime: 2, maxTime: 100, maxParallelism: 16 } as const;

/** At most this many hashes at once: one core always stays for the event loop and its requests. */
export const ARGON2_MAX_CONCURRENT = Math.max(1, availableParallelism() - 1);

export function createPasswordHasher(params: Argon2Params, maxConcurrent = ARGON2_MAX_CONCURRENT): PasswordHasher {
  const options = { type: argon2.argon2id, ...params } as const;
  const slot = createSlots(maxConcurrent);
  // Made lazily once, with the same parameters, so a dummy verify costs the same as a real one.
  let dummyHash: Promise<string> | undefined;

  const verifyDummy = async (password: string) => {
    dummyHash ??= slot(() => argon2.hash('dummy password for timing equalisation', options));
    const hash = await dummyHash;
    await slot(() => argon2.verify(hash, password)).catch(() => false);
  };
  // argon2id within what the configuration may ask (ARGON2_LIMITS) is verified as the product's
  // own, whatever today's parameters: a hash made before the settings changed still signs in, and
  // is rewritten. Only beyond those limits does it count as a foreign hash (./legacy-hashes.ts).
  const isOurs = (hash: string) => {
    const params = argon2idCost(hash);
    return params !== undefined && params.m <= ARGON2_LIMITS.maxMemoryKiB && params.t <= ARGON2_LIMITS.maxTime && params.p <= ARGON2_LIMITS.maxParallelism;
  };
  const isCurrent = (hash: string) => {
    try {
      return !argon2.needsRehash(hash, options);
    } catch {
      return false;
    }
  };

  return {
    hash: (password) => slot(() => argon2.hash(password, options)),
    async verify(hash, password, asSent = password) {
      if (isOurs(hash)) {
        // The product hashes NFC; an imported argon2id may hold what the keyboard produced.
        let ok = await slot(() => argon2.verify(hash, password)).catch(() => false);
        const current = isCurrent(hash);
        if (!ok && !current && asSent !== password) ok = await slot(() => argon2.verify(hash, asSent)).catch(() => false);
        return { ok, needsRehash: ok && !current };
      }
      // A hash nobody can verify here (an unknown format, or parameters beyond the import's
      // bounds, written around the import): refused without spending its cost, in the time a
      // wrong password takes.
      if (hashFormat(hash) === null) {
        await verifyDummy(password);
        return { ok: false, needsRehash: false };
      }
      // Every legacy verification holds a slot, as argon2 does: their cost is the source's.
      let ok = await slot(() => verifyLegacyHash(hash, asSent)).catch(() => false);
      if (!ok && asSent !== password) ok = await slot(() => verifyLegacyHash(hash, password)).catch(() => false);
      return { ok, needsRehash: ok };
    },
    verifyDummy,
  };
}

/** Runs the given work with at most `size` running at once; the rest wait their turn in order. */
function createSlots(size: number) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(work: () => Promise<T>): Promise<T> => {
    if (running >= size) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await work();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}
