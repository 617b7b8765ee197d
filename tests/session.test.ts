// The session as a browser lives it: the cookie's attributes and token, the sliding refresh on
// every response, the idle timeout and the absolute cap (short configured lifetimes, real waits),
// and revocation that takes effect at once for every copy of the token, on every instance.
import { setTimeout as sleep } from 'node:timers/promises';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUpNewUser } from './support/accounts.ts';
import { DASHBOARD, GOOD_PASSWORD, LOGOUT, ME, SIGN_IN, SIGN_UP, uniqueEmail } from './support/operations.ts';
import { startSecondInstance, startTestApp, TEST_SECRET, type TestApp } from './support/test-app.ts';
import type { TestClient } from './support/test-client.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

/** A new user, signed in on a fresh client; the dashboard greets them by `username`. */
const signedInClient = (app: TestApp, username = 'Sam') => signUpNewUser(app, { username });

/** The claims of the token a client holds, read without verifying (the server verified it). */
async function claimsOf(client: TestClient): Promise<jwt.JwtPayload> {
  const token = await client.token();
  if (!token) throw new Error('the client holds no session cookie');
  return jwt.decode(token) as jwt.JwtPayload;
}

/** A client holding only a copy of another client's token. */
async function clientWithToken(app: TestApp, token: string | undefined): Promise<TestClient> {
  if (!token) throw new Error('no token to copy');
  const copy = app.client();
  await copy.useToken(token);
  return copy;
}

const refused = (res: { errors?: { extensions?: { code?: string } }[] }) => res.errors?.[0]?.extensions?.code === 'UNAUTHENTICATED';

