// Sign-up, sign-in, dashboard, me and logout over HTTP, with the contract's messages and codes.
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { DASHBOARD, GOOD_PASSWORD, LOGOUT, ME, SIGN_IN, SIGN_UP, uniqueEmail } from './support/operations.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

describe('signUp', () => {
  it('creates the user, signs them in and answers "user created!"', async () => {
    const client = t.client();
    const email = uniqueEmail();
    const res = await client.graphql(SIGN_UP, { input: { username: 'ABC', email, password: GOOD_PASSWORD } });
    expect(res.errors).toBeUndefined();
    expect(res.data?.signUp).toMatchObject({ message: 'user created!', user: { username: 'ABC', email } });
    expect(res.setCookie?.value).toBeTruthy();

    const dashboard = await client.graphql(DASHBOARD);
    expect(dashboard.data?.dashboard).toMatchObject({ message: 'Welcome, ABC!', user: { email } });
  });

  it('stores the email trimmed and lower-cased, and trims the username', async () => {
    const email = uniqueEmail('Mixed');
    const res = await t.client().graphql(SIGN_UP, { input: { username: '  Ann  ', email: `  ${email.toUpperCase()} `, password: GOOD_PASSWORD } });
    expect(res.data?.signUp.user).toMatchObject({ username: 'Ann', email: email.toLowerCase() });
  });

  it('answers EMAIL_TAKEN for an email that has an account, whatever its case', async () => {
    const email = uniqueEmail();
    await t.client().graphql(SIGN_UP, { input: { username: 'first', email, password: GOOD_PASSWORD } });
    const again = await t.client().graphql(SIGN_UP, { input: { username: 'second', email: ` ${email.toUpperCase()}`, password: GOOD_PASSWORD } });
    expect(again.data).toBeNull();
    expect(again.errors?.[0]?.extensions?.code).toBe('EMAIL_TAKEN');
    expect(again.errors?.[0]?.message).toMatch(/already exists/);
    expect(again.setCookie).toBeUndefined();
  });

  it('gives exactly one account and one EMAIL_TAKEN to concurrent sign-ups with one email', async () => {
    const email = uniqueEmail('race');
    const attempts = await Promise.all(
      Array.from({ length: 6 }, (_, i) => t.client().graphql(SIGN_UP, { input: { username: `racer${i}`, email, password: GOOD_PASSWORD } })),
    );
    expect(attempts.every((r) => r.status === 200)).toBe(true);
    expect(attempts.filter((r) => r.data?.signUp?.message === 'user created!')).toHaveLength(1);
    expect(attempts.filter((r) => r.errors?.[0]?.extensions?.code === 'EMAIL_TAKEN')).toHaveLength(5);
    expect(await t.app.services.prisma.user.count({ where: { email } })).toBe(1);
  });

  it.each([
    [{ username: '   ', email: 'ok@example.com', password: GOOD_PASSWORD }, /^username: /],
    [{ username: 'x'.repeat(65), email: 'ok@example.com', password: GOOD_PASSWORD }, /^username: .*64/],
    [{ username: 'x', email: 'not-an-email', password: GOOD_PASSWORD }, /^email: /],
    [{ username: 'x', email: `${'a'.repeat(250)}@example.com`, password: GOOD_PASSWORD }, /^email: .*254/],
    [{ username: 'x', email: 'ok@example.com', password: 'short' }, /^password: .*at least 8/],
    [{ username: 'x', email: 'ok@example.com', password: 'p'.repeat(257) }, /^password: .*at most 256/],
    [{ username: 'x', email: 'ok@example.com', password: 'password123' }, /^password: .*common/],
  ])('refuses bad input %# with BAD_USER_INPUT naming the field', async (input, message) => {
    const res = await t.client().graphql(SIGN_UP, { input });
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0]?.message).toMatch(message);
    expect(await t.app.services.prisma.user.count({ where: { email: 'ok@example.com' } })).toBe(0);
  });

  it('counts password length in code points after NFC and never trims it', async () => {
    const email = uniqueEmail();
    // Eight code points, each two UTF-16 units: long enough; the emoji make it uncommon.
    const emoji = '🦊🐙🦉🐢🦔🐝🦋🐬';
    const res = await t.client().graphql(SIGN_UP, { input: { username: 'emoji', email, password: emoji } });
    expect(res.errors).toBeUndefined();
    // "e" + combining acute (NFD) signs in with the precomposed "é" (NFC) form of the same password.
    const nfd = ` cafe\u0301-harbor-cactus-42 `;
    const email2 = uniqueEmail();
    await t.client().graphql(SIGN_UP, { input: { username: 'nfc', email: email2, password: nfd } });
    const nfc = await t.client().graphql(SIGN_IN, { input: { email: email2, password: nfd.normalize('NFC') } });
    expect(nfc.data?.signIn.message).toBe('login successful!');
    const trimmed = await t.client().graphql(SIGN_IN, { input: { email: email2, password: nfd.trim() } });
    expect(trimmed.errors?.[0]?.extensions?.code).toBe('INVALID_CREDENTIALS');
  });
});

