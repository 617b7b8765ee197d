// NIST SP 800-63B: length limits counted in code points after NFC, a blocklist of common
// passwords, no composition rules, nothing trimmed or case-folded.
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common';
import { badInput } from '../errors.ts';
import { hasUnpairedSurrogates } from '../input.ts';

export interface PasswordPolicy {
  minLength: number;
  maxLength: number;
}

// zxcvbn's score 0-1 means under a million guesses: its ranked lists of the most used passwords,
// keyboard walks, repeats and dates. The bundled dictionaries ship with the package (no network).
const MIN_SCORE = 2;
// The estimate is synchronous CPU that grows faster than the length (about 140 ms for 256
// characters, 35 ms for 100): it reads the first 100, where a weak password shows its weakness.
const ESTIMATED_LENGTH = 100;
const estimator = new ZxcvbnFactory({ dictionary, graphs: adjacencyGraphs, maxLength: ESTIMATED_LENGTH });

/** Returns the password as it will be hashed (NFC), or throws BAD_USER_INPUT saying why. */
export function checkNewPassword(
  raw: string,
  policy: PasswordPolicy,
  field = 'password',
  userInputs: string[] = [],
): string {
  const password = normalizePassword(raw, policy, field);
  if (estimator.check(password, userInputs).score < MIN_SCORE) {
    throw badInput(field, 'is too common or too easy to guess; try a longer phrase of unrelated words');
  }
  return password;
}

/** Length checks only: a sign-in attempt is refused cheaply before any hashing is done. */
export function normalizePassword(raw: string, policy: PasswordPolicy, field = 'password'): string {
  // Measured before normalising too, so a megabyte of input is refused before any work on it.
  if (raw.length > policy.maxLength * 4) throw badInput(field, `must be at most ${policy.maxLength} characters`);
  const password = raw.normalize('NFC');
  const length = [...password].length;
  if (length < policy.minLength) throw badInput(field, `must be at least ${policy.minLength} characters`);
  if (length > policy.maxLength) throw badInput(field, `must be at most ${policy.maxLength} characters`);
  if (password.includes('\u0000')) throw badInput(field, 'must not contain NUL characters');
  // argon2 hashes the UTF-8 bytes, where every unpaired surrogate becomes U+FFFD: two different
  // passwords would then be one.
  if (hasUnpairedSurrogates(password)) throw badInput(field, 'is not valid Unicode text');
  return password;
}

