// Finding users and what an operator sees of one: AdminUser with its factors, sessions and events.
import type { User } from '../../generated/prisma/client.ts';
import { isDisabled } from '../../services/account-disabled.ts';
import { badInput } from '../../services/errors.ts';
import { SECURITY_EVENT_KINDS, type SecurityEventKind } from '../../services/security/security-events.ts';
import type { UserFilter as DirectoryFilter, UserOrder } from '../../services/operators/user-directory.ts';
import type { AdminEventView, Factor, OperatorKeyRef, UserDetails } from '../../services/operators/user-details.ts';
import type { AdminContext } from '../admin-context.ts';
import type { SessionView } from '../../services/sessions/sessions.ts';
import type { LinkedIdentityView } from '../../services/providers/provider-links.ts';
import { KIND_DESCRIPTIONS } from '../../schema/security-event-kinds.ts';
import { adminBuilder } from './builder.ts';

const FactorKindEnum = adminBuilder.enumType('FactorKind', {
  description: 'A second factor: the authenticator app, or one registered passkey.',
  values: { TOTP: { description: 'An authenticator app (TOTP), with its recovery codes.' }, PASSKEY: { description: 'A passkey (one entry per passkey).' } } as const,
});

const UserOrderEnum = adminBuilder.enumType('UserOrder', {
  description: 'The order of `users`; a cursor belongs to one order.',
  values: {
    CREATED_AT_DESC: { description: 'Newest first (ties broken by id).' },
    CREATED_AT_ASC: { description: 'Oldest first (ties broken by id).' },
    EMAIL_ASC: { description: 'By email address.' },
  } as const,
});

const SecurityEventKindEnum = adminBuilder.enumType('SecurityEventKind', {
  description: 'What happened to the account: the public API\'s values.',
  values: Object.fromEntries(SECURITY_EVENT_KINDS.map((kind) => [kind, { value: kind, description: KIND_DESCRIPTIONS[kind] }])) as Record<
    SecurityEventKind,
    { value: SecurityEventKind; description: string }
  >,
});

export const OperatorKeyRefType = adminBuilder.objectRef<OperatorKeyRef>('OperatorKeyRef').implement({
  description: 'The operator key behind a change, by its public id and name (never its secret).',
  fields: (t) => ({
    keyId: t.exposeString('keyId', { description: 'The key id: 10 characters, public, shown in lists and logs.' }),
    name: t.exposeString('name', { description: 'The name given at `npm run operator-key -- create`.' }),
  }),
});

const AdminFactorType = adminBuilder.objectRef<Factor>('AdminFactor').implement({
  description: 'One second factor of the account.',
  fields: (t) => ({
    kind: t.field({ type: FactorKindEnum, description: 'Which kind.', resolve: (f) => f.kind }),
    enabledAt: t.expose('enabledAt', { type: 'DateTime', description: 'When it was turned on or registered.' }),
  }),
});

const AdminSessionType = adminBuilder.objectRef<SessionView>('AdminSession').implement({
  description: 'A live session of the account.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Pass it to revokeUserSession.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it signed in.' }),
    lastActiveAt: t.expose('lastActiveAt', { type: 'DateTime', description: 'Last seen, to within about a minute.' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', description: 'When it ends if idle.' }),
    absoluteExpiresAt: t.expose('absoluteExpiresAt', { type: 'DateTime', description: 'When it ends however active.' }),
    userAgent: t.exposeString('userAgent', { nullable: true, description: 'As seen at sign-in.' }),
    ipAddress: t.exposeString('ipAddress', { nullable: true, description: 'As seen at sign-in.' }),
  }),
});

const AdminSecurityEventType = adminBuilder.objectRef<AdminEventView>('AdminSecurityEvent').implement({
  description: "One entry of the account's security activity, as its user sees it, plus the operator key behind it.",
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Opaque and stable.' }),
    kind: t.field({ type: SecurityEventKindEnum, description: 'What happened.', resolve: (e) => e.kind }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it happened.' }),
    ipAddress: t.exposeString('ipAddress', { nullable: true, description: 'The client address; null for operator changes.' }),
    userAgent: t.exposeString('userAgent', { nullable: true, description: 'The User-Agent; null for operator changes.' }),
    byOperator: t.exposeBoolean('byOperator', { description: 'Caused by an operator (this API or a command), not by the user.' }),
    operatorKey: t.field({
      type: OperatorKeyRefType,
      nullable: true,
      description: "The key that caused it; null for users' own events and for commands.",
      resolve: (e) => e.operatorKey,
    }),
  }),
});

