// Schema-level tests: operations executed against the Pothos schema itself, with real services on a
// real database but no HTTP, so the schema's contract (types, auth scopes, error codes, what it
// asks the cookie layer to do) is checked apart from the transport.
import { readFile } from 'node:fs/promises';
import { buildSchema, findBreakingChanges, graphql, type ExecutionResult } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import type { Context } from '../src/context/create-context.ts';
import { RequestFlowCookie } from '../src/context/flow-cookie.ts';
import { RequestDevice } from '../src/context/device-cookie.ts';
import { RequestAuth } from '../src/context/request-auth.ts';
import type { Database } from '../src/db/open-database.ts';
import { schema } from '../src/schema/index.ts';
import { createCaller } from '../src/services/caller.ts';
import { createServices, type Services } from '../src/services/create-services.ts';
import { CapturingLogger } from './support/capturing-logger.ts';
import { DASHBOARD, DELETE_USER, GOOD_PASSWORD, LOGOUT, ME, SIGN_IN, SIGN_UP, uniqueEmail } from './support/operations.ts';
import { TEST_ENCRYPTION_KEY, TEST_SECRET } from './support/test-app.ts';
import type { TypedDocumentString } from './support/graphql/graphql.ts';
import { createTestDatabase, type TestDatabase } from './support/test-database.ts';

let database: TestDatabase;
let db: Database;
let services: Services;
beforeAll(async () => {
  database = await createTestDatabase();
  db = await database.open();
  const config = loadConfig({ JWT_SECRET: TEST_SECRET, ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, RATE_LIMITS: 'off', DATA_DIR: '/nonexistent-not-written' });
  services = createServices({ config, prisma: db.prisma, sql: db.sql, rateLimitStore: { kind: 'memory' }, logger: new CapturingLogger() });
});
afterAll(async () => {
  await db.close();
  await database.drop();
});

/** Runs one operation as a request carrying `token` would; returns the result and the cookie decision. */
async function run<Result, Variables>(document: TypedDocumentString<Result, Variables>, variables?: Variables, token: string | null = null) {
  const auth = new RequestAuth(token, services.sessions);
  const contextValue: Context = { services, auth, viewer: await auth.current(), caller: createCaller('192.0.2.1', 'schema-test'), device: new RequestDevice(null), flowCookie: new RequestFlowCookie(null) };
  const variableValues = variables as Record<string, unknown> | undefined;
  const result = (await graphql({ schema, source: document.toString(), variableValues, contextValue })) as ExecutionResult<Result>;
  return { result, cookie: await auth.outcome() };
}

const codeOf = (result: ExecutionResult) => result.errors?.[0]?.extensions?.code;

async function signUp(username = 'Schema') {
  const email = uniqueEmail('schema');
  const { result, cookie } = await run(SIGN_UP, { input: { username, email, password: GOOD_PASSWORD } });
  if (cookie.kind !== 'set') throw new Error('signUp did not sign in');
  return { email, result, token: cookie.issued.token };
}

describe('the contract', () => {
  it('serves every type, field and argument of the contract SDL, none renamed, removed or retyped', async () => {
    const contract = buildSchema(await readFile(new URL('./support/contract.graphql', import.meta.url), 'utf8'));
    expect(findBreakingChanges(contract, schema)).toEqual([]);
  });
});

describe('operations on the schema', () => {
  it('signUp answers "user created!" with the user and session, and asks for the session cookie to be set', async () => {
    const { email, result, token } = await signUp('Ada');
    expect(result.errors).toBeUndefined();
    // As a client receives it: JSON, where DateTime values are ISO 8601 strings.
    const payload = JSON.parse(JSON.stringify(result.data)).signUp;
    expect(payload).toMatchObject({ message: 'user created!', user: { username: 'Ada', email } });
    // The idle expiry is ahead, the absolute one further.
    const { createdAt, expiresAt, absoluteExpiresAt } = payload.session;
    expect(Date.parse(createdAt)).toBeLessThan(Date.parse(expiresAt));
    expect(Date.parse(expiresAt)).toBeLessThan(Date.parse(absoluteExpiresAt));
    expect(new Date(expiresAt).toISOString()).toBe(expiresAt);
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('dashboard: UNAUTHENTICATED without a session, and no cookie to touch', async () => {
    const { result, cookie } = await run(DASHBOARD);
    expect(result.data).toBeNull();
    expect(codeOf(result)).toBe('UNAUTHENTICATED');
    expect(result.errors?.[0]?.message).toMatch(/sign in/);
    expect(cookie.kind).toBe('none');
  });

  it('dashboard: "Welcome, <username>!" with the session, which is refreshed', async () => {
    const { email, token } = await signUp('Grace');
    const { result, cookie } = await run(DASHBOARD, undefined, token);
    expect(result.errors).toBeUndefined();
    expect(result.data?.dashboard).toMatchObject({ message: 'Welcome, Grace!', user: { email } });
    expect(cookie.kind).toBe('set');
  });

  it('me: null without a session (never an error), the user with one', async () => {
    expect((await run(ME)).result).toEqual({ data: { me: null } });
    const { email, token } = await signUp();
    expect((await run(ME, undefined, token)).result.data?.me).toMatchObject({ email });
  });

  it('an invalid token reads as no session and asks for the cookie to be cleared', async () => {
    const { result, cookie } = await run(ME, undefined, 'not.a.token');
    expect(result).toEqual({ data: { me: null } });
    expect(cookie.kind).toBe('clear');
  });

  it('logout answers "logout successful!", ends the session and asks for the cookie to be cleared', async () => {
    const { token } = await signUp();
    const { result, cookie } = await run(LOGOUT, undefined, token);
    expect(result.data?.logout.message).toBe('logout successful!');
    expect(cookie.kind).toBe('clear');
    expect(codeOf((await run(DASHBOARD, undefined, token)).result)).toBe('UNAUTHENTICATED');
  });

  it('signIn failures carry the contract code and message', async () => {
    const { email } = await signUp();
    const wrong = await run(SIGN_IN, { input: { email, password: 'wrong-password-here' } });
    expect(wrong.result.errors?.[0]).toMatchObject({ message: 'invalid credentials!', extensions: { code: 'INVALID_CREDENTIALS' } });
    expect(wrong.cookie.kind).toBe('none');
    const bad = await run(SIGN_IN, { input: { email: 'no-at-sign', password: GOOD_PASSWORD } });
    expect(bad.result.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'email' } });
    expect(bad.result.errors?.[0]?.message).toMatch(/^email: /);
  });

  it('deleteUser without a session is refused before its resolver runs: the account stays', async () => {
    const { email } = await signUp();
    const { result } = await run(DELETE_USER, { input: { email, password: GOOD_PASSWORD } });
    expect(codeOf(result)).toBe('UNAUTHENTICATED');
    expect(await services.prisma.user.count({ where: { email } })).toBe(1);
  });
});