describe('the session cookie', () => {
  it('is set at signUp as HttpOnly, Path=/, SameSite=Lax, Max-Age=600, host-only, with Cache-Control: no-store', async () => {
    const res = await t.client().graphql(SIGN_UP, { input: { username: 'Cookie', email: uniqueEmail(), password: GOOD_PASSWORD } });
    const header = res.headers.getSetCookie().find((h) => h.startsWith('access_token='));
    expect(header).toBeDefined();
    expect(header).toMatch(/; HttpOnly/);
    expect(header).toMatch(/; Path=\//);
    expect(header).toMatch(/; SameSite=Lax/);
    expect(header).toMatch(/; Max-Age=600(;|$)/);
    expect(header).not.toMatch(/Domain=/i);
    // Not Secure outside production: the development server is plain http on localhost.
    expect(header).not.toMatch(/; Secure/);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('holds an HS256 JWT with sub, sid, iat, exp (now + 10 minutes), iss and aud', async () => {
    const client = t.client();
    const res = await client.graphql(SIGN_UP, { input: { username: 'Claims', email: uniqueEmail(), password: GOOD_PASSWORD } });
    const token = (await client.token())!;
    const verified = jwt.verify(token, TEST_SECRET, { algorithms: ['HS256'], issuer: 'auth-api', audience: 'auth-api' }) as jwt.JwtPayload;
    expect(jwt.decode(token, { complete: true })?.header.alg).toBe('HS256');
    expect(verified.sub).toBe(res.data?.signUp.user.id);
    expect(verified.sid).toBe(res.data?.signUp.session.id);
    expect(verified.exp! - verified.iat!).toBe(600);
    expect(new Date(res.data!.signUp.session.expiresAt).getTime()).toBe(verified.exp! * 1000);
    // The cookie lives exactly as long as the token in it.
    expect(res.setCookie?.maxAge).toBe(verified.exp! - verified.iat!);
  });

  it('is Secure and named __Host-access_token when COOKIE_SECURE=true', async () => {
    const secure = await startTestApp({ env: { COOKIE_SECURE: 'true' } });
    try {
      const res = await secure.client().graphql(SIGN_UP, { input: { username: 'Secure', email: uniqueEmail(), password: GOOD_PASSWORD } });
      const header = res.headers.getSetCookie().find((h) => h.startsWith('__Host-access_token='));
      expect(header).toMatch(/; Secure/);
      expect(header).toMatch(/; Path=\//);
      expect(header).not.toMatch(/Domain=/i);
    } finally {
      await secure.close();
    }
  });

  it('is re-set fresh on every response to a request with a valid session, failed operations included', async () => {
    const { client } = await signedInClient(t);
    for (const query of [DASHBOARD.toString(), ME.toString(), '{ me { notAField } }']) {
      const res = await client.graphql(query);
      expect(res.setCookie?.value, query).toBeTruthy();
      expect(res.setCookie?.maxAge, query).toBeGreaterThan(590);
      expect(res.headers.get('cache-control'), query).toBe('no-store');
    }
  });

  it('is neither set nor cleared on responses to requests without a session', async () => {
    const res = await t.client().graphql(ME);
    expect(res.data).toEqual({ me: null });
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it('is accepted as Authorization: Bearer from clients without cookies', async () => {
    const { client, email } = await signedInClient(t, 'Bearer');
    const token = await client.token();
    const res = await t.client().graphql(DASHBOARD, undefined, { authorization: `Bearer ${token}` });
    expect(res.errors).toBeUndefined();
    expect(res.data?.dashboard).toMatchObject({ message: 'Welcome, Bearer!', user: { email } });
  });
});

/** Sleeps until the wall clock has passed `epochMs` by `marginMs` (timers may fire a little early). */
async function sleepUntil(epochMs: number, marginMs = 150): Promise<void> {
  while (Date.now() < epochMs + marginMs) await sleep(epochMs + marginMs - Date.now());
}

describe('sliding expiry', () => {
  // Every wait below is derived from the tokens' own exp claims (whole seconds, so a token lives
  // between idle-1 and idle seconds): waits that must see a token dead end past its exp; steps that
  // must see a token alive come about idle/2 seconds before its earliest possible end, a margin
  // a loaded machine does not eat.
  const IDLE = 5;
  let sliding: TestApp;
  beforeAll(async () => {
    sliding = await startTestApp({ env: { SESSION_IDLE_SECONDS: String(IDLE) } });
  });
  afterAll(() => sliding.close());

  it('moves the expiry forward with activity, and refuses the session once it has been idle too long', async () => {
    const { client } = await signedInClient(sliding);
    const first = await claimsOf(client);
    const original = await client.token();
    await sleep((IDLE / 2) * 1000);
    const refreshed = await client.graphql(DASHBOARD);
    expect(refreshed.errors).toBeUndefined();
    const second = await claimsOf(client);
    expect(second.exp).toBeGreaterThan(first.exp!);
    expect(new Date(refreshed.data!.dashboard.session.expiresAt).getTime()).toBe(second.exp! * 1000);
    // The refresh came at least idle/2 s after sign-up, so the refreshed token outlives the first by
    // more than a second: past the first's exp, the refreshed one still works (the session slid)...
    expect(second.exp! * 1000 - first.exp! * 1000).toBeGreaterThanOrEqual(Math.floor(IDLE / 2) * 1000);
    await sleepUntil(first.exp! * 1000);
    expect((await client.graphql(DASHBOARD)).errors).toBeUndefined();
    // ...while the first token, idle since sign-up, is refused and its cookie cleared.
    const staleRes = await (await clientWithToken(sliding, original)).graphql(DASHBOARD);
    expect(refused(staleRes)).toBe(true);
    expect(staleRes.setCookie).toMatchObject({ value: '', maxAge: 0 });

    // Idle for longer than the timeout: the browser has dropped the cookie (its Max-Age ran out)
    // and is signed out; the last token, sent anyway, is refused and its cookie cleared. The jar
    // counts Max-Age from when it got the cookie, so the wait runs past both ends.
    const last = await client.token();
    const lastClaims = await claimsOf(client);
    const cookieExpires = Date.now() + (lastClaims.exp! - lastClaims.iat!) * 1000;
    await sleepUntil(Math.max(lastClaims.exp! * 1000, cookieExpires));
    const idle = await client.graphql(DASHBOARD);
    expect(refused(idle)).toBe(true);
    expect(idle.errors?.[0]?.message).toMatch(/sign in/);
    expect(await client.token()).toBeUndefined();
    const replayed = await (await clientWithToken(sliding, last)).graphql(DASHBOARD);
    expect(refused(replayed)).toBe(true);
    expect(replayed.setCookie).toMatchObject({ value: '', maxAge: 0 });
  });
});

describe('the absolute cap', () => {
  // Idle 3 s, cap 6 s: a request every half second keeps the session well inside the idle timeout
  // even when a loaded machine stretches a step to a couple of seconds.
  let capped: TestApp;
  beforeAll(async () => {
    capped = await startTestApp({ env: { SESSION_IDLE_SECONDS: '3', SESSION_ABSOLUTE_SECONDS: '6' } });
  });
  afterAll(() => capped.close());

  it('ends an active session at the absolute cap, and never issues a token past it', async () => {
    const { client } = await signedInClient(capped);
    const first = await client.graphql(DASHBOARD);
    const cap = new Date(first.data!.dashboard.session.absoluteExpiresAt).getTime();
    // A token's exp has whole seconds, so the last tokens end at the cap's second, floored.
    const lastSecond = Math.floor(cap / 1000) * 1000;
    let lastToken = await client.token();
    let lastAcceptedSentAt = 0;
    let cappedTokens = 0;
    let refusal: { sentAt: number; answeredAt: number } | undefined;
    // Active every half second until the cap ends it.
    while (!refusal) {
      const sentAt = Date.now();
      const res = await client.graphql(DASHBOARD);
      if (refused(res)) {
        refusal = { sentAt, answeredAt: Date.now() };
        break;
      }
      expect(res.errors).toBeUndefined();
      lastAcceptedSentAt = sentAt;
      lastToken = await client.token();
      const claims = await claimsOf(client);
      expect(claims.exp! * 1000).toBeLessThanOrEqual(cap);
      if (claims.exp! * 1000 === lastSecond) cappedTokens += 1;
      // Max-Age is the token's own lifetime, counting down to the cap rather than a full idle period.
      expect(res.setCookie!.maxAge).toBe(claims.exp! - claims.iat!);
      expect(res.setCookie!.maxAge! * 1000).toBeLessThan(cap - sentAt + 1_000);
      await sleep(500);
    }
    // Accepted only while the cap had not passed (the server checked after the request was sent),
    // refused only once its last second had come (the answer came after the server checked): the
    // cap ended it, not idling.
    expect(lastAcceptedSentAt).toBeLessThan(cap);
    expect(refusal.answeredAt).toBeGreaterThanOrEqual(lastSecond);
    // Near the end the tokens were cut to the cap instead of a full idle period.
    expect(cappedTokens).toBeGreaterThan(0);
    expect(refused(await client.graphql(DASHBOARD))).toBe(true);
    // The last token issued, sent after the cap, is refused and its cookie cleared.
    const replayed = await (await clientWithToken(capped, lastToken)).graphql(DASHBOARD);
    expect(refused(replayed)).toBe(true);
    expect(replayed.setCookie).toMatchObject({ value: '', maxAge: 0 });
  });
});

describe('revocation', () => {
  it('refuses a token copied before logout, as cookie or as Bearer', async () => {
    const { client } = await signedInClient(t, 'Leaky');
    const copied = await client.token();
    expect((await client.graphql(LOGOUT)).data?.logout.message).toBe('logout successful!');

    const thief = await clientWithToken(t, copied);
    const res = await thief.graphql(DASHBOARD);
    expect(refused(res)).toBe(true);
    expect(res.setCookie).toMatchObject({ value: '', maxAge: 0 });
    expect(refused(await t.client().graphql(DASHBOARD, undefined, { authorization: `Bearer ${copied}` }))).toBe(true);
  });

  it('takes effect at once on another server instance on the same database', async () => {
    const other = await startSecondInstance(t);
    try {
      const { client } = await signedInClient(t, 'Twice');
      const copied = await client.token();
      const elsewhere = await clientWithToken(other, copied);
      expect((await elsewhere.graphql(DASHBOARD)).data?.dashboard.message).toBe('Welcome, Twice!');
      await client.graphql(LOGOUT);
      expect(refused(await elsewhere.graphql(DASHBOARD))).toBe(true);
    } finally {
      await other.close();
    }
  });

  it('ends only the session logged out of: the same user signed in elsewhere stays signed in', async () => {
    const { client, email } = await signedInClient(t, 'Two');
    const laptop = t.client();
    await laptop.graphql(SIGN_IN, { input: { email, password: GOOD_PASSWORD } });
    await client.graphql(LOGOUT);
    expect((await laptop.graphql(DASHBOARD)).data?.dashboard.message).toBe('Welcome, Two!');
  });

  it('ends the earlier session when the same browser signs in again, instead of orphaning it', async () => {
    const { client, email } = await signedInClient(t, 'Again');
    const earlier = await client.token();
    const res = await client.graphql(SIGN_IN, { input: { email, password: GOOD_PASSWORD } });
    expect(res.data?.signIn.message).toBe('login successful!');
    expect((await client.graphql(DASHBOARD)).data?.dashboard.message).toBe('Welcome, Again!');
    expect(refused(await (await clientWithToken(t, earlier)).graphql(DASHBOARD))).toBe(true);
  });

  it('refuses the token of a user whose row is gone, and clears the cookie', async () => {
    const { client, userId } = await signedInClient(t, 'Gone');
    await t.app.services.prisma.user.delete({ where: { id: userId } });
    const res = await client.graphql(DASHBOARD);
    expect(refused(res)).toBe(true);
    expect(res.setCookie).toMatchObject({ value: '', maxAge: 0 });
  });

  it('refuses the token of a session whose row is gone', async () => {
    const { client } = await signedInClient(t, 'Rowless');
    const { sid } = await claimsOf(client);
    await t.app.services.prisma.session.delete({ where: { id: sid as string } });
    expect(refused(await client.graphql(DASHBOARD))).toBe(true);
  });

  it('keeps the session row ahead of every token it issues, so the row alone can tell a live session', async () => {
    const { client } = await signedInClient(t, 'Ahead');
    for (let i = 0; i < 3; i++) {
      await client.graphql(DASHBOARD);
      const { sid, exp } = await claimsOf(client);
      const row = await t.app.services.prisma.session.findUniqueOrThrow({ where: { id: sid as string } });
      expect(row.expiresAt.getTime()).toBeGreaterThanOrEqual(exp! * 1000);
      expect(row.expiresAt.getTime()).toBeLessThanOrEqual(row.absoluteExpiresAt.getTime());
    }
  });
});
