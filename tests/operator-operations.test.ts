// Every operation of the operator API over real HTTP on the admin listener, and what the user then
// sees through the public API and in a real mailbox: pages walked while users come and go, each
// filter, cursor and lookup rule, the AdminUser fields, each mutation's message, effect, event
// (by an operator, without address or agent), mail and errors as the contract words them, and
// importUsers down to an imported bcrypt user signing in with the old system's password.
import { setTimeout as sleep } from 'node:timers/promises';
import bcrypt from 'bcrypt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, signIn, signUpNewUser } from './support/accounts.ts';
import { ADMIN_ENV, type AdminResponse, adminRequest, createKey, OPERATOR_MAIL } from './support/operator-api.ts';
import { GOOD_PASSWORD, ME, RESET_PASSWORD, SEND_MAIL, SIGN_IN, SIGN_IN_WITH_TWO_FACTOR, SIGN_UP, uniqueEmail } from './support/operations.ts';
import { PASSKEY_ENV, PASSKEY_ORIGIN, passkeySignIn, registerPasskey } from './support/passkeys.ts';
import { codeIn, MAIL, type ReceivedMail, resetCodeIn, type SmtpSink } from './support/smtp-sink.ts';
import { SoftAuthenticator } from './support/soft-authenticator.ts';
import { startAppWithMailbox, startSecondInstance, startTestApp, type TestApp, type TestAppWithMailbox } from './support/test-app.ts';
import type { GraphqlResponse, TestClient, UntypedData } from './support/test-client.ts';
import { turnOnTwoFactor } from './support/two-factor.ts';

const KEY_NAME = 'support desk';
const NEW_PASSWORD = 'amber-lantern-walrus-77';
const SENT = 'If an account exists for that email, a reset code has been sent.';
const UNKNOWN_ID = '8d4c1b5e-0000-4000-8000-000000000000';
const ORDERS = ['CREATED_AT_DESC', 'CREATED_AT_ASC', 'EMAIL_ASC'] as const;
type Order = (typeof ORDERS)[number];


/** What an operator reads of an account after each change. */
const USER_FIELDS = `id email username createdAt emailVerified hasPassword legacyPasswordHash twoFactorEnabled recoveryCodesLeft
  factors { kind enabledAt } disabled disabledAt disabledUntil disabledReason lastSignInAt sessions { id createdAt }`;
const EVENT_FIELDS = 'kind byOperator ipAddress userAgent operatorKey { keyId name }';

const INPUT_TYPES = {
  createUser: 'CreateUserInput',
  sendInvitation: 'UserIdInput',
  disableUser: 'DisableUserInput',
  enableUser: 'EnableUserInput',
  revokeUserSessions: 'UserIdInput',
  revokeUserSession: 'RevokeUserSessionInput',
  forcePasswordReset: 'ForcePasswordResetInput',
  markEmailVerified: 'UserIdInput',
  disableUserTwoFactor: 'DisableUserTwoFactorInput',
  removeUser: 'RemoveUserInput',
  importUsers: 'ImportUsersInput',
} as const;
type Mutation = keyof typeof INPUT_TYPES;

const IMPORT_SELECTION = 'dryRun created valid skipped rejected results { index email status code field message id }';
const defaultSelection = (name: Mutation) => (name === 'removeUser' ? 'message' : name === 'importUsers' ? IMPORT_SELECTION : `message user { ${USER_FIELDS} }`);

type AdminError = NonNullable<AdminResponse['body']['errors']>[number];

/** The operator API as one key calls it, over HTTP. */
interface OperatorApi {
  keyId: string;
  /** Any query; its `data`, after checking it answered 200 without errors. */
  read(query: string, variables?: Record<string, unknown>): Promise<UntypedData>;
  /** A query's one error, after checking it answered 200 with `data` null (or only the erring field null). */
  readRefused(query: string, variables?: Record<string, unknown>): Promise<AdminError>;
  /** A mutation that must succeed: its payload. */
  mutate(name: Mutation, input: Record<string, unknown>, selection?: string): Promise<UntypedData>;
  /** A mutation that must fail: its one error (HTTP 200, `data` null). */
  refused(name: Mutation, input: Record<string, unknown>): Promise<AdminError>;
  /** The account as an operator sees it, or null. */
  user(id: string): Promise<UntypedData | null>;
  /** The account's events as an operator sees them, newest first. */
  events(id: string, limit?: number): Promise<UntypedData[]>;
}

function operatorApi(t: TestApp, key: string): OperatorApi {
  const send = (query: string, variables: Record<string, unknown> = {}) => adminRequest<UntypedData>(t, key, query, variables);
  const data = (res: AdminResponse<UntypedData>): UntypedData => {
    expect(res.body.errors).toBeUndefined();
    expect(res.status).toBe(200);
    return res.body.data!;
  };
  const oneError = (res: AdminResponse<UntypedData>): AdminError => {
    expect(res.status).toBe(200);
    expect(res.body.errors).toHaveLength(1);
    return res.body.errors![0]!;
  };
  const mutation = (name: Mutation, input: Record<string, unknown>, selection = defaultSelection(name)) =>
    send(`mutation($input: ${INPUT_TYPES[name]}!) { ${name}(input: $input) { ${selection} } }`, { input });
  const api: OperatorApi = {
    keyId: key.split('_')[1]!,
    read: async (query, variables) => data(await send(query, variables)),
    async readRefused(query, variables) {
      return oneError(await send(query, variables));
    },
    async mutate(name, input, selection) {
      return data(await mutation(name, input, selection))[name];
    },
    async refused(name, input) {
      const res = await mutation(name, input);
      expect(res.body.data).toBeNull();
      return oneError(res);
    },
    async user(id) {
      return (await api.read(`query($id: ID!) { user(id: $id) { ${USER_FIELDS} } }`, { id })).user;
    },
    async events(id, limit = 100) {
      return (await api.read(`query($id: ID!, $limit: Int) { user(id: $id) { securityEvents(limit: $limit) { ${EVENT_FIELDS} } } }`, { id, limit })).user.securityEvents;
    },
  };
  return api;
}

/** What the user reads of their own account's activity through the public API. */
async function eventsSeenBy(client: TestClient): Promise<{ kind: string; byOperator: boolean; ipAddress: string | null; userAgent: string | null }[]> {
  const res = await client.graphql('query { securityEvents(limit: 100) { kind byOperator ipAddress userAgent } }');
  expect(res.errors).toBeUndefined();
  return res.data!.securityEvents;
}

/** The user sees exactly `count` events of `kind`, each by an operator, with no address or agent. */
async function expectUserSeesOperatorEvent(client: TestClient, kind: string, count = 1): Promise<void> {
  const seen = (await eventsSeenBy(client)).filter((event) => event.kind === kind);
  expect(seen).toEqual(Array.from({ length: count }, () => ({ kind, byOperator: true, ipAddress: null, userAgent: null })));
}

/** What a sign-in answers: its message, or its error code. */
async function signInOutcome(t: TestApp, email: string, password: string): Promise<string | undefined> {
  const res = await t.client().graphql(SIGN_IN, { input: { email, password } });
  return res.data?.signIn?.message ?? errorCode(res);
}

/** A session-cookie or device-cookie header on an answer, if it set one. */
const authCookies = (res: GraphqlResponse) => res.headers.getSetCookie().filter((header) => /^(access_token|device_token)=/.test(header));

/** Resolves once the outbox is empty: every queued mail sent (or dropped), every background task done. */
async function outboxEmpty(t: TestApp): Promise<void> {
  await expect.poll(async () => (await t.app.services.mailSender.backlog()).pending, { timeout: 30_000, interval: 50 }).toBe(0);
  await t.app.services.background.drain();
}

/** The mails `email` received while `action` ran (and its mails went out). */
async function mailsDuring(t: TestAppWithMailbox, email: string, action: () => Promise<unknown>): Promise<ReceivedMail[]> {
  await outboxEmpty(t);
  const before = t.sink.mailsTo(email).length;
  await action();
  await outboxEmpty(t);
  return t.sink.mailsTo(email).slice(before);
}