describe('signIn', () => {
  const email = uniqueEmail('signin');
  beforeAll(async () => {
    await t.client().graphql(SIGN_UP, { input: { username: 'Sig', email, password: GOOD_PASSWORD } });
  });

  it('signs in with the email in any case and spacing, and answers "login successful!"', async () => {
    const client = t.client();
    const res = await client.graphql(SIGN_IN, { input: { email: `  ${email.toUpperCase()}`, password: GOOD_PASSWORD } });
    expect(res.data?.signIn).toMatchObject({ message: 'login successful!', user: { email, username: 'Sig' } });
    expect((await client.graphql(ME)).data?.me).toMatchObject({ email });
  });

  it('gives the same INVALID_CREDENTIALS for a wrong password and an unknown email', async () => {
    const wrong = await t.client().graphql(SIGN_IN, { input: { email, password: 'not-the-password-1' } });
    const unknown = await t.client().graphql(SIGN_IN, { input: { email: uniqueEmail('nobody'), password: GOOD_PASSWORD } });
    for (const res of [wrong, unknown]) {
      expect(res.data).toBeNull();
      expect(res.errors).toEqual([expect.objectContaining({ message: 'invalid credentials!', extensions: { code: 'INVALID_CREDENTIALS' } })]);
      expect(res.setCookie).toBeUndefined();
    }
  });

  it('takes about as long for an unknown email as for a wrong password, so timing does not reveal accounts', async () => {
    // A costlier hash (t=4, twice the default) makes argon2 dominate each answer, so the difference
    // the test looks for (a verify or none) is large against the noise of a busy machine.
    const slow = await startTestApp({ env: { ARGON2_ITERATIONS: '4' } });
    onTestFinished(() => slow.close());
    const known = uniqueEmail('timed');
    await slow.client().graphql(SIGN_UP, { input: { username: 'Timed', email: known, password: GOOD_PASSWORD } });
    const time = async (input: { email: string; password: string }) => {
      const started = performance.now();
      const res = await slow.client().graphql(SIGN_IN, { input });
      expect(res.errors?.[0]?.extensions?.code).toBe('INVALID_CREDENTIALS');
      return performance.now() - started;
    };
    await time({ email: uniqueEmail('warm-up'), password: 'wrong-password-0' });
    // In pairs, each order alike, so load on the machine falls on both of a pair; the median of the
    // pairs' ratios, so a few hiccups do not count. Without the dummy verify an unknown email skips
    // argon2 and answers in well under a fifth of the time (ratio < 0.2).
    const ratios: number[] = [];
    for (let i = 0; i < 11; i++) {
      const wrong = { email: known, password: `wrong-password-${i}` };
      const ghost = { email: uniqueEmail('ghost'), password: `wrong-password-${i}` };
      const [first, second] = i % 2 ? [await time(ghost), await time(wrong)] : [await time(wrong), await time(ghost)];
      ratios.push(i % 2 ? first / second : second / first);
    }
    const median = [...ratios].sort((a, b) => a - b)[5]!;
    expect(median).toBeGreaterThan(0.5);
    expect(median).toBeLessThan(2);
  }, 240_000);

  it('creates a new session row for every sign-in', async () => {
    const first = await t.client().graphql(SIGN_IN, { input: { email, password: GOOD_PASSWORD } });
    const second = await t.client().graphql(SIGN_IN, { input: { email, password: GOOD_PASSWORD } });
    expect(first.data?.signIn.session.id).not.toBe(second.data?.signIn.session.id);
  });

  it('upgrades a hash made with weaker argon2 parameters at the next sign-in', async () => {
    const argon2 = (await import('argon2')).default;
    const weak = await argon2.hash(GOOD_PASSWORD, { type: argon2.argon2id, memoryCost: 8192, timeCost: 1, parallelism: 1 });
    const user = await t.app.services.prisma.user.update({ where: { email }, data: { passwordHash: weak } });
    const res = await t.client().graphql(SIGN_IN, { input: { email, password: GOOD_PASSWORD } });
    expect(res.data?.signIn.message).toBe('login successful!');
    const after = await t.app.services.prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(after.passwordHash).not.toBe(weak);
    expect(after.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
  });
});

describe('dashboard, me and logout', () => {
  it('refuses the dashboard without a session, and me answers null', async () => {
    const client = t.client();
    const dashboard = await client.graphql(DASHBOARD);
    expect(dashboard.data).toBeNull();
    expect(dashboard.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(dashboard.errors?.[0]?.message).toMatch(/sign in/);
    const me = await client.graphql(ME);
    expect(me.errors).toBeUndefined();
    expect(me.data).toEqual({ me: null });
  });

  it('logs out: the cookie is cleared and the dashboard refused afterwards', async () => {
    const client = t.client();
    await client.graphql(SIGN_UP, { input: { username: 'Bye', email: uniqueEmail(), password: GOOD_PASSWORD } });
    const res = await client.graphql(LOGOUT);
    expect(res.data?.logout.message).toBe('logout successful!');
    expect(res.setCookie).toMatchObject({ value: '', maxAge: 0 });
    expect((await client.graphql(DASHBOARD)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('answers "logout successful!" when no one was signed in', async () => {
    const res = await t.client().graphql(LOGOUT);
    expect(res.data?.logout.message).toBe('logout successful!');
  });
});
