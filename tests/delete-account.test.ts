// deleteUser over HTTP: the account and everything that belongs to it go, and nothing that was
// signed in as it keeps working.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUpNewUser } from './support/accounts.ts';
import { DASHBOARD, DELETE_USER, GOOD_PASSWORD, SEND_MAIL, SIGN_IN, uniqueEmail } from './support/operations.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const signUp = (email?: string) => signUpNewUser(t, email ? { email } : {});

const accounts = (email: string) => t.app.services.prisma.user.count({ where: { email } });

describe('deleteUser', () => {
  it('deletes the account with its sessions and reset code, clears the cookie and frees the email', async () => {
    const { email, client, userId } = await signUp();
    await t.client().graphql(SIGN_IN, { input: { email, password: GOOD_PASSWORD } });
    await t.client().graphql(SEND_MAIL, { input: { email } });
    // The code is stored after sendMail answers; wait for that work, so its removal below means something.
    await t.app.services.background.drain();
    expect(await t.app.services.prisma.oneTimeCode.count({ where: { userId, purpose: 'password_reset' } })).toBe(1);
    expect(await t.app.services.prisma.session.count({ where: { userId } })).toBe(2);

    const res = await client.graphql(DELETE_USER, { input: { email, password: GOOD_PASSWORD } });
    expect(res.errors).toBeUndefined();
    expect(res.data?.deleteUser.message).toBe('delete successful!');
    expect(res.setCookie).toMatchObject({ value: '', maxAge: 0 });

    expect(await accounts(email)).toBe(0);
    expect(await t.app.services.prisma.session.count({ where: { userId } })).toBe(0);
    expect(await t.app.services.prisma.oneTimeCode.count({ where: { userId } })).toBe(0);
    const signIn = await t.client().graphql(SIGN_IN, { input: { email, password: GOOD_PASSWORD } });
    expect(signIn.errors?.[0]?.extensions?.code).toBe('INVALID_CREDENTIALS');
    await signUp(email);
  });

  it('refuses a wrong password with INVALID_CREDENTIALS and keeps the account', async () => {
    const { email, client } = await signUp();
    const res = await client.graphql(DELETE_USER, { input: { email, password: 'not-the-password-1' } });
    expect(res.data).toBeNull();
    expect(res.errors).toEqual([expect.objectContaining({ message: 'invalid credentials!', extensions: { code: 'INVALID_CREDENTIALS' } })]);

    expect(await accounts(email)).toBe(1);
    expect((await client.graphql(DASHBOARD)).data?.dashboard.user.email).toBe(email);
  });

  it("refuses another account's email with FORBIDDEN and keeps both accounts", async () => {
    const mine = await signUp();
    const theirs = await signUp();
    const res = await mine.client.graphql(DELETE_USER, { input: { email: theirs.email, password: GOOD_PASSWORD } });
    expect(res.data).toBeNull();
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    expect(await accounts(mine.email)).toBe(1);
    expect(await accounts(theirs.email)).toBe(1);
    expect((await theirs.client.graphql(DASHBOARD)).data?.dashboard.user.email).toBe(theirs.email);
  });

  it('refuses a caller without a session with UNAUTHENTICATED, even with the right password', async () => {
    const { email } = await signUp();
    const res = await t.client().graphql(DELETE_USER, { input: { email, password: GOOD_PASSWORD } });
    expect(res.data).toBeNull();
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(res.errors?.[0]?.message).toMatch(/sign in/);
    expect(await accounts(email)).toBe(1);
  });

  it("refuses the deleted account's old token afterwards, and clears it", async () => {
    const { email, client } = await signUp();
    const copied = await client.token();
    await client.graphql(DELETE_USER, { input: { email, password: GOOD_PASSWORD } });

    const replay = t.client();
    await replay.useToken(copied!);
    const res = await replay.graphql(DASHBOARD);
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(res.setCookie).toMatchObject({ value: '', maxAge: 0 });
  });

  it('signs out the same user on another device too', async () => {
    const { email, client } = await signUp();
    const phone = t.client();
    await phone.graphql(SIGN_IN, { input: { email, password: GOOD_PASSWORD } });
    expect((await phone.graphql(DASHBOARD)).data?.dashboard.user.email).toBe(email);

    expect((await client.graphql(DELETE_USER, { input: { email, password: GOOD_PASSWORD } })).data?.deleteUser.message).toBe('delete successful!');
    const res = await phone.graphql(DASHBOARD);
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(res.setCookie).toMatchObject({ value: '', maxAge: 0 });
  });

  it('matches the email trimmed and in any case', async () => {
    const { email, client } = await signUp(uniqueEmail('abc'));
    const res = await client.graphql(DELETE_USER, { input: { email: ` ${email.toUpperCase()} `, password: GOOD_PASSWORD } });
    expect(res.data?.deleteUser.message).toBe('delete successful!');
    expect(await accounts(email)).toBe(0);
  });
});
