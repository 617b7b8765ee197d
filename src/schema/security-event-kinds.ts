// What each security event kind means, in words for API readers: the public schema and the
// operator API's describe the same enum with it. No builder here, so both may import it.
import type { SecurityEventKind } from '../services/security/security-events.ts';

export const KIND_DESCRIPTIONS: Record<SecurityEventKind, string> = {
  SIGN_UP: 'The account was created.',
  SIGN_IN: 'A successful sign-in (passkeyName: the passkey it was made with, if one).',
  SIGN_IN_FAILED:
    "A sign-in with this account's email and a wrong password, or with one of its passkeys that was refused after its signature verified (passkeyName).",
  LOGOUT: 'A session was ended by logout.',
  SESSION_REVOKED: 'One or more sessions were ended from another session (revokeSession, revokeOtherSessions).',
  PASSWORD_CHANGED: 'The password was changed while signed in.',
  PASSWORD_RESET_REQUESTED: 'A reset code was mailed to the address (sendMail).',
  PASSWORD_RESET: 'The password was set with a reset code.',
  EMAIL_VERIFIED: 'The address was proved with a mailed code.',
  EMAIL_CHANGE_REQUESTED: 'A code was mailed to a new address (changeEmail).',
  EMAIL_CHANGED: 'The address was changed (confirmEmailChange).',
  TWO_FACTOR_ENABLED: 'Two-factor sign-in was turned on.',
  TWO_FACTOR_DISABLED: 'Two-factor sign-in was turned off.',
  RECOVERY_CODE_USED: 'A recovery code was used to sign in.',
  RECOVERY_CODES_REGENERATED: 'The recovery codes were replaced.',
  SECOND_FACTOR_FAILED: 'A right password with a wrong two-factor code, or a passkey that failed as the second factor (passkeyName, when it is one of the account\'s).',
  PASSKEY_ADDED: 'A passkey was registered (passkeyName).',
  PASSKEY_REMOVED: 'A passkey was removed, and the sessions it signed in were ended (passkeyName).',
  PASSKEY_COUNTER_MISMATCH:
    'A passkey presented a signature counter not above the stored one: it may have been copied. A device-bound passkey is refused; a synced one is let in (passkeyName).',
  IDENTITY_LINKED: 'An identity provider account was linked: it can now sign in (provider).',
  IDENTITY_UNLINKED: 'An identity provider account was unlinked; the sessions it signed in were ended (provider).',
  ACCOUNT_CREATED: 'Support created the account, without a password (byOperator).',
  ACCOUNT_IMPORTED: 'The account was imported from another system (byOperator).',
  ACCOUNT_DISABLED: 'Support disabled the account: sign-in refused and every session ended (byOperator).',
  ACCOUNT_ENABLED: 'Support enabled the account again (byOperator).',
  PASSWORD_INVALIDATED: 'Support made the password stop working and ended every session; a mailed code sets a new one (byOperator).',
};
