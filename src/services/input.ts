// Normalisation and checks of the identifiers users type (contract: "Input rules").
import { badInput } from './errors.ts';

const EMAIL_MAX = 254;
const USERNAME_MAX = 64;
// Deliberately simple: one @, no spaces, a dot in the domain. The mail itself proves the rest.
const EMAIL_SHAPE = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/u;

/**
 * NFC, trimmed and lower-cased: " Abc@Gmail.com" and "abc@gmail.com" are one account, and so are
 * "é" typed precomposed or as "e" + combining accent. Invisible characters (format characters such
 * as zero-width spaces and joiners, bidi controls, soft hyphens) and control characters are refused
 * rather than removed: an address that looks like another must not become a second account.
 */
export function normalizeEmail(raw: string, field = 'email'): string {
  if (raw.length > EMAIL_MAX * 4) throw badInput(field, `must be at most ${EMAIL_MAX} characters`);
  const email = foldEmail(raw);
  if (email.length === 0) throw badInput(field, 'is required');
  if (email.length > EMAIL_MAX) throw badInput(field, `must be at most ${EMAIL_MAX} characters`);
  if (hasInvisibleCharacters(raw) || hasControlCharacters(email)) {
    throw badInput(field, 'must not contain invisible or control characters');
  }
  if (!EMAIL_SHAPE.test(email) || hasUnpairedSurrogates(email)) throw badInput(field, 'is not a valid email address');
  return email;
}

/** An email as it is stored, without the checks: also for the operator API's email prefix search. */
export function foldEmail(raw: string): string {
  return raw.normalize('NFC').trim().toLowerCase().normalize('NFC');
}

/** The username of an account made from an email alone (createUser, an import line without one): the part before `@`, cut to 64. */
export function defaultUsername(email: string): string {
  return [...email.slice(0, email.lastIndexOf('@'))].slice(0, USERNAME_MAX).join('');
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

/** Unicode format characters (Cf): zero-width space, joiners, bidi controls, soft hyphen, BOM, … */
export function hasInvisibleCharacters(value: string): boolean {
  return /\p{Cf}/u.test(value);
}

/**
 * Half of a UTF-16 surrogate pair on its own (JSON allows "\ud800") is no character at all: stored
 * as UTF-8 it silently becomes U+FFFD, so what is kept is not what was sent, and two different
 * inputs become one.
 */
export function hasUnpairedSurrogates(value: string): boolean {
  return /\p{Cs}/u.test(value);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An id as the database makes them: anything else names no row, and is not sent to the uuid column. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