/** A new signed-in client for `email`, and its session id. */
async function secondDevice(t: TestApp, email: string, password = GOOD_PASSWORD): Promise<{ client: TestClient; sessionId: string }> {
  const client = t.client();
  return { client, sessionId: await signIn(client, email, password) };
}

const signedIn = async (client: TestClient) => (await client.graphql(ME)).data?.me != null;

let unique = 0;
/** A prefix no other test's emails start with (lower-case, as stored). */
const uniquePrefix = (what: string) => `${what}${(unique += 1)}-${process.pid}-${Date.now()}-`;

describe('finding users over HTTP', () => {
  let t: TestApp;
  let api: OperatorApi;
  beforeAll(async () => {
    t = await startTestApp({ env: { ...ADMIN_ENV, ...PASSKEY_ENV } });
    api = operatorApi(t, await createKey(t, 'write', KEY_NAME));
  });
  afterAll(() => t?.close());

  const PAGE = `query($first: Int, $after: String, $filter: UserFilter, $orderBy: UserOrder) {
    users(first: $first, after: $after, filter: $filter, orderBy: $orderBy) { nodes { id email createdAt } pageInfo { hasNextPage endCursor } } }`;

  const page = async (variables: { first?: number; after?: string | null; filter?: Record<string, unknown>; orderBy?: Order }) =>
    (await api.read(PAGE, variables)).users as { nodes: { id: string; email: string; createdAt: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };

  /** The emails the filter finds (one page of 200, by email), and the count the API gives for it. */
  async function found(filter: Record<string, unknown>): Promise<{ emails: string[]; totalCount: number }> {
    const data = await api.read(
      `query($first: Int, $filter: UserFilter) { users(first: $first, filter: $filter, orderBy: EMAIL_ASC) { nodes { email } totalCount pageInfo { hasNextPage } } }`,
      { first: 200, filter },
    );
    expect(data.users.pageInfo.hasNextPage).toBe(false);
    return { emails: data.users.nodes.map((node: { email: string }) => node.email), totalCount: data.users.totalCount };
  }

  async function importAll(users: Record<string, unknown>[]): Promise<Map<string, string>> {
    const report = await api.mutate('importUsers', { users });
    expect(report.created).toBe(users.length);
    return new Map(report.results.map((result: { email: string; id: string }) => [result.email, result.id]));
  }

  /** Whether `a` comes before `b` in the order the contract promises: createdAt then id, or email. */
  function before(order: Order, a: { id: string; email: string; createdAt: string }, b: typeof a): boolean {
    if (order === 'EMAIL_ASC') return a.email < b.email;
    const byKey = Date.parse(a.createdAt) - Date.parse(b.createdAt) || (a.id < b.id ? -1 : 1);
    return order === 'CREATED_AT_ASC' ? byKey < 0 : byKey > 0;
  }

  it.each(ORDERS)(
    'walked with %s while users are inserted and deleted between pages, returns every user present for the whole walk exactly once, in order',
    async (orderBy) => {
      const prefix = uniquePrefix(`walk-${orderBy.toLowerCase().replaceAll('_', '')}`);
      // Most of them share one createdAt to the millisecond: the id breaks the tie.
      const tie = '2024-03-01T10:00:00.000Z';
      const email = (n: number) => `${prefix}${String(n).padStart(3, '0')}@example.com`;
      const createdAt = (n: number) => (n % 5 === 0 ? new Date(Date.parse(tie) + (n - 15) * 60_000).toISOString() : tie);
      const ids = await importAll(Array.from({ length: 30 }, (_, i) => ({ email: email(i * 3), createdAt: createdAt(i * 3) })));
      const present = new Set(ids.values());
      // Deleted one by one between pages, wherever they sort; so are the ends of pages (the cursor's own rows).
      const doomed = [...ids.values()].filter((_, i) => i % 7 === 3);
      for (const id of doomed) present.delete(id);

      const seen: { id: string; email: string; createdAt: string }[] = [];
      let after: string | null = null;
      for (let pages = 0; ; pages += 1) {
        expect(pages).toBeLessThan(50);
        const { nodes, pageInfo } = await page({ first: 4, after, filter: { emailPrefix: prefix }, orderBy });
        seen.push(...nodes);
        if (!pageInfo.hasNextPage) break;
        expect(nodes).toHaveLength(4);
        after = pageInfo.endCursor;
        // The row the cursor was made from goes away; a user not yet reached too; new ones arrive with the same createdAt.
        const last = nodes.at(-1)!;
        present.delete(last.id);
        expect((await api.mutate('removeUser', { id: last.id, reason: 'walk test', notify: false })).message).toBe('user removed!');
        const next = doomed.shift();
        if (next && !seen.some((user) => user.id === next)) await api.mutate('removeUser', { id: next, reason: 'walk test', notify: false });
        // New users with the tie's createdAt: emails between the first ones', random ids on either side of the cursor.
        await importAll([
          { email: email(((pages * 13) % 30) * 3 + 1), createdAt: tie },
          { email: email(((pages * 7 + 5) % 30) * 3 + 2), createdAt: tie },
        ]);
      }

      const seenIds = seen.map((user) => user.id);
      expect(new Set(seenIds).size).toBe(seenIds.length);
      for (const id of present) expect(seenIds.filter((seenId) => seenId === id)).toHaveLength(1);
      for (let i = 1; i < seen.length; i += 1) expect(before(orderBy, seen[i - 1]!, seen[i]!)).toBe(true);
    },
  );

  it('filters over HTTP: prefixes with % and _ literal, case-insensitive usernames, each state, created dates; totalCount agrees', async () => {
    const p = uniquePrefix('filter');
    const plain = await signUpNewUser(t, { email: `${p}plain@example.com` });
    const withTwoFactor = await signUpNewUser(t, { email: `${p}twofactor@example.com` });
    await turnOnTwoFactor(withTwoFactor.client);
    const legacyHash = await bcrypt.hash('old-system-password-1', 4);
    const imported = await importAll([
      { email: `${p}verified@example.com`, emailVerified: true, createdAt: '2021-01-01T00:00:00.000Z' },
      { email: `${p}legacy@example.com`, passwordHash: legacyHash, createdAt: '2020-01-01T00:00:00.000Z' },
      { email: `${p}a%b@example.com`, username: `Mixed${p}Case`, createdAt: '2022-01-01T00:00:00.000Z' },
      { email: `${p}axb@example.com`, username: `mixed${p}other` },
      { email: `${p}a_b@example.com` },
      { email: `${p}ayb@example.com` },
    ]);
    const invited = await api.mutate('createUser', { email: `${p}disabled@example.com`, sendInvitation: false });
    await api.mutate('disableUser', { id: invited.user.id, reason: 'filter test' });

    const all = [...imported.keys(), plain.email, withTwoFactor.email, invited.user.email].sort();
    const only = (...names: string[]) => names.map((name) => `${p}${name}@example.com`).sort();
    const within = (filter: Record<string, unknown>) => found({ emailPrefix: p, ...filter });

    expect(await within({})).toEqual({ emails: all, totalCount: 9 });
    // % and _ match only themselves; the prefix is normalised as an email.
    expect(await within({ emailPrefix: `${p}a%` })).toEqual({ emails: only('a%b'), totalCount: 1 });
    expect(await within({ emailPrefix: `${p}a_` })).toEqual({ emails: only('a_b'), totalCount: 1 });
    expect(await within({ emailPrefix: `  ${p.toUpperCase()}A_B@EXAMPLE` })).toEqual({ emails: only('a_b'), totalCount: 1 });
    expect(await found({ usernamePrefix: `MIXED${p}` })).toEqual({ emails: only('a%b', 'axb'), totalCount: 2 });
    expect(await found({ usernamePrefix: `mixed${p}c` })).toEqual({ emails: only('a%b'), totalCount: 1 });
    expect(await found({ usernamePrefix: `mixed${p}_` })).toEqual({ emails: [], totalCount: 0 });

    expect(await within({ disabled: true })).toEqual({ emails: only('disabled'), totalCount: 1 });
    expect((await within({ disabled: false })).emails).toEqual(all.filter((email) => email !== invited.user.email));
    expect(await within({ hasPassword: true })).toEqual({ emails: only('legacy', 'plain', 'twofactor'), totalCount: 3 });
    expect((await within({ hasPassword: false })).totalCount).toBe(6);
    expect(await within({ legacyPasswordHash: true })).toEqual({ emails: only('legacy'), totalCount: 1 });
    expect(await within({ emailVerified: true })).toEqual({ emails: only('verified'), totalCount: 1 });
    expect(await within({ twoFactorEnabled: true })).toEqual({ emails: only('twofactor'), totalCount: 1 });
    expect((await within({ twoFactorEnabled: false })).totalCount).toBe(8);
    // Strictly after and strictly before.
    expect(await within({ createdAfter: '2020-01-01T00:00:00.000Z', createdBefore: '2022-01-01T00:00:00.000Z' })).toEqual({ emails: only('verified'), totalCount: 1 });
    expect(await within({ createdBefore: '2021-01-01T00:00:00.001Z' })).toEqual({ emails: only('legacy', 'verified'), totalCount: 2 });
    // Filters combine with AND.
    expect(await within({ hasPassword: false, createdBefore: '2023-01-01T00:00:00.000Z' })).toEqual({ emails: only('a%b', 'verified'), totalCount: 2 });

    // totalCount counts the whole filter, not the page.
    const small = await api.read(`query($filter: UserFilter) { users(first: 2, filter: $filter) { nodes { id } totalCount pageInfo { hasNextPage } } }`, {
      filter: { emailPrefix: p },
    });
    expect(small.users).toMatchObject({ totalCount: 9, pageInfo: { hasNextPage: true } });
    expect(small.users.nodes).toHaveLength(2);
  });

  it('refuses a cursor of another order or filter, altered or made up, naming `after`; and first outside 1..200, naming `first`', async () => {
    const p = uniquePrefix('cursor');
    await importAll([{ email: `${p}1@example.com` }, { email: `${p}2@example.com` }, { email: `${p}3@example.com` }]);
    const filter = { emailPrefix: p };
    const cursor = (await page({ first: 1, filter, orderBy: 'CREATED_AT_DESC' })).pageInfo.endCursor!;
    // The same filter spelled another way is the same filter.
    expect((await page({ first: 1, after: cursor, filter: { emailPrefix: p.toUpperCase() }, orderBy: 'CREATED_AT_DESC' })).nodes).toHaveLength(1);

    const afterRefused = async (variables: Parameters<typeof page>[0]) => {
      const error = await api.readRefused(PAGE, variables);
      expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
      expect(error.message).toMatch(/^after: /);
    };
    await afterRefused({ first: 1, after: cursor, filter, orderBy: 'CREATED_AT_ASC' });
    await afterRefused({ first: 1, after: cursor, filter, orderBy: 'EMAIL_ASC' });
    await afterRefused({ first: 1, after: cursor, filter: { emailPrefix: p, hasPassword: false }, orderBy: 'CREATED_AT_DESC' });
    await afterRefused({ first: 1, after: cursor, filter: {}, orderBy: 'CREATED_AT_DESC' });
    const middle = Math.floor(cursor.length / 2);
    const altered = `${cursor.slice(0, middle)}${cursor[middle] === 'A' ? 'B' : 'A'}${cursor.slice(middle + 1)}`;
    await afterRefused({ first: 1, after: altered, filter, orderBy: 'CREATED_AT_DESC' });
    await afterRefused({ first: 1, after: 'not-a-cursor', filter, orderBy: 'CREATED_AT_DESC' });
    await afterRefused({ first: 1, after: Buffer.from(JSON.stringify({ order: 'CREATED_AT_DESC', key: {} })).toString('base64url'), filter, orderBy: 'CREATED_AT_DESC' });

    for (const first of [0, 201, -1]) {
      const error = await api.readRefused(PAGE, { first, filter });
      expect(error).toMatchObject({ message: 'first: must be from 1 to 200', extensions: { code: 'BAD_USER_INPUT', field: 'first' } });
    }
    expect((await page({ first: 200, filter })).nodes).toHaveLength(3);
  });

  it('answers a page of 200 with `first` written into the query, not only as a variable', async () => {
    const p = uniquePrefix('literal');
    await importAll([{ email: `${p}1@example.com` }, { email: `${p}2@example.com` }]);
    const data = await api.read(
      `query($p: String) { users(first: 200, filter: { emailPrefix: $p }) { totalCount nodes { id email username createdAt emailVerified disabled lastSignInAt hasPassword } } }`,
      { p },
    );
    expect(data.users.totalCount).toBe(2);
    expect(data.users.nodes.map((node: { email: string }) => node.email).sort()).toEqual([`${p}1@example.com`, `${p}2@example.com`]);
  });

  it('user(id) and user(email) (normalised) find one account; both or neither is refused naming `id`; nothing matching is null', async () => {
    const { email, userId } = await signUpNewUser(t);
    // Only the variables the arguments use are declared (GraphQL refuses unused ones).
    const lookup = (args: string) => {
      const declared = ['$id: ID', '$email: String'].filter((variable) => args.includes(variable.split(':')[0]!));
      return `query${declared.length ? `(${declared.join(', ')})` : ''} { user${args ? `(${args})` : ''} { id email } }`;
    };
    expect((await api.read(lookup('id: $id'), { id: userId })).user).toEqual({ id: userId, email });
    expect((await api.read(lookup('email: $email'), { email: `  ${email.toUpperCase()} ` })).user).toEqual({ id: userId, email });

    for (const [args, variables] of [
      ['id: $id, email: $email', { id: userId, email }],
      ['', {}],
      ['id: $id, email: $email', {}],
      ['id: null, email: null', {}],
    ] as const) {
      const error = await api.readRefused(lookup(args), variables);
      expect(error).toMatchObject({ message: 'id: give exactly one of id and email', extensions: { code: 'BAD_USER_INPUT', field: 'id' } });
    }
    expect((await api.read(lookup('id: $id'), { id: UNKNOWN_ID })).user).toBeNull();
    expect((await api.read(lookup('id: $id'), { id: 'not-a-uuid' })).user).toBeNull();
    expect((await api.read(lookup('email: $email'), { email: uniqueEmail('nobody') })).user).toBeNull();
  });

  it('AdminUser: factors (TOTP and each passkey), recovery codes, sessions newest first, lastSignInAt moving at signIn', async () => {
    const user = await signUpNewUser(t);
    const fresh = await api.user(user.userId);
    expect(fresh).toMatchObject({ email: user.email, username: 'Tester', hasPassword: true, legacyPasswordHash: false, twoFactorEnabled: false, factors: [], disabled: false });
    expect(fresh!.sessions).toHaveLength(1);
    // signUp's session counts as a sign-in.
    expect(fresh!.lastSignInAt).toBe(fresh!.sessions[0].createdAt);

    await sleep(10);
    const laptop = await secondDevice(t, user.email);
    const afterSignIn = await api.user(user.userId);
    expect(afterSignIn!.sessions.map((s: { id: string }) => s.id)).toEqual([laptop.sessionId, fresh!.sessions[0].id]);
    expect(Date.parse(afterSignIn!.lastSignInAt)).toBeGreaterThan(Date.parse(fresh!.lastSignInAt));
    expect(afterSignIn!.lastSignInAt).toBe(afterSignIn!.sessions[0].createdAt);

    const authenticator = new SoftAuthenticator(PASSKEY_ORIGIN);
    await registerPasskey(user.client, authenticator, 'first');
    await registerPasskey(user.client, authenticator, 'second');
    const { recoveryCodes } = await turnOnTwoFactor(user.client);
    const secured = await api.user(user.userId);
    expect(secured).toMatchObject({ twoFactorEnabled: true, recoveryCodesLeft: recoveryCodes.length });
    expect(secured!.factors.map((f: { kind: string }) => f.kind)).toEqual(['TOTP', 'PASSKEY', 'PASSKEY']);
    for (const factor of secured!.factors) expect(Date.parse(factor.enabledAt)).toBeGreaterThanOrEqual(Date.parse(fresh!.createdAt));
    // What the user sees agrees.
    expect((await user.client.graphql('query { me { twoFactorEnabled recoveryCodesLeft } }')).data?.me).toEqual({ twoFactorEnabled: true, recoveryCodesLeft: recoveryCodes.length });
  });

  it('AdminUser.securityEvents: newest first, the operator key on operator events and null on the user\'s own, limit 1..100', async () => {
    const { userId } = await signUpNewUser(t);
    await api.mutate('markEmailVerified', { id: userId });
    // Events of one millisecond would be ordered by id: apart, the order is the order they happened in.
    await sleep(5);
    await api.mutate('disableUser', { id: userId, reason: 'looking into it', until: new Date(Date.now() + 86_400_000).toISOString() });

    const events = await api.events(userId);
    const byOperator = { byOperator: true, ipAddress: null, userAgent: null, operatorKey: { keyId: api.keyId, name: KEY_NAME } };
    expect(events.slice(0, 2)).toEqual([
      { kind: 'ACCOUNT_DISABLED', ...byOperator },
      { kind: 'EMAIL_VERIFIED', ...byOperator },
    ]);
    expect(events.at(-1)).toMatchObject({ kind: 'SIGN_UP', byOperator: false, operatorKey: null, ipAddress: '127.0.0.1' });
    expect(await api.events(userId, 1)).toEqual([{ kind: 'ACCOUNT_DISABLED', ...byOperator }]);

    for (const limit of [0, 101]) {
      const error = await api.readRefused(`query($id: ID!, $limit: Int) { user(id: $id) { id securityEvents(limit: $limit) { kind } } }`, { id: userId, limit });
      expect(error).toMatchObject({ message: 'limit: must be between 1 and 100', extensions: { code: 'BAD_USER_INPUT', field: 'limit' }, path: ['user', 'securityEvents'] });
    }

    const disabled = await api.user(userId);
    expect(disabled).toMatchObject({ disabled: true, disabledReason: 'looking into it', emailVerified: true, sessions: [] });
  });
});

describe('operator mutations over HTTP, as the user sees them', () => {
  let t: TestAppWithMailbox;
  let sink: SmtpSink;
  let api: OperatorApi;
  beforeAll(async () => {
    t = await startAppWithMailbox({ ...ADMIN_ENV, ...PASSKEY_ENV });
    sink = t.sink;
    api = operatorApi(t, await createKey(t, 'write', KEY_NAME));
  });
  afterAll(() => t?.close());

  const codeNowhereButTheMailbox = (code: string, ...answers: unknown[]) => {
    for (const answer of answers) expect(JSON.stringify(answer)).not.toContain(code);
    expect(t.logger.lines.filter((line) => line.includes(code))).toEqual([]);
  };

  describe('createUser and sendInvitation', () => {
    it('creates an account without a password whose invitation, accepted with the public resetPassword, sets the first password and verifies the address', async () => {
      const email = uniqueEmail('invited');
      let created: UntypedData = {};
      const mails = await mailsDuring(t, email, async () => {
        created = await api.mutate('createUser', { email: `  ${email.toUpperCase()} ` });
      });
      expect(created.message).toBe('user created!');
      expect(created.user).toMatchObject({ email, username: email.split('@')[0], emailVerified: false, hasPassword: false, disabled: false, sessions: [] });

      // One mail: the invitation (no verification code).
      expect(mails).toHaveLength(1);
      const invitation = mails[0]!;
      expect(invitation.subject).toMatch(OPERATOR_MAIL.invitation);
      expect(invitation.subject).not.toMatch(/two-factor/i);
      const code = codeIn(invitation);
      for (const part of [invitation.text, invitation.html]) expect(part).toContain('expires in 7 days');
      codeNowhereButTheMailbox(code, created);

      // No password yet: as for an unknown email.
      expect(await signInOutcome(t, email, GOOD_PASSWORD)).toBe('INVALID_CREDENTIALS');
      const accepted = await t.client().graphql(RESET_PASSWORD, { input: { email, code, newPassword: NEW_PASSWORD } });
      expect(accepted.errors).toBeUndefined();
      expect(accepted.data?.resetPassword.message).toBe('password reset successful!');
      expect(authCookies(accepted)).toEqual([]);
      expect(await api.user(created.user.id)).toMatchObject({ emailVerified: true, hasPassword: true, sessions: [] });

      const { client } = await secondDevice(t, email, NEW_PASSWORD);
      expect((await client.graphql(ME)).data?.me).toMatchObject({ email, emailVerified: true });
      await expectUserSeesOperatorEvent(client, 'ACCOUNT_CREATED');

      const taken = await api.refused('createUser', { email: email.toUpperCase() });
      expect(taken).toMatchObject({ message: 'an account with this email already exists', extensions: { code: 'EMAIL_TAKEN' } });
    });

    it('takes the username given or cuts the default to 64; honours emailVerified; without sendInvitation mails nothing; refuses bad input naming the field', async () => {
      const named = uniqueEmail('named');
      const namedMails = await mailsDuring(t, named, async () => {
        const res = await api.mutate('createUser', { email: named, username: '  Ana Lima ', emailVerified: true, sendInvitation: false });
        expect(res.user).toMatchObject({ username: 'Ana Lima', emailVerified: true, hasPassword: false });
      });
      expect(namedMails).toEqual([]);

      const local = `${'x'.repeat(70)}${Date.now()}`;
      const cut = await api.mutate('createUser', { email: `${local}@example.com`, sendInvitation: false });
      expect(cut.user.username).toBe(local.slice(0, 64));

      const bad = await api.refused('createUser', { email: 'not an email' });
      expect(bad).toMatchObject({ message: 'email: is not a valid email address', extensions: { code: 'BAD_USER_INPUT', field: 'email' } });
      const longName = await api.refused('createUser', { email: uniqueEmail(), username: 'u'.repeat(65) });
      expect(longName.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'username' });
    });

    it('sendInvitation mails a new code that replaces the first; CONFLICT once the user has a password, or is disabled', async () => {
      const email = uniqueEmail('reinvited');
      const { user } = await api.mutate('createUser', { email });
      const first = codeIn(await sink.waitForMail(email, 1, OPERATOR_MAIL.invitation));

      const sent = await api.mutate('sendInvitation', { id: user.id });
      expect(sent.message).toBe('invitation sent!');
      expect(sent.user).toMatchObject({ id: user.id, hasPassword: false });
      const second = codeIn(await sink.waitForMail(email, 2, OPERATOR_MAIL.invitation));
      codeNowhereButTheMailbox(second, sent);
      expect(errorCode(await t.client().graphql(RESET_PASSWORD, { input: { email, code: first, newPassword: NEW_PASSWORD } }))).toBe('INVALID_CODE');
      expect((await t.client().graphql(RESET_PASSWORD, { input: { email, code: second, newPassword: NEW_PASSWORD } })).data?.resetPassword.message).toBe(
        'password reset successful!',
      );

      const { client } = await secondDevice(t, email, NEW_PASSWORD);
      await expectUserSeesOperatorEvent(client, 'PASSWORD_RESET_REQUESTED');
      await expectUserSeesOperatorEvent(client, 'ACCOUNT_CREATED');

      expect(await api.refused('sendInvitation', { id: user.id })).toMatchObject({ message: 'user already has a password', extensions: { code: 'CONFLICT' } });
      const { user: other } = await api.mutate('createUser', { email: uniqueEmail(), sendInvitation: false });
      await api.mutate('disableUser', { id: other.id, reason: 'hold', notify: false });
      expect(await api.refused('sendInvitation', { id: other.id })).toMatchObject({ message: 'user is disabled', extensions: { code: 'CONFLICT' } });
    });
  });

  describe('disableUser and enableUser', () => {
    it('refuses the right password with ACCOUNT_DISABLED and no cookie, every token at once on every instance; sendMail mails nothing; the notice keeps the reason to operators', async () => {
      const { client, email, userId } = await signUpNewUser(t);
      const phone = await secondDevice(t, email);
      const second = await startSecondInstance(t);
      try {
        const onSecond = second.client();
        await onSecond.useToken((await phone.client.token())!);
        expect(await signedIn(onSecond)).toBe(true);

        let disabled: UntypedData = {};
        const mails = await mailsDuring(t, email, async () => {
          disabled = await api.mutate('disableUser', { id: userId, reason: '  chargeback investigation #4471 ' });
        });
        expect(disabled.message).toBe('user disabled!');
        expect(disabled.user).toMatchObject({ disabled: true, disabledReason: 'chargeback investigation #4471', disabledUntil: null, sessions: [] });
        expect(disabled.user.disabledAt).toEqual(expect.any(String));

        // Every token refused at once, here and on the other instance.
        const me = await client.graphql(ME);
        expect(me.data?.me).toBeNull();
        expect(me.setCookie).toMatchObject({ value: '', maxAge: 0 });
        expect(await signedIn(phone.client)).toBe(false);
        expect(await signedIn(onSecond)).toBe(false);

        expect(mails).toHaveLength(1);
        expect(mails[0]!.subject).toMatch(OPERATOR_MAIL.disabled);
        expect(mails[0]!.subject).not.toMatch(/two-factor/i);
        for (const part of [mails[0]!.text, mails[0]!.html]) expect(part).not.toContain('chargeback');

        const refused = await t.client().graphql(SIGN_IN, { input: { email, password: GOOD_PASSWORD } });
        expect(refused.data).toBeNull();
        expect(refused.errors).toEqual([expect.objectContaining({ message: 'this account is disabled: contact support', extensions: { code: 'ACCOUNT_DISABLED' } })]);
        expect(authCookies(refused)).toEqual([]);
        expect(await signInOutcome(t, email, 'wrong-password-entirely-9')).toBe('INVALID_CREDENTIALS');
        expect(await api.user(userId)).toMatchObject({ sessions: [] });

        // "Forgot password" answers as always and mails nothing.
        const forgot = await mailsDuring(t, email, async () => {
          expect((await t.client().graphql(SEND_MAIL, { input: { email } })).data?.sendMail.message).toBe(SENT);
        });
        expect(forgot).toEqual([]);
      } finally {
        await second.close();
      }
    });

    it('disabling twice keeps disabledAt and replaces reason and end; enableUser clears them, mails the notice, sessions stay revoked; CONFLICT when not disabled', async () => {
      const { client, email, userId } = await signUpNewUser(t);
      const first = await api.mutate('disableUser', { id: userId, reason: 'first', notify: false });
      const until = new Date(Date.now() + 86_400_000).toISOString();
      const again = await api.mutate('disableUser', { id: userId, reason: 'second', until, notify: false });
      expect(again.user).toMatchObject({ disabledAt: first.user.disabledAt, disabledReason: 'second', disabledUntil: until, disabled: true });
      const refused = await t.client().graphql(SIGN_IN, { input: { email, password: GOOD_PASSWORD } });
      expect(refused.errors?.[0]).toMatchObject({ message: 'this account is disabled: contact support', extensions: { code: 'ACCOUNT_DISABLED', disabledUntil: until } });

      let enabled: UntypedData = {};
      const mails = await mailsDuring(t, email, async () => {
        enabled = await api.mutate('enableUser', { id: userId });
      });
      expect(enabled.message).toBe('user enabled!');
      expect(enabled.user).toMatchObject({ disabled: false, disabledAt: null, disabledUntil: null, disabledReason: null, sessions: [] });
      expect(mails.map((mail) => mail.subject)).toEqual([expect.stringMatching(OPERATOR_MAIL.enabled)]);
      expect(mails[0]!.subject).not.toMatch(/two-factor/i);

      expect(await signedIn(client)).toBe(false);
      const { client: back } = await secondDevice(t, email);
      await expectUserSeesOperatorEvent(back, 'ACCOUNT_DISABLED', 2);
      await expectUserSeesOperatorEvent(back, 'ACCOUNT_ENABLED');

      expect(await api.refused('enableUser', { id: userId })).toMatchObject({ message: 'user is not disabled', extensions: { code: 'CONFLICT' } });
      // Without notify: no mail either way.
      const quiet = await mailsDuring(t, email, async () => {
        await api.mutate('disableUser', { id: userId, reason: 'quiet', notify: false });
        await api.mutate('enableUser', { id: userId, notify: false });
      });
      expect(quiet).toEqual([]);
    });

    it('a disable that ends in a couple of seconds lets the user sign in again by itself, without enableUser', async () => {
      const { email, userId } = await signUpNewUser(t);
      const until = new Date(Date.now() + 2_000);
      await api.mutate('disableUser', { id: userId, reason: 'cool-off', until: until.toISOString(), notify: false });
      expect(await signInOutcome(t, email, GOOD_PASSWORD)).toBe('ACCOUNT_DISABLED');
      await sleep(until.getTime() - Date.now() + 200);

      expect(await signInOutcome(t, email, GOOD_PASSWORD)).toBe('login successful!');
      expect(await api.user(userId)).toMatchObject({ disabled: false, disabledUntil: until.toISOString() });
      expect(await api.refused('enableUser', { id: userId })).toMatchObject({ message: 'user is not disabled', extensions: { code: 'CONFLICT' } });
    });

    it('refuses a two-factor or passkey account before any code is asked, and spends no code', async () => {
      const withCode = await signUpNewUser(t);
      const { authenticator } = await turnOnTwoFactor(withCode.client);
      const withPasskey = await signUpNewUser(t);
      const passkeys = new SoftAuthenticator(PASSKEY_ORIGIN);
      await registerPasskey(withPasskey.client, passkeys);
      for (const user of [withCode, withPasskey]) await api.mutate('disableUser', { id: user.userId, reason: 'second factor test', notify: false });

      const code = authenticator.code(1);
      for (const input of [
        { email: withCode.email, password: GOOD_PASSWORD },
        { email: withCode.email, password: GOOD_PASSWORD, code },
        { email: withPasskey.email, password: GOOD_PASSWORD },
      ]) {
        const res = await t.client().graphql(SIGN_IN, { input });
        expect(res.errors?.[0]).toMatchObject({ message: 'this account is disabled: contact support', extensions: { code: 'ACCOUNT_DISABLED' } });
        expect(authCookies(res)).toEqual([]);
      }
      const byPasskey = await passkeySignIn(t.client(), passkeys);
      expect(errorCode(byPasskey)).toBe('ACCOUNT_DISABLED');
      expect(authCookies(byPasskey)).toEqual([]);

      // The code was not spent: it signs in once the account is enabled.
      await api.mutate('enableUser', { id: withCode.userId, notify: false });
      const res = await t.client().graphql(SIGN_IN_WITH_TWO_FACTOR, { input: { email: withCode.email, password: GOOD_PASSWORD, code } });
      expect(res.errors).toBeUndefined();
      expect(res.data?.signIn.message).toBe('login successful!');
    });

    it('checks reason and until, naming the field, and changes nothing', async () => {
      const { userId } = await signUpNewUser(t);
      const refusedWith = async (input: Record<string, unknown>, field: string) => {
        const error = await api.refused('disableUser', { id: userId, reason: 'ok', ...input });
        expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
        expect(error.message).toMatch(new RegExp(`^${field}: `));
      };
      await refusedWith({ reason: '' }, 'reason');
      await refusedWith({ reason: '   ' }, 'reason');
      await refusedWith({ reason: 'r'.repeat(501) }, 'reason');
      await refusedWith({ until: new Date(Date.now() - 60_000).toISOString() }, 'until');
      await refusedWith({ until: new Date(Date.now() + 10 * 366 * 86_400_000).toISOString() }, 'until');
      expect(await api.user(userId)).toMatchObject({ disabled: false, disabledAt: null, disabledReason: null });

      const longest = await api.mutate('disableUser', { id: userId, reason: ` ${'r'.repeat(500)} `, until: new Date(Date.now() + 9 * 365 * 86_400_000).toISOString(), notify: false });
      expect(longest.user.disabledReason).toHaveLength(500);
    });
  });

  describe('sessions', () => {
    it('revokeUserSessions ends every session of the user with one event, and none when nothing was live; no mail', async () => {
      const { client, email, userId } = await signUpNewUser(t);
      const phone = await secondDevice(t, email);
      let revoked: UntypedData = {};
      const mails = await mailsDuring(t, email, async () => {
        revoked = await api.mutate('revokeUserSessions', { id: userId });
        await api.mutate('revokeUserSessions', { id: userId });
      });
      expect(mails).toEqual([]);
      expect(revoked).toMatchObject({ message: 'sessions revoked!', user: { id: userId, sessions: [] } });
      expect(await signedIn(client)).toBe(false);
      expect(await signedIn(phone.client)).toBe(false);

      const { client: back } = await secondDevice(t, email);
      await expectUserSeesOperatorEvent(back, 'SESSION_REVOKED');
    });

    it('revokeUserSession ends one live session; NOT_FOUND for a revoked, made-up or malformed id', async () => {
      const { client, email, userId } = await signUpNewUser(t);
      const phone = await secondDevice(t, email);
      let revoked: UntypedData = {};
      const mails = await mailsDuring(t, email, async () => {
        revoked = await api.mutate('revokeUserSession', { sessionId: phone.sessionId });
      });
      expect(mails).toEqual([]);
      expect(revoked.message).toBe('session revoked!');
      expect(revoked.user.id).toBe(userId);
      expect(revoked.user.sessions).toHaveLength(1);
      expect(revoked.user.sessions[0].id).not.toBe(phone.sessionId);
      expect(await signedIn(phone.client)).toBe(false);
      expect(await signedIn(client)).toBe(true);
      await expectUserSeesOperatorEvent(client, 'SESSION_REVOKED');

      for (const sessionId of [phone.sessionId, UNKNOWN_ID, 'not-a-session']) {
        expect(await api.refused('revokeUserSession', { sessionId })).toMatchObject({ message: 'not found', extensions: { code: 'NOT_FOUND' } });
      }
      await expectUserSeesOperatorEvent(client, 'SESSION_REVOKED');
    });
  });

  describe('forcePasswordReset', () => {
    it('mails the user a reset code (never to the operator or the logs) and changes nothing until it is used', async () => {
      const { client, email, userId } = await signUpNewUser(t);
      let answer: UntypedData = {};
      const mails = await mailsDuring(t, email, async () => {
        answer = await api.mutate('forcePasswordReset', { id: userId });
      });
      expect(answer).toMatchObject({ message: 'password reset code sent!', user: { hasPassword: true } });
      expect(mails.map((mail) => mail.subject)).toEqual([expect.stringMatching(MAIL.resetCode)]);
      const mail = mails[0]!;
      for (const part of [mail.text, mail.html]) {
        expect(part).toMatch(/support/i);
        expect(part).toContain('expires in 10 minutes');
      }
      const code = resetCodeIn(mail);
      codeNowhereButTheMailbox(code, answer);

      expect(await signedIn(client)).toBe(true);
      expect(await signInOutcome(t, email, GOOD_PASSWORD)).toBe('login successful!');
      await expectUserSeesOperatorEvent(client, 'PASSWORD_RESET_REQUESTED');
      expect((await eventsSeenBy(client)).filter((event) => event.kind === 'PASSWORD_INVALIDATED')).toEqual([]);

      expect((await t.client().graphql(RESET_PASSWORD, { input: { email, code, newPassword: NEW_PASSWORD } })).data?.resetPassword.message).toBe(
        'password reset successful!',
      );
      expect(await signInOutcome(t, email, NEW_PASSWORD)).toBe('login successful!');
    });

    it('with invalidateCurrentPassword the old password is refused at once and every session ends; the code sets a new one', async () => {
      const { client, email, userId } = await signUpNewUser(t);
      const phone = await secondDevice(t, email);
      const answer = await api.mutate('forcePasswordReset', { id: userId, invalidateCurrentPassword: true });
      expect(answer).toMatchObject({ message: 'password reset code sent!', user: { hasPassword: false, sessions: [] } });
      expect(await signInOutcome(t, email, GOOD_PASSWORD)).toBe('INVALID_CREDENTIALS');
      expect(await signedIn(client)).toBe(false);
      expect(await signedIn(phone.client)).toBe(false);
      // The refused sign-in just above is the user's own event (SIGN_IN_FAILED); the operator's two come before it.
      const operatorEvents = (await api.events(userId)).filter((event) => event.byOperator);
      expect(operatorEvents.map((event) => event.kind).sort()).toEqual(['PASSWORD_INVALIDATED', 'PASSWORD_RESET_REQUESTED']);

      const mail = await sink.waitForMail(email, 1, MAIL.resetCode);
      expect(mail.text).toMatch(/no longer works/);
      const code = resetCodeIn(mail);
      codeNowhereButTheMailbox(code, answer);
      expect((await t.client().graphql(RESET_PASSWORD, { input: { email, code, newPassword: NEW_PASSWORD } })).data?.resetPassword.message).toBe(
        'password reset successful!',
      );
      const { client: back } = await secondDevice(t, email, NEW_PASSWORD);
      expect(await signInOutcome(t, email, GOOD_PASSWORD)).toBe('INVALID_CREDENTIALS');
      await expectUserSeesOperatorEvent(back, 'PASSWORD_RESET_REQUESTED');
      await expectUserSeesOperatorEvent(back, 'PASSWORD_INVALIDATED');
    });

    it('answers CONFLICT for a disabled user and mails nothing', async () => {
      const { email, userId } = await signUpNewUser(t);
      await api.mutate('disableUser', { id: userId, reason: 'locked', notify: false });
      const mails = await mailsDuring(t, email, async () => {
        expect(await api.refused('forcePasswordReset', { id: userId, invalidateCurrentPassword: true })).toMatchObject({
          message: 'user is disabled',
          extensions: { code: 'CONFLICT' },
        });
      });
      expect(mails).toEqual([]);
      expect(await api.user(userId)).toMatchObject({ hasPassword: true });
    });
  });

  describe('markEmailVerified and disableUserTwoFactor', () => {
    it('markEmailVerified verifies the address the user sees, mails nothing; CONFLICT when already verified', async () => {
      const { client, email, userId } = await signUpNewUser(t);
      let answer: UntypedData = {};
      const mails = await mailsDuring(t, email, async () => {
        answer = await api.mutate('markEmailVerified', { id: userId });
      });
      expect(mails).toEqual([]);
      expect(answer).toMatchObject({ message: 'email verified!', user: { emailVerified: true } });
      expect((await client.graphql(ME)).data?.me?.emailVerified).toBe(true);
      await expectUserSeesOperatorEvent(client, 'EMAIL_VERIFIED');
      expect((await eventsSeenBy(client)).find((event) => event.kind === 'SIGN_UP')).toMatchObject({ byOperator: false });
      expect(await api.refused('markEmailVerified', { id: userId })).toMatchObject({ message: 'email already verified', extensions: { code: 'CONFLICT' } });
    });

    it('disableUserTwoFactor turns it off (sessions untouched) with the "turned off by support" notice; CONFLICT when off', async () => {
      const { client, email, userId } = await signUpNewUser(t);
      expect(await api.refused('disableUserTwoFactor', { id: userId, reason: 'lost phone' })).toMatchObject({
        message: 'two-factor is off',
        extensions: { code: 'CONFLICT' },
      });
      await turnOnTwoFactor(client);
      expect(await signInOutcome(t, email, GOOD_PASSWORD)).toBe('SECOND_FACTOR_REQUIRED');
      expect((await api.refused('disableUserTwoFactor', { id: userId, reason: '  ' })).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'reason' });

      let answer: UntypedData = {};
      const mails = await mailsDuring(t, email, async () => {
        answer = await api.mutate('disableUserTwoFactor', { id: userId, reason: 'lost phone and recovery codes, identity checked' });
      });
      expect(answer).toMatchObject({ message: 'two-factor disabled!', user: { twoFactorEnabled: false, recoveryCodesLeft: 0, factors: [] } });
      expect(answer.user.sessions.length).toBeGreaterThan(0);
      expect(mails.map((mail) => mail.subject)).toEqual([expect.stringMatching(/two-factor.*turned off by support/)]);
      expect(mails[0]!.text).not.toContain('identity checked');

      expect(await signedIn(client)).toBe(true);
      await expectUserSeesOperatorEvent(client, 'TWO_FACTOR_DISABLED');
      expect(await signInOutcome(t, email, GOOD_PASSWORD)).toBe('login successful!');
      expect(await api.refused('disableUserTwoFactor', { id: userId, reason: 'again' })).toMatchObject({ message: 'two-factor is off', extensions: { code: 'CONFLICT' } });
    });
  });

  describe('removeUser', () => {
    it('deletes the account with its events: its tokens are refused at once, the former address gets the notice, the email is free', async () => {
      const { client, email, userId } = await signUpNewUser(t);
      const token = await client.token();
      let answer: UntypedData = {};
      const mails = await mailsDuring(t, email, async () => {
        answer = await api.mutate('removeUser', { id: userId, reason: 'GDPR erasure request' });
      });
      expect(answer).toEqual({ message: 'user removed!' });
      expect(mails.map((mail) => mail.subject)).toEqual([expect.stringMatching(OPERATOR_MAIL.deleted)]);
      expect(mails[0]!.subject).not.toMatch(/two-factor/i);
      expect(mails[0]!.text).not.toContain('GDPR');

      expect(await signedIn(client)).toBe(false);
      const copied = t.client();
      await copied.useToken(token!);
      expect(await signedIn(copied)).toBe(false);
      expect(await api.user(userId)).toBeNull();
      expect(await t.app.services.prisma.securityEvent.count({ where: { userId } })).toBe(0);

      const again = await t.client().graphql(SIGN_UP, { input: { username: 'Back', email, password: GOOD_PASSWORD } });
      expect(again.data?.signUp.message).toBe('user created!');
      expect(again.data?.signUp.user.id).not.toBe(userId);
      expect(await api.refused('removeUser', { id: userId, reason: 'again' })).toMatchObject({ message: 'not found', extensions: { code: 'NOT_FOUND' } });

      const quiet = await signUpNewUser(t);
      expect(await mailsDuring(t, quiet.email, () => api.mutate('removeUser', { id: quiet.userId, reason: 'duplicate', notify: false }))).toEqual([]);
    });
  });

  it('answers NOT_FOUND for unknown and malformed user ids on every mutation, and changes nothing', async () => {
    const inputs: [Mutation, (id: string) => Record<string, unknown>][] = [
      ['sendInvitation', (id) => ({ id })],
      ['disableUser', (id) => ({ id, reason: 'x' })],
      ['enableUser', (id) => ({ id })],
      ['revokeUserSessions', (id) => ({ id })],
      ['revokeUserSession', (sessionId) => ({ sessionId })],
      ['forcePasswordReset', (id) => ({ id, invalidateCurrentPassword: true })],
      ['markEmailVerified', (id) => ({ id })],
      ['disableUserTwoFactor', (id) => ({ id, reason: 'x' })],
      ['removeUser', (id) => ({ id, reason: 'x' })],
    ];
    const users = await t.app.services.prisma.user.count();
    for (const [name, input] of inputs) {
      for (const id of [UNKNOWN_ID, 'not-a-uuid', '', "1'; DROP TABLE users; --"]) {
        const error = await api.refused(name, input(id));
        expect({ name, id, error }).toMatchObject({ name, id, error: { message: 'not found', path: [name], extensions: { code: 'NOT_FOUND' } } });
      }
    }
    expect(await t.app.services.prisma.user.count()).toBe(users);
  });
});

