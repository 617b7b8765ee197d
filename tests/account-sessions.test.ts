// A signed-in user's own sessions: the list (newest first, the current one marked, where and when
// each was used), ending one or all the others at once on every instance, and never seeing or
// ending another user's.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceClient, errorCode, signIn, signUpNewUser } from './support/accounts.ts';
import { DASHBOARD, LOGOUT, REVOKE_OTHER_SESSIONS, REVOKE_SESSION, SESSIONS } from './support/operations.ts';
import { uniqueAddress } from './support/rate-limited.ts';
import { startSecondInstance, startTestApp, type TestApp } from './support/test-app.ts';
import type { TestClient } from './support/test-client.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ env: { TRUST_PROXY: 'true' } });
});
afterAll(() => t.close());

const NOT_FOUND = { message: 'not found', extensions: { code: 'NOT_FOUND' } };

async function sessionsOf(client: TestClient) {
  const res = await client.graphql(SESSIONS);
  expect(res.errors).toBeUndefined();
  return res.data!.sessions;
}

/** A user signed up on a laptop and signed in on a phone, each with its own agent and address. */
async function userWithTwoDevices() {
  const laptopAddress = uniqueAddress();
  const phoneAddress = uniqueAddress();
  const laptop = deviceClient(t, 'Laptop/1.0 (X11)', laptopAddress);
  const { email, userId } = await signUpNewUser(t, { client: laptop });
  const phone = deviceClient(t, 'Phone/2.0 (Android)', phoneAddress);
  const phoneSessionId = await signIn(phone, email);
  const laptopSessionId = (await sessionsOf(laptop)).find((s) => s.current)!.id;
  return { email, userId, laptop, phone, laptopAddress, phoneAddress, laptopSessionId, phoneSessionId };
}

describe('sessions', () => {
  it('lists the live sessions newest first, the current one marked, with the agent and address of each sign-in', async () => {
    const { email, laptop, phone, laptopAddress, phoneAddress, laptopSessionId, phoneSessionId } = await userWithTwoDevices();
    // One more sign-in that is logged out again: ended sessions are not listed.
    const borrowed = deviceClient(t, 'Borrowed/3.0');
    await signIn(borrowed, email);
    await borrowed.graphql(LOGOUT);

    const seenFromLaptop = await sessionsOf(laptop);
    expect(seenFromLaptop.map((s) => s.id)).toEqual([phoneSessionId, laptopSessionId]);
    expect(seenFromLaptop).toMatchObject([
      { current: false, userAgent: 'Phone/2.0 (Android)', ipAddress: phoneAddress },
      { current: true, userAgent: 'Laptop/1.0 (X11)', ipAddress: laptopAddress },
    ]);
    for (const session of seenFromLaptop) {
      expect(Date.parse(session.lastActiveAt)).toBeGreaterThanOrEqual(Date.parse(session.createdAt));
      expect(Date.parse(session.expiresAt)).toBeGreaterThan(Date.now());
    }
    expect((await sessionsOf(phone)).map((s) => [s.id, s.current])).toEqual([
      [phoneSessionId, true],
      [laptopSessionId, false],
    ]);
  });

  it('stores the user agent cut to 256 characters, and null when none was sent', async () => {
    const long = deviceClient(t, `Long/${'x'.repeat(400)}`);
    const { email } = await signUpNewUser(t, { client: long });
    const bare = t.client({ headers: { 'user-agent': '', 'x-forwarded-for': uniqueAddress() } });
    await signIn(bare, email);
    const [newest, first] = await sessionsOf(long);
    expect(newest?.userAgent).toBeNull();
    expect(first?.userAgent).toHaveLength(256);
    expect(first?.userAgent?.startsWith('Long/xxx')).toBe(true);
  });

  it('moves lastActiveAt only with the sliding expiry, not with a write per request', async () => {
    const { laptop } = await userWithTwoDevices();
    const [before] = (await sessionsOf(laptop)).filter((s) => s.current);
    // Within a minute of the sign-in the row is ahead of every token: these requests write nothing.
    for (let i = 0; i < 3; i += 1) expect(errorCode(await laptop.graphql(DASHBOARD))).toBeUndefined();
    const [after] = (await sessionsOf(laptop)).filter((s) => s.current);
    expect(after?.lastActiveAt).toBe(before?.lastActiveAt);
    expect(after?.lastActiveAt).toBe(after?.createdAt);
  });

  it('needs a session', async () => {
    expect(errorCode(await t.client().graphql(SESSIONS))).toBe('UNAUTHENTICATED');
    expect(errorCode(await t.client().graphql(REVOKE_OTHER_SESSIONS))).toBe('UNAUTHENTICATED');
    expect(errorCode(await t.client().graphql(REVOKE_SESSION, { input: { id: randomUUID() } }))).toBe('UNAUTHENTICATED');
  });
});

