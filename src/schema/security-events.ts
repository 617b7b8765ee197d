// The account's own security activity log.
import { badInput } from '../services/errors.ts';
import { SECURITY_EVENT_KINDS, type SecurityEventKind, type SecurityEventView } from '../services/security/security-events.ts';
import { builder } from './builder.ts';

const KIND_DESCRIPTIONS: Record<SecurityEventKind, string> = {
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

const SecurityEventKindEnum = builder.enumType('SecurityEventKind', {
  description: 'What happened to the account.',
  values: Object.fromEntries(SECURITY_EVENT_KINDS.map((kind) => [kind, { value: kind, description: KIND_DESCRIPTIONS[kind] }])) as Record<
    SecurityEventKind,
    { value: SecurityEventKind; description: string }
  >,
});

const SecurityEventType = builder.objectRef<SecurityEventView>('SecurityEvent').implement({
  description: "One entry of the account's security activity, with the address and user agent of the request that caused it.",
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Opaque and stable.' }),
    kind: t.field({ type: SecurityEventKindEnum, description: 'What happened.', resolve: (event) => event.kind }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it happened (ISO 8601, UTC, millisecond precision).' }),
    ipAddress: t.exposeString('ipAddress', { nullable: true, description: 'The client address of the request, as the rate limits see it.' }),
    userAgent: t.exposeString('userAgent', {
      nullable: true,
      description: 'The User-Agent of the request, cut to 256 characters; null if none was sent. Show it as plain text.',
    }),
    provider: t.exposeString('provider', {
      nullable: true,
      description: 'The identity provider id the event is about or that caused it ("google", "github", an OIDC id); null otherwise.',
    }),
    byOperator: t.exposeBoolean('byOperator', {
      description: "True when support (an operator of this service) did it rather than one of the account's own sessions; such events carry no address or user agent.",
    }),
    passkeyName: t.exposeString('passkeyName', {
      nullable: true,
      description: 'The passkey the event is about or that caused it, named as it was then; null for events that involve none.',
    }),
  }),
});

builder.queryField('securityEvents', (t) =>
  t.withAuth({ signedIn: true }).field({
    type: [SecurityEventType],
    description: "The signed-in account's own events, newest first, kept SECURITY_EVENT_RETENTION_DAYS (90 by default).",
    args: {
      limit: t.arg.int({ defaultValue: 20, description: 'How many events, from 1 to 100 (BAD_USER_INPUT otherwise).' }),
    },
    resolve: (_root, args, { services, viewer }) => {
      // An explicit null reads as "not given", like the omitted argument.
      const limit = args.limit ?? 20;
      if (limit < 1 || limit > 100) throw badInput('limit', 'must be between 1 and 100');
      return services.securityEvents.list(viewer.user.id, limit);
    },
  }),
);