describe('the operator mail limit over HTTP', () => {
  let t: TestAppWithMailbox;
  let api: OperatorApi;
  beforeAll(async () => {
    t = await startAppWithMailbox({ ...ADMIN_ENV, RATE_LIMITS: 'on', RATE_LIMIT_ADMIN_MAIL_ACCOUNT: '5/3600' });
    api = operatorApi(t, await createKey(t, 'write', KEY_NAME));
  });
  afterAll(() => t?.close());

  it('refuses the 6th mail-sending operation for one account with RATE_LIMITED and retryAfter; other accounts and other operations go on', async () => {
    const email = uniqueEmail('limited');
    const { user } = await api.mutate('createUser', { email });
    for (let i = 0; i < 2; i += 1) await api.mutate('sendInvitation', { id: user.id });
    for (let i = 0; i < 2; i += 1) await api.mutate('forcePasswordReset', { id: user.id });
    for (const [name, input] of [
      ['forcePasswordReset', { id: user.id }],
      ['sendInvitation', { id: user.id }],
    ] as const) {
      const error = await api.refused(name, input);
      expect(error.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfter: expect.any(Number) });
      expect(error.extensions!.retryAfter as number).toBeGreaterThan(3500);
      expect(error.extensions!.retryAfter as number).toBeLessThanOrEqual(3600);
      expect(error.message).toBe(`too many attempts: try again in ${error.extensions!.retryAfter} seconds`);
    }
    // Operations that mail nothing are not counted; another account has a limit of its own.
    expect((await api.mutate('markEmailVerified', { id: user.id })).message).toBe('email verified!');
    const other = await api.mutate('createUser', { email: uniqueEmail('unlimited') });
    expect((await api.mutate('sendInvitation', { id: other.user.id })).message).toBe('invitation sent!');
  });
});