describe('lastActiveAt with a short idle timeout', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { SESSION_IDLE_SECONDS: '10' } });
  });
  afterAll(() => app.close());

  it('follows activity once the row write comes due (a tenth of the idle timeout)', async () => {
    const { client } = await signUpNewUser(app);
    const [start] = await sessionsOf(client);
    // The row is written again once a fresh token would outrun it, one second on here.
    await expect
      .poll(
        async () => {
          await client.graphql(DASHBOARD);
          return Date.parse((await sessionsOf(client))[0]!.lastActiveAt);
        },
        { timeout: 15_000, interval: 300 },
      )
      .toBeGreaterThan(Date.parse(start!.lastActiveAt));
  });
});

describe('revokeSession', () => {
  let second: TestApp;
  beforeAll(async () => {
    second = await startSecondInstance(t, { TRUST_PROXY: 'true' });
  });
  afterAll(() => second.close());

  it('ends another session of the user at once, on a second instance too, and leaves this one signed in', async () => {
    const { laptop, phone, phoneSessionId } = await userWithTwoDevices();
    // The phone's token, presented to another instance of the server.
    const phoneElsewhere = second.client();
    await phoneElsewhere.useToken((await phone.token())!);
    expect(errorCode(await phoneElsewhere.graphql(DASHBOARD))).toBeUndefined();

    const res = await laptop.graphql(REVOKE_SESSION, { input: { id: phoneSessionId } });
    expect(res.errors).toBeUndefined();
    expect(res.data?.revokeSession.message).toBe('session revoked!');
    expect(res.setCookie?.maxAge).toBeGreaterThan(0);

    const refused = await phoneElsewhere.graphql(DASHBOARD);
    expect(errorCode(refused)).toBe('UNAUTHENTICATED');
    expect(refused.setCookie).toMatchObject({ value: '', maxAge: 0 });
    expect(errorCode(await phone.graphql(DASHBOARD))).toBe('UNAUTHENTICATED');
    expect(errorCode(await laptop.graphql(DASHBOARD))).toBeUndefined();
    expect((await sessionsOf(laptop)).map((s) => s.id)).not.toContain(phoneSessionId);
  });

  it('ends the current session and clears its cookie when that is the one named', async () => {
    const { laptop, phone, laptopSessionId } = await userWithTwoDevices();
    const res = await laptop.graphql(REVOKE_SESSION, { input: { id: laptopSessionId.toUpperCase() } });
    expect(res.data?.revokeSession.message).toBe('session revoked!');
    expect(res.setCookie).toMatchObject({ value: '', maxAge: 0 });
    expect(errorCode(await laptop.graphql(DASHBOARD))).toBe('UNAUTHENTICATED');
    expect(errorCode(await phone.graphql(DASHBOARD))).toBeUndefined();
  });

  it("answers NOT_FOUND, alike, for another user's session, an unknown, ended or malformed id, and ends nothing", async () => {
    const mine = await userWithTwoDevices();
    const theirs = await userWithTwoDevices();
    // An ended session of my own.
    const old = deviceClient(t, 'Old/1.0');
    const oldId = await signIn(old, mine.email);
    await old.graphql(LOGOUT);

    const ids = [theirs.phoneSessionId, theirs.laptopSessionId, randomUUID(), oldId, 'not-a-session', '', "' OR 1=1 --", `${mine.phoneSessionId} `];
    for (const id of ids) {
      const res = await mine.laptop.graphql(REVOKE_SESSION, { input: { id } });
      expect(res, `id ${JSON.stringify(id)}`).toMatchObject({ data: null, errors: [NOT_FOUND] });
      expect(res.setCookie?.maxAge).toBeGreaterThan(0);
    }
    for (const client of [theirs.laptop, theirs.phone, mine.laptop, mine.phone]) {
      expect(errorCode(await client.graphql(DASHBOARD))).toBeUndefined();
    }
    // And the other user's list never shows mine, nor mine theirs.
    const myIds = (await sessionsOf(mine.laptop)).map((s) => s.id);
    const theirIds = (await sessionsOf(theirs.laptop)).map((s) => s.id);
    expect(myIds.filter((id) => theirIds.includes(id))).toEqual([]);
    expect(theirIds.sort()).toEqual([theirs.laptopSessionId, theirs.phoneSessionId].sort());
  });
});

describe('revokeOtherSessions', () => {
  it('ends every other session of the user and keeps this one; other users are untouched', async () => {
    const { email, laptop, phone, laptopSessionId } = await userWithTwoDevices();
    const tablet = deviceClient(t, 'Tablet/4.0');
    await signIn(tablet, email);
    const someoneElse = await userWithTwoDevices();

    const res = await laptop.graphql(REVOKE_OTHER_SESSIONS);
    expect(res.errors).toBeUndefined();
    expect(res.data?.revokeOtherSessions.message).toBe('other sessions revoked!');
    expect(res.setCookie?.maxAge).toBeGreaterThan(0);

    for (const client of [phone, tablet]) expect(errorCode(await client.graphql(DASHBOARD))).toBe('UNAUTHENTICATED');
    expect((await sessionsOf(laptop)).map((s) => s.id)).toEqual([laptopSessionId]);
    for (const client of [someoneElse.laptop, someoneElse.phone]) expect(errorCode(await client.graphql(DASHBOARD))).toBeUndefined();
  });
});
