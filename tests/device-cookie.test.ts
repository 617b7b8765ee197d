// The device cookie (OWASP's defence against lockout by others' guesses): its attributes, what the
// server keeps of it, its life across sign-ins, logout and deleteUser; and the lockout scenario: a
// flood of wrong passwords without a device token locks the account for everyone else, but not for
// the owner's own browser, whose own guesses are limited on their own. On every shared limit store.
import { createHash, randomBytes } from 'node:crypto';
import { parseSetCookie } from 'cookie';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUpNewUser } from './support/accounts.ts';
import { DELETE_USER, GOOD_PASSWORD, LOGOUT, SIGN_IN } from './support/operations.ts';
import { expectRateLimited, outcome, uniqueAddress } from './support/rate-limited.ts';
import { SHARED_STORES, twoInstancesOn } from './support/shared-stores.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';
import type { GraphqlResponse, TestClient } from './support/test-client.ts';

const YEAR = 365 * 24 * 60 * 60;

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

const deviceHeader = (res: GraphqlResponse, name = 'device_token') => res.headers.getSetCookie().find((h) => h.startsWith(`${name}=`));
const deviceToken = async (client: TestClient, name = 'device_token') =>
  (await client.jar.getCookies(client.url.toString())).find((c) => c.key === name)?.value;
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const signIn = (client: TestClient, email: string, password = GOOD_PASSWORD) => client.graphql(SIGN_IN, { input: { email, password } });