const IdentityProviderType = adminBuilder.objectRef<LinkedIdentityView['provider']>('IdentityProvider').implement({
  description: 'An identity provider, as the public API names it.',
  fields: (t) => ({
    id: t.exposeID('id', { description: '"google", "github", "microsoft", "apple", or an OIDC_PROVIDERS id.' }),
    name: t.exposeString('name', { description: 'Its display name.' }),
  }),
});

// The public API's LinkedIdentity, field for field: provider and email, never a token.
const LinkedIdentityType = adminBuilder.objectRef<LinkedIdentityView>('LinkedIdentity').implement({
  description: 'An identity provider account linked to this one (no tokens).',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The link.' }),
    provider: t.field({ type: IdentityProviderType, description: 'Which provider.', resolve: (i) => i.provider }),
    email: t.exposeString('email', { nullable: true, description: 'The address the provider last asserted.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was linked.' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true, description: 'The last sign-in with it.' }),
  }),
});

// Two fields read the same rows: once per user object, which lives as long as its request.
const twoFactorReads = new WeakMap<User, ReturnType<UserDetails['twoFactor']>>();
function twoFactorOf(user: User, services: AdminContext['services']): ReturnType<UserDetails['twoFactor']> {
  let read = twoFactorReads.get(user);
  if (!read) twoFactorReads.set(user, (read = services.userDetails.twoFactor(user.id)));
  return read;
}

export const AdminUserType = adminBuilder.objectRef<User>('AdminUser').implement({
  description: 'An account as an operator sees it. Never a password hash, code or secret.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable identifier (a UUID).' }),
    email: t.exposeString('email', { description: 'Sign-in address, as stored (lower-case).' }),
    username: t.exposeString('username', { description: 'Display name.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the account was created; an imported account keeps its original date.' }),
    emailVerified: t.exposeBoolean('emailVerified', { description: 'Whether the address was proved (or marked verified).' }),
    hasPassword: t.boolean({
      description: 'False: created or imported without one, or invalidated by an operator; a mailed code sets one.',
      resolve: (u) => u.passwordHash !== null,
    }),
    legacyPasswordHash: t.boolean({
      description: 'The password is still in an imported format; it becomes argon2id at the next sign-in.',
      // The same rule as the filter (src/services/operators/user-directory.ts).
      resolve: (u) => u.passwordHash !== null && !u.passwordHash.startsWith('$argon2id$'),
    }),
    twoFactorEnabled: t.boolean({
      description: 'Whether signing in takes an authenticator or recovery code after the password.',
      resolve: async (u, _args, { services }) => (await twoFactorOf(u, services)).enabled,
    }),
    recoveryCodesLeft: t.int({
      description: 'Unused recovery codes; 0 while two-factor is off.',
      resolve: async (u, _args, { services }) => (await twoFactorOf(u, services)).recoveryCodesLeft,
    }),
    factors: t.field({ type: [AdminFactorType], description: 'Second factors: the authenticator, one entry per passkey.', resolve: (u, _a, { services }) => services.userDetails.factors(u.id) }),
    disabled: t.boolean({
      description: "By the server's clock: disabledAt set, and disabledUntil null or later than now.",
      resolve: (u) => isDisabled(u),
    }),
    disabledAt: t.expose('disabledAt', { type: 'DateTime', nullable: true, description: 'When an operator disabled it.' }),
    disabledUntil: t.expose('disabledUntil', { type: 'DateTime', nullable: true, description: 'When the disable ends by itself; null: until enableUser.' }),
    disabledReason: t.exposeString('disabledReason', { nullable: true, description: 'For operators only; never shown to the user.' }),
    lastSignInAt: t.expose('lastSignInAt', { type: 'DateTime', nullable: true, description: 'The last session it started, however it signed in.' }),
    sessions: t.field({ type: [AdminSessionType], description: 'Live sessions, newest first.', resolve: (u, _a, { services }) => services.userDetails.sessions(u.id) }),
    securityEvents: t.field({
      type: [AdminSecurityEventType],
      description: 'Newest first, within the retention window.',
      args: { limit: t.arg.int({ defaultValue: 20, description: 'From 1 to 100.' }) },
      resolve: (u, args, { services }) => {
        const limit = args.limit ?? 20;
        if (limit < 1 || limit > 100) throw badInput('limit', 'must be between 1 and 100');
        return services.userDetails.events(u.id, limit);
      },
    }),
    identities: t.field({ type: [LinkedIdentityType], description: 'Linked identity provider accounts (provider and email, no tokens).', resolve: (u, _a, { services }) => services.userDetails.identities(u.id) }),
  }),
});

