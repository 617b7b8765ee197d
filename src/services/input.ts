// Normalisation and checks of the identifiers users type (contract: "Input rules").
import { badInput } from './errors.ts';

const EMAIL_MAX = 254;
const USERNAME_MAX = 64;
// Deliberately simple: one @, no spaces, a dot in the domain. The mail itself proves the rest.
const EMAIL_SHAPE = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/u;

/** Trimmed and lower-cased: " Abc@Gmail.com" and "abc@gmail.com" are one account. */
export function normalizeEmail(raw: string, field = 'email'): string {
  const email = raw.trim().toLowerCase();
  if (email.length === 0) throw badInput(field, 'is required');
  if (email.length > EMAIL_MAX) throw badInput(field, `must be at most ${EMAIL_MAX} characters`);
  if (!EMAIL_SHAPE.test(email) || hasControlCharacters(email) || hasUnpairedSurrogates(email)) {
    throw badInput(field, 'is not a valid email address');
  }
  return email;
}

export function normalizeUsername(raw: string): string {
  const username = raw.normalize('NFC').trim();
  if (username.length === 0) throw badInput('username', 'must not be empty');
  if ([...username].length > USERNAME_MAX) throw badInput('username', `must be at most ${USERNAME_MAX} characters`);
  if (hasControlCharacters(username)) throw badInput('username', 'must not contain control characters');
  if (hasUnpairedSurrogates(username)) throw badInput('username', 'is not valid Unicode text');
  return username;
}

export function hasControlCharacters(value: string): boolean {
  return /\p{Cc}/u.test(value);
}

/**
 * Half of a UTF-16 surrogate pair on its own (JSON allows "\ud800") is no character at all: stored
 * as UTF-8 it silently becomes U+FFFD, so what is kept is not what was sent, and two different
 * inputs become one.
 */
export function hasUnpairedSurrogates(value: string): boolean {
  return /\p{Cs}/u.test(value);
}