describe('the device cookie', () => {
  it('is set at signUp: HttpOnly, Path=/, SameSite=Lax, Max-Age one year, host-only; the server keeps only its hash, tied to the user', async () => {
    const client = t.client();
    const { userId } = await signUpNewUser(t, { client });
    const token = await deviceToken(client);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const rows = await t.app.services.prisma.device.findMany({ where: { userId } });
    expect(rows).toEqual([expect.objectContaining({ userId, tokenHash: sha256(token!) })]);
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it('is set at signIn with the same attributes, and a browser keeps its own token from one sign-in to the next', async () => {
    const { email, userId } = await signUpNewUser(t);
    const client = t.client();
    const first = await signIn(client, email);
    const header = deviceHeader(first)!;
    expect(header).toMatch(/; HttpOnly/);
    expect(header).toMatch(/; Path=\//);
    expect(header).toMatch(/; SameSite=Lax/);
    expect(header).toMatch(new RegExp(`; Max-Age=${YEAR}(;|$)`));
    expect(header).not.toMatch(/Domain=/i);
    expect(header).not.toMatch(/; Secure/);
    const token = parseSetCookie(header).value;
    const again = await signIn(client, email);
    expect(parseSetCookie(deviceHeader(again)!)).toMatchObject({ value: token, maxAge: YEAR });
    // One row for the signUp browser, one for this one.
    expect(await t.app.services.prisma.device.count({ where: { userId } })).toBe(2);
  });

  describe('when the session cookie is Secure', () => {
    let secure: TestApp;
    beforeAll(async () => {
      secure = await startTestApp({ env: { COOKIE_SECURE: 'true' } });
    });
    afterAll(() => secure?.close());

    it('is Secure and named __Host-device_token', async () => {
      const { email } = await signUpNewUser(secure);
      const header = deviceHeader(await signIn(secure.client(), email), '__Host-device_token');
      expect(header).toMatch(/; Secure/);
      expect(header).toMatch(/; Path=\//);
      expect(header).toMatch(/; HttpOnly/);
      expect(header).not.toMatch(/Domain=/i);
    });
  });

  describe('with COOKIE_SAME_SITE=strict', () => {
    let strict: TestApp;
    beforeAll(async () => {
      strict = await startTestApp({ env: { COOKIE_SAME_SITE: 'strict' } });
    });
    afterAll(() => strict?.close());

    it("follows the session cookie's SameSite", async () => {
      const { email } = await signUpNewUser(strict);
      const res = await signIn(strict.client(), email);
      expect(res.headers.getSetCookie().find((h) => h.startsWith('access_token='))).toMatch(/; SameSite=Strict/);
      expect(deviceHeader(res)).toMatch(/; SameSite=Strict/);
    });
  });

  it('outlives logout and grants nothing by itself; deleteUser forgets the account\'s devices', async () => {
    const { client, email, userId } = await signUpNewUser(t);
    const token = await deviceToken(client);
    const out = await client.graphql(LOGOUT);
    expect(deviceHeader(out)).toBeUndefined();
    expect(await deviceToken(client)).toBe(token);
    // Only the device cookie: not signed in.
    expect((await client.graphql('{ me { id } }')).data?.me).toBeNull();

    await signIn(client, email);
    const deleted = await client.graphql(DELETE_USER, { input: { email, password: GOOD_PASSWORD } });
    expect(deleted.data?.deleteUser.message).toBe('delete successful!');
    expect(await t.app.services.prisma.device.count({ where: { userId } })).toBe(0);
    expect(await t.app.services.prisma.device.count({ where: { tokenHash: sha256(token!) } })).toBe(0);
    // Known for nobody now: the next account to sign in on this browser gets a new token.
    const next = await signUpNewUser(t);
    expect(parseSetCookie(deviceHeader(await signIn(client, next.email))!).value).not.toBe(token);
  });

  it('stays with a browser shared with another account when one account is deleted', async () => {
    const staying = await signUpNewUser(t);
    const leaving = await signUpNewUser(t);
    const browser = t.client();
    await signIn(browser, staying.email);
    const token = await deviceToken(browser);
    await signIn(browser, leaving.email);
    await browser.graphql(DELETE_USER, { input: { email: leaving.email, password: GOOD_PASSWORD } });
    expect(await deviceToken(browser)).toBe(token);
    expect(await t.app.services.prisma.device.findMany({ where: { tokenHash: sha256(token!) }, select: { userId: true } })).toEqual([
      { userId: staying.userId },
    ]);
  });

  it('is never a value the client made up: an unknown token is replaced by a new one', async () => {
    const { email } = await signUpNewUser(t);
    const client = t.client();
    const madeUp = randomBytes(32).toString('base64url');
    await client.jar.setCookie(`device_token=${madeUp}; Path=/; HttpOnly`, client.url.toString());
    const issued = parseSetCookie(deviceHeader(await signIn(client, email))!).value;
    expect(issued).not.toBe(madeUp);
    expect(await t.app.services.prisma.device.count({ where: { tokenHash: sha256(madeUp) } })).toBe(0);
  });

  it('on a shared computer, one token is known for each account that signed in there', async () => {
    const a = await signUpNewUser(t);
    const b = await signUpNewUser(t);
    const browser = t.client();
    await signIn(browser, a.email);
    const token = await deviceToken(browser);
    await signIn(browser, b.email);
    expect(await deviceToken(browser)).toBe(token);
    const owners = await t.app.services.prisma.device.findMany({ where: { tokenHash: sha256(token!) }, select: { userId: true } });
    expect(owners.map((o) => o.userId).sort()).toEqual([a.userId, b.userId].sort());
  });
});

// ---------------------------------------------------------------------------------------------
// Lockout, with the default limits (5 per account, and 5 per device, in 15 minutes).

/** A client behind the trusted proxy at an address of its own. */
const clientAt = (app: TestApp) => app.client({ headers: { 'x-forwarded-for': uniqueAddress() } });
const WINDOW = 900;
const LIMITS = { RATE_LIMITS: 'on', TRUST_PROXY: 'true' };

/** The same browser (its cookies, the device token among them) talking to `app`. */
async function sameBrowserOn(app: TestApp, browser: TestClient): Promise<TestClient> {
  const copy = clientAt(app);
  for (const cookie of await browser.jar.getCookies(browser.url.toString())) await copy.jar.setCookie(cookie.toString(), copy.url.toString());
  return copy;
}

/**
 * The scenario of the contract: `attackerApp` takes a flood of 20 wrong passwords from a client
 * without a device token; the owner's browser, on `ownerApp`, then signs in, and its own wrong
 * guesses are limited too (half of them through each app, when two are given).
 */
async function lockoutScenario(attackerApp: TestApp, ownerApp: TestApp) {
  const owner = await signUpNewUser(ownerApp, { client: clientAt(ownerApp) });
  // A second browser of the owner's, signed in before the flood.
  const laptop = clientAt(ownerApp);
  expect((await signIn(laptop, owner.email)).data?.signIn.message).toBe('login successful!');

  const attacker = clientAt(attackerApp);
  const answers: string[] = [];
  for (let i = 0; i < 20; i++) answers.push(outcome(await signIn(attacker, owner.email, `wrong-guess-${i}-xyz`)));
  expect(answers.slice(0, 5)).toEqual(Array(5).fill('INVALID_CREDENTIALS'));
  expect(answers.slice(5)).toEqual(Array(15).fill('RATE_LIMITED'));
  // Anyone without the owner's device token is locked out now, the right password included, and so
  // is a device token that is known, but for another account.
  expectRateLimited(await signIn(clientAt(ownerApp), owner.email), WINDOW);
  const other = await signUpNewUser(attackerApp, { client: clientAt(attackerApp) });
  expectRateLimited(await signIn(other.client, owner.email), WINDOW, { carriedSession: true });

  // The owner's browser is not.
  const res = await signIn(owner.client, owner.email);
  expect(res.errors).toBeUndefined();
  expect(res.data?.signIn.message).toBe('login successful!');

  // Its own wrong guesses are limited, through either instance: 5, then refused even when right.
  const sameBrowserElsewhere = await sameBrowserOn(attackerApp, owner.client);
  for (let i = 0; i < 5; i++) {
    const via = i % 2 === 0 ? owner.client : sameBrowserElsewhere;
    expect(outcome(await signIn(via, owner.email, `my-typo-${i}-xyz`))).toBe('INVALID_CREDENTIALS');
  }
  expectRateLimited(await signIn(owner.client, owner.email), WINDOW, { carriedSession: true });
  // Each of the owner's browsers counts on its own: the laptop still gets in.
  expect((await signIn(laptop, owner.email)).data?.signIn.message).toBe('login successful!');
}

// The scenario runs some 15 argon2id verifications at OWASP's cost by design: on a busy 2-core
// machine that takes longer than the default 30 s.
const SCENARIO_TIMEOUT = 120_000;

describe('lockout', () => {
  let limited: TestApp;
  beforeAll(async () => {
    limited = await startTestApp({ env: LIMITS });
  });
  afterAll(() => limited?.close());

  it("a flood of wrong passwords without a device token cannot lock the owner's browser out; its own guesses are limited", async () => {
    await lockoutScenario(limited, limited);
  }, SCENARIO_TIMEOUT);
});

// Instances that share a store share the counters, the devices' included.
for (const store of SHARED_STORES) {
  describe(`lockout across two instances on one ${store.name} store`, () => {
    const instances = twoInstancesOn(store, LIMITS);

    it('the flood through instance A locks others out on B; the owner signs in through B; its own guesses through both are limited', async () => {
      await lockoutScenario(instances.a, instances.b);
    }, SCENARIO_TIMEOUT);
  });
}