interface PageInfoShape {
  hasNextPage: boolean;
  endCursor: string | null;
}
const PageInfoType = adminBuilder.objectRef<PageInfoShape>('PageInfo').implement({
  description: 'Where a page ends.',
  fields: (t) => ({
    hasNextPage: t.exposeBoolean('hasNextPage', { description: 'Whether another page follows.' }),
    endCursor: t.exposeString('endCursor', { nullable: true, description: 'Pass it as `after` for the next page; null on an empty page.' }),
  }),
});

interface ConnectionShape {
  nodes: User[];
  pageInfo: PageInfoShape;
  filter: DirectoryFilter;
}
const UserConnectionType = adminBuilder.objectRef<ConnectionShape>('UserConnection').implement({
  description: 'One page of users.',
  fields: (t) => ({
    nodes: t.field({ type: [AdminUserType], description: 'The users of this page.', resolve: (c) => c.nodes }),
    pageInfo: t.field({ type: PageInfoType, description: 'Where the page ends.', resolve: (c) => c.pageInfo }),
    totalCount: t.int({
      description: 'Users matching the filter; counted only when selected.',
      resolve: (c, _a, { services }) => services.userDirectory.count(c.filter),
    }),
  }),
});

const UserFilterInput = adminBuilder.inputType('UserFilter', {
  description: 'Filters combine with AND; an absent or null field does not filter.',
  fields: (t) => ({
    emailPrefix: t.string({ description: 'Addresses starting with this, normalised as an email; % and _ are literal.' }),
    usernamePrefix: t.string({ description: 'Usernames starting with this, case-insensitive.' }),
    emailVerified: t.boolean({ description: 'Verified or not.' }),
    twoFactorEnabled: t.boolean({ description: 'Two-factor on or off.' }),
    disabled: t.boolean({ description: "Disabled by the server's clock or not." }),
    hasPassword: t.boolean({ description: 'With a password or without.' }),
    legacyPasswordHash: t.boolean({ description: 'Still with an imported hash or not.' }),
    createdAfter: t.field({ type: 'DateTime', description: 'Created strictly after.' }),
    createdBefore: t.field({ type: 'DateTime', description: 'Created strictly before.' }),
  }),
});

adminBuilder.queryField('users', (t) =>
  t.field({
    type: UserConnectionType,
    description: 'Users, keyset-paginated: no user present for the whole walk is repeated or skipped.',
    args: {
      first: t.arg.int({ defaultValue: 50, description: 'From 1 to 200.' }),
      after: t.arg.string({ description: "The previous page's endCursor (with the same order and filter)." }),
      filter: t.arg({ type: UserFilterInput, defaultValue: {}, description: 'Which users.' }),
      orderBy: t.arg({ type: UserOrderEnum, defaultValue: 'CREATED_AT_DESC', description: 'The order.' }),
    },
    resolve: async (_root, args, { services }) => {
      const filter: DirectoryFilter = args.filter ?? {};
      const page = await services.userDirectory.list({
        first: args.first ?? 50,
        after: args.after ?? null,
        filter,
        orderBy: (args.orderBy ?? 'CREATED_AT_DESC') as UserOrder,
      });
      return { nodes: page.nodes, pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor }, filter };
    },
  }),
);

adminBuilder.queryField('user', (t) =>
  t.field({
    type: AdminUserType,
    nullable: true,
    description: 'One user by id or by exact email (normalised like signIn\'s): exactly one of the two; null when nothing matches.',
    args: { id: t.arg.id({ description: 'The user id.' }), email: t.arg.string({ description: 'The sign-in address.' }) },
    resolve: (_root, args, { services }) => {
      const hasId = args.id != null;
      if (hasId === (args.email != null)) throw badInput('id', 'give exactly one of id and email');
      if (hasId) return services.userDirectory.findById(String(args.id));
      return services.userDirectory.findByEmail(args.email!);
    },
  }),
);
