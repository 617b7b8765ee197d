// argon2id hashing. Parameters default to OWASP's minimum (m=19 MiB, t=2, p=1) and are
// configurable; hashes made with weaker parameters are upgraded at the next sign-in.
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

export function createPasswordHasher(params: Argon2Params): PasswordHasher {
  const options = { type: argon2.argon2id, ...params } as const;
  // Made lazily once, with the same parameters, so a dummy verify costs the same as a real one.
  let dummyHash: Promise<string> | undefined;

  return {
    hash: (password) => argon2.hash(password, options),
    async verify(hash, password) {
      const ok = await argon2.verify(hash, password).catch(() => false);
      return { ok, needsRehash: ok && argon2.needsRehash(hash, options) };
    },
    async verifyDummy(password) {
      dummyHash ??= argon2.hash('dummy password for timing equalisation', options);
      await argon2.verify(await dummyHash, password).catch(() => false);
    },
  };
}