describe('importUsers over HTTP', () => {
  let t: TestApp;
  let api: OperatorApi;
  beforeAll(async () => {
    t = await startTestApp({ env: ADMIN_ENV });
    api = operatorApi(t, await createKey(t, 'write', KEY_NAME));
  });
  afterAll(() => t?.close());

  const countWithPrefix = async (prefix: string) =>
    (await api.read(`query($p: String) { users(filter: { emailPrefix: $p }) { totalCount } }`, { p: prefix })).users.totalCount as number;

  it('refuses 501 users in one call naming `users`, and writes nothing', async () => {
    const p = uniquePrefix('many');
    const users = Array.from({ length: 501 }, (_, i) => ({ email: `${p}${i}@example.com` }));
    const error = await api.refused('importUsers', { users });
    expect(error).toMatchObject({ message: 'users: at most 500 per call', extensions: { code: 'BAD_USER_INPUT', field: 'users' } });
    expect(await countWithPrefix(p)).toBe(0);
  });

  it('reports a mixed batch line by line; a dry run says VALID and writes nothing; the real run creates with ACCOUNT_IMPORTED events', async () => {
    const p = uniquePrefix('mixed');
    const existing = await signUpNewUser(t, { email: `${p}existing@example.com` });
    const oldPassword = 'old-system-password-1';
    const bcryptHash = await bcrypt.hash(oldPassword, 4);
    const createdAt = '2019-05-04T03:02:01.123Z';
    const users = [
      { email: `  ${p.toUpperCase()}BCRYPT@example.com`, username: 'Legacy Ana', passwordHash: bcryptHash, createdAt },
      { email: `${p}nohash@example.com`, emailVerified: true },
      { email: existing.email.toUpperCase(), passwordHash: bcryptHash },
      { email: `${p}dup@example.com` },
      { email: ` ${p}DUP@example.com` },
      { email: `${p}md5crypt@example.com`, passwordHash: '$1$saltsalt$qjXMvbEw8oaL.CzflDugX/' },
      { email: `${p}short@example.com`, passwordHash: '$2b$10$tooshort' },
      { email: 'not-an-email' },
    ];
    const expected = (status: 'VALID' | 'CREATED') => [
      { index: 1, email: `${p}bcrypt@example.com`, status, code: null, field: null, message: null },
      { index: 2, email: `${p}nohash@example.com`, status, code: null, field: null, message: null },
      { index: 3, email: existing.email, status: 'SKIPPED', code: 'EXISTS', id: existing.userId },
      { index: 4, email: `${p}dup@example.com`, status: 'REJECTED', code: 'DUPLICATE_EMAIL', field: 'email', id: null },
      { index: 5, email: `${p}dup@example.com`, status: 'REJECTED', code: 'DUPLICATE_EMAIL', field: 'email', id: null },
      { index: 6, email: `${p}md5crypt@example.com`, status: 'REJECTED', code: 'UNKNOWN_HASH_FORMAT', field: 'passwordHash', id: null },
      { index: 7, email: `${p}short@example.com`, status: 'REJECTED', code: 'MALFORMED_HASH', field: 'passwordHash', id: null },
      { index: 8, email: null, status: 'REJECTED', code: 'INVALID_EMAIL', field: 'email', id: null },
    ];

    const dry = await api.mutate('importUsers', { users, dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, created: 0, valid: 2, skipped: 1, rejected: 5 });
    expect(dry.results).toMatchObject(expected('VALID'));
    expect(dry.results[3].message).toBe('email: also on line 5');
    expect(dry.results[4].message).toBe('email: also on line 4');
    expect(JSON.stringify(dry)).not.toContain(bcryptHash);
    expect(await countWithPrefix(p)).toBe(1);

    const report = await api.mutate('importUsers', { users });
    expect(report).toMatchObject({ dryRun: false, created: 2, valid: 0, skipped: 1, rejected: 5 });
    expect(report.results).toMatchObject(expected('CREATED'));
    expect(JSON.stringify(report)).not.toContain(bcryptHash);
    const [legacyId, noHashId] = [report.results[0].id as string, report.results[1].id as string];
    expect(legacyId).toEqual(expect.stringMatching(/^[0-9a-f-]{36}$/));
    expect(await countWithPrefix(p)).toBe(3);

    expect(await api.user(legacyId)).toMatchObject({ username: 'Legacy Ana', createdAt, hasPassword: true, legacyPasswordHash: true, emailVerified: false });
    expect(await api.user(noHashId)).toMatchObject({ username: `${p}nohash`, hasPassword: false, legacyPasswordHash: false, emailVerified: true });
    for (const id of [legacyId, noHashId]) {
      expect(await api.events(id)).toEqual([
        { kind: 'ACCOUNT_IMPORTED', byOperator: true, ipAddress: null, userAgent: null, operatorKey: { keyId: api.keyId, name: KEY_NAME } },
      ]);
    }
    // The existing account was not touched.
    expect((await api.events(existing.userId)).map((event) => event.kind)).not.toContain('ACCOUNT_IMPORTED');
    expect(await signInOutcome(t, existing.email, GOOD_PASSWORD)).toBe('login successful!');
    expect(await signInOutcome(t, existing.email, oldPassword)).toBe('INVALID_CREDENTIALS');

    // A second run creates nothing.
    const rerun = await api.mutate('importUsers', { users: users.slice(0, 2) });
    expect(rerun).toMatchObject({ created: 0, skipped: 2 });
    expect(rerun.results.map((result: { id: string }) => result.id)).toEqual([legacyId, noHashId]);
  });

  it('an imported bcrypt user signs in over the public API with the old password, and the hash is no longer legacy', async () => {
    const email = uniqueEmail('bcrypt');
    const oldPassword = 'correct-horse-battery-7';
    const report = await api.mutate('importUsers', { users: [{ email, passwordHash: await bcrypt.hash(oldPassword, 5) }] });
    const id = report.results[0].id as string;
    expect(await api.user(id)).toMatchObject({ legacyPasswordHash: true, lastSignInAt: null });

    expect(await signInOutcome(t, email, 'not-the-old-password-1')).toBe('INVALID_CREDENTIALS');
    const { client } = await secondDevice(t, email, oldPassword);
    expect((await client.graphql(ME)).data?.me).toMatchObject({ id, email });
    await expectUserSeesOperatorEvent(client, 'ACCOUNT_IMPORTED');

    const after = await api.user(id);
    expect(after).toMatchObject({ legacyPasswordHash: false, hasPassword: true });
    expect(after!.lastSignInAt).toEqual(expect.any(String));
    const legacy = await api.read(`query($p: String) { users(filter: { emailPrefix: $p, legacyPasswordHash: true }) { totalCount } }`, { p: email });
    expect(legacy.users.totalCount).toBe(0);
    expect(await signInOutcome(t, email, oldPassword)).toBe('login successful!');
  });
});

