// argon2id hashing. Parameters default to OWASP's minimum (m=19 MiB, t=2, p=1) and are
// configurable; hashes made with weaker parameters are upgraded at the next sign-in.
import { availableParallelism } from 'node:os';
import argon2 from 'argon2';

export interface Argon2Params {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** `needsRehash` is true when the stored hash was made with other parameters than today's. */
  verify(hash: string, password: string): Promise<{ ok: boolean; needsRehash: boolean }>;
  /** Costs what `verify` costs, for accounts that do not exist, so timing reveals nothing. */
  verifyDummy(password: string): Promise<void>;
}

/** At most this many hashes at once: one core always stays for the event loop and its requests. */
export const ARGON2_MAX_CONCURRENT = Math.max(1, availableParallelism() - 1);

export function createPasswordHasher(params: Argon2Params, maxConcurrent = ARGON2_MAX_CONCURRENT): PasswordHasher {
  const options = { type: argon2.argon2id, ...params } as const;
  const slot = createSlots(maxConcurrent);
  // Made lazily once, with the same parameters, so a dummy verify costs the same as a real one.
  let dummyHash: Promise<string> | undefined;

  return {
    hash: (password) => slot(() => argon2.hash(password, options)),
    async verify(hash, password) {
      const ok = await slot(() => argon2.verify(hash, password)).catch(() => false);
      return { ok, needsRehash: ok && argon2.needsRehash(hash, options) };
    },
    async verifyDummy(password) {
      dummyHash ??= slot(() => argon2.hash('dummy password for timing equalisation', options));
      const hash = await dummyHash;
      await slot(() => argon2.verify(hash, password)).catch(() => false);
    },
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
