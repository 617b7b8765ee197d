// The account's own security activity log.
import { badInput } from '../services/errors.ts';
import { SECURITY_EVENT_KINDS, type SecurityEventKind, type SecurityEventView } from '../services/security/security-events.ts';
import { KIND_DESCRIPTIONS } from './security-event-kinds.ts';
import { builder } from './builder.ts';


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