describe('operator input the database cannot hold, and races with sign-in', () => {
  let t: TestApp;
  let api: OperatorApi;
  beforeAll(async () => {
    t = await startTestApp({ env: ADMIN_ENV });
    api = operatorApi(t, await createKey(t, 'write', KEY_NAME));
  });
  afterAll(() => t?.close());

  it('refuses NUL and other control characters in a reason or a prefix, and a date before year 1, naming the field', async () => {
    const { userId } = await signUpNewUser(t);
    const reasonError = await api.refused('disableUser', { id: userId, reason: 'spam\u0000' });
    expect(reasonError.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'reason' });
    expect((await api.user(userId))!.disabled).toBe(false);

    for (const field of ['emailPrefix', 'usernamePrefix']) {
      const error = await api.readRefused('query($f: UserFilter) { users(filter: $f) { totalCount } }', { f: { [field]: 'a\u0000' } });
      expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    const early = await api.readRefused('query($f: UserFilter) { users(filter: $f) { nodes { id } } }', { f: { createdAfter: '0000-12-31T23:00:00Z' } });
    expect(early.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'createdAfter' });
  });

  it('rejects an import line dated before 1970 and still creates the others of the call', async () => {
    const p = uniquePrefix('epoch');
    const report = await api.mutate('importUsers', {
      users: [
        { email: `${p}old@example.com`, createdAt: '0001-01-01T00:00:00+01:00' },
        { email: `${p}new@example.com`, createdAt: '2020-01-01T00:00:00Z' },
      ],
    });
    expect(report.results.map((r: { status: string; code: string | null }) => [r.status, r.code])).toEqual([
      ['REJECTED', 'INVALID_CREATED_AT'],
      ['CREATED', null],
    ]);
  });

  it('writes the [audit] line of an importUsers refused for size, and keeps a long refused reason short in it', async () => {
    const before = t.logger.entries.length;
    const p = uniquePrefix('audit');
    const error = await api.refused('importUsers', { users: Array.from({ length: 501 }, (_, i) => ({ email: `${p}${i}@example.com` })) });
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'users' });
    const { userId } = await signUpNewUser(t);
    await api.refused('disableUser', { id: userId, reason: 'x'.repeat(10_000) });
    const audits = t.logger.entries.slice(before).filter((entry) => entry.message.startsWith('[audit]'));
    expect(audits.map((entry) => [entry.message, (entry.fields.audit as { outcome: string }).outcome])).toEqual([
      ['[audit] importUsers', 'BAD_USER_INPUT'],
      ['[audit] disableUser', 'BAD_USER_INPUT'],
    ]);
    expect((audits[1]!.fields.audit as { reason: string }).reason).toHaveLength(500);
  });

  it('a sign-in in flight while the account is disabled never leaves a session that enableUser brings back', async () => {
    for (let round = 0; round < 8; round++) {
      const { email, userId } = await signUpNewUser(t);
      const client = t.client();
      // The sign-in reads the account, spends its argon2 time, then starts a session; the disable lands meanwhile.
      const [signInRes] = await Promise.all([
        client.graphql(SIGN_IN, { input: { email, password: GOOD_PASSWORD } }),
        sleep(5).then(() => api.mutate('disableUser', { id: userId, reason: 'race' })),
      ]);
      if (signInRes.errors) expect(errorCode(signInRes)).toBe('ACCOUNT_DISABLED');
      await api.mutate('enableUser', { id: userId, notify: false });
      // Whichever came first, no session of before the enable works after it.
      expect(await signedIn(client)).toBe(false);
    }
  });
});
