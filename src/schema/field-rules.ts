// The input rules, as schema descriptions: what a form needs to validate before sending. One text
// per rule, shared by every input that takes that kind of value. Defaults are stated; operators
// may change them (PASSWORD_MIN_LENGTH, RESET_CODE_DIGITS).

export const EMAIL_RULES =
  'Email address: trimmed and compared case-insensitively (" Abc@example.com" and "abc@example.com" are one account); at most 254 characters; must look like an address (local@domain). Otherwise BAD_USER_INPUT naming the field.';

export const NEW_PASSWORD_RULES =
  'New password: 8 (PASSWORD_MIN_LENGTH, default) to 256 characters, counted in Unicode code points after NFC normalisation; never trimmed, truncated or case-folded; no composition rules, but very common or easily guessed passwords are refused (BAD_USER_INPUT with the reason). No control characters.';

export const PASSWORD_RULES = 'The account\'s current password, exactly as set (not trimmed). At most 256 characters.';

/** For the inputs where an account without a password proves itself with a fresh session instead. */
export const CURRENT_PASSWORD_RULES =
  "The account's current password (INVALID_CREDENTIALS if wrong; BAD_USER_INPUT if left out by an account that has one). " +
  'An account without a password (User.hasPassword false) leaves it out and must ask from a session started at most ' +
  'REAUTH_MAX_AGE_SECONDS (300) ago, by any sign-in: REAUTHENTICATION_REQUIRED (extensions.maxAge) otherwise.';

export const USERNAME_RULES = 'Display name: trimmed, 1 to 64 characters, not unique. No control characters.';

export const CODE_RULES =
  'The one-time code from the mail: 6 digits by default (RESET_CODE_DIGITS, 6 to 10), valid 10 minutes, single-use, dead after 5 wrong tries. A wrong, used or expired code answers INVALID_CODE.';
