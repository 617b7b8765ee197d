// Accounts without a password (made through an identity provider or by invitation; here the hash
// is removed from a signed-up account, as those flows leave it): hasPassword, signIn refused like a
// wrong password, a fresh session standing in for the password where one is asked for (and
// REAUTHENTICATION_REQUIRED once it is stale), a first password set by changePassword or "forgot
// password"; and an account with a password still has to send it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, signUpNewUser, type SignedUpUser } from './support/accounts.ts';
import {
  CHANGE_EMAIL,
  CHANGE_PASSWORD,
  DELETE_USER,
  GOOD_PASSWORD,
  REMOVE_PASSKEY,
  RESET_PASSWORD,
  SEND_MAIL,
  SIGN_IN,
  START_PASSKEY_REGISTRATION,
  START_TWO_FACTOR_SETUP,
  uniqueEmail,
} from './support/operations.ts';
import { PASSKEY_ENV, registerPasskey } from './support/passkeys.ts';
import { MAIL, resetCodeIn } from './support/smtp-sink.ts';
import { SoftAuthenticator } from './support/soft-authenticator.ts';
import { startAppWithMailbox, type TestApp, type TestAppWithMailbox } from './support/test-app.ts';
import type { GraphqlResponse, TestClient } from './support/test-client.ts';

const HAS_PASSWORD = `query { me { hasPassword } }`;
const NEW_PASSWORD = 'lantern-orchard-velvet-19';

/** A signed-up account whose password is then removed, as a provider sign-up or an invitation leaves one. */
async function withoutPassword(app: TestApp): Promise<SignedUpUser> {
  const user = await signUpNewUser(app);
  await app.app.services.prisma.user.update({ where: { id: user.userId }, data: { passwordHash: null } });
  return user;
}

const hasPassword = async (client: TestClient) => (await client.graphql(HAS_PASSWORD)).data?.me.hasPassword;

describe('an account without a password', () => {
  let t: TestAppWithMailbox;
  beforeAll(async () => {
    t = await startAppWithMailbox(PASSKEY_ENV);
  });
  afterAll(() => t?.close());

  it('shows hasPassword false (true for others) and is refused at signIn like a wrong password', async () => {
    const { client, email } = await withoutPassword(t);
    expect(await hasPassword(client)).toBe(false);
    expect(await hasPassword((await signUpNewUser(t)).client)).toBe(true);
    const res = await t.client().graphql(SIGN_IN, { input: { email, password: GOOD_PASSWORD } });
    expect(res.errors?.[0]).toMatchObject({ message: 'invalid credentials!', extensions: { code: 'INVALID_CREDENTIALS' } });
  });

  it('sets its first password with changePassword from a fresh session, and then signs in with it', async () => {
    const { client, email } = await withoutPassword(t);
    const changed = await client.graphql(CHANGE_PASSWORD, { input: { newPassword: NEW_PASSWORD } });
    expect(changed.errors).toBeUndefined();
    expect(await hasPassword(client)).toBe(true);
    expect((await t.client().graphql(SIGN_IN, { input: { email, password: NEW_PASSWORD } })).errors).toBeUndefined();
  });

  it('sets its first password with "forgot password"', async () => {
    const { email } = await withoutPassword(t);
    await t.client().graphql(SEND_MAIL, { input: { email } });
    const code = resetCodeIn(await t.sink.waitForMail(email, 1, MAIL.resetCode));
    expect((await t.client().graphql(RESET_PASSWORD, { input: { email, code, newPassword: NEW_PASSWORD } })).errors).toBeUndefined();
    expect((await t.client().graphql(SIGN_IN, { input: { email, password: NEW_PASSWORD } })).errors).toBeUndefined();
  });

  it('changes its email, sets up two-factor and adds and removes a passkey from a fresh session, without a password', async () => {
    const { client } = await withoutPassword(t);
    expect((await client.graphql(CHANGE_EMAIL, { input: { newEmail: uniqueEmail() } })).errors).toBeUndefined();
    expect((await client.graphql(START_TWO_FACTOR_SETUP, { input: {} })).errors).toBeUndefined();
    const passkey = await registerPasskey(client, new SoftAuthenticator(PASSKEY_ENV.PASSKEY_ORIGINS));
    expect((await client.graphql(REMOVE_PASSKEY, { input: { id: passkey.id } })).errors).toBeUndefined();
  });

  it('deletes itself from a fresh session, without a password', async () => {
    const { client, email, userId } = await withoutPassword(t);
    expect((await client.graphql(DELETE_USER, { input: { email } })).errors).toBeUndefined();
    expect(await t.app.services.prisma.user.count({ where: { id: userId } })).toBe(0);
  });
});

describe('a stale session of an account without a password', () => {
  let t: TestAppWithMailbox;
  beforeAll(async () => {
    t = await startAppWithMailbox({ ...PASSKEY_ENV, REAUTH_MAX_AGE_SECONDS: '1' });
  });
  afterAll(() => t?.close());

  it('answers REAUTHENTICATION_REQUIRED (with maxAge) wherever a password would be asked, and changes nothing', async () => {
    const { client, email, userId } = await withoutPassword(t);
    const started = Date.now();
    // The session is still live (10 minutes idle); it is only older than the window.
    while (Date.now() - started <= 1_100) await new Promise((resolve) => setTimeout(resolve, 100));
    const answers: GraphqlResponse[] = [
      await client.graphql(DELETE_USER, { input: { email } }),
      await client.graphql(CHANGE_PASSWORD, { input: { newPassword: NEW_PASSWORD } }),
      await client.graphql(CHANGE_EMAIL, { input: { newEmail: uniqueEmail() } }),
      await client.graphql(START_TWO_FACTOR_SETUP, { input: {} }),
      await client.graphql(START_PASSKEY_REGISTRATION, { input: {} }),
    ];
    for (const res of answers) {
      expect(res.errors?.[0]).toMatchObject({ message: 'sign in again to do this', extensions: { code: 'REAUTHENTICATION_REQUIRED', maxAge: 1 } });
    }
    const user = await t.app.services.prisma.user.findUniqueOrThrow({ where: { id: userId } });
    expect(user).toMatchObject({ email, passwordHash: null });
  });
});

describe('an account with a password', () => {
  let t: TestAppWithMailbox;
  beforeAll(async () => {
    t = await startAppWithMailbox(PASSKEY_ENV);
  });
  afterAll(() => t?.close());

  it('must still send it: leaving it out is BAD_USER_INPUT naming the field, and nothing changes', async () => {
    const { client, email } = await signUpNewUser(t);
    const cases: [GraphqlResponse, string][] = [
      [await client.graphql(DELETE_USER, { input: { email } }), 'password'],
      [await client.graphql(CHANGE_PASSWORD, { input: { newPassword: NEW_PASSWORD } }), 'currentPassword'],
      [await client.graphql(CHANGE_EMAIL, { input: { newEmail: uniqueEmail() } }), 'password'],
      [await client.graphql(START_TWO_FACTOR_SETUP, { input: {} }), 'password'],
      [await client.graphql(START_PASSKEY_REGISTRATION, { input: { password: null } }), 'password'],
    ];
    for (const [res, field] of cases) expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(errorCode(await t.client().graphql(SIGN_IN, { input: { email, password: GOOD_PASSWORD } }))).toBeUndefined();
  });
});
