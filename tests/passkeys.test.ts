import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUpNewUser } from './support/accounts.ts';
import { DASHBOARD, PASSKEYS } from './support/operations.ts';
import { PASSKEY_ENV, PASSKEY_ORIGIN, passkeySignIn, registerPasskey } from './support/passkeys.ts';
import { SoftAuthenticator } from './support/soft-authenticator.ts';
import { startAppWithMailbox, type TestAppWithMailbox } from './support/test-app.ts';

let t: TestAppWithMailbox;
beforeAll(async () => {
  t = await startAppWithMailbox(PASSKEY_ENV);
});
afterAll(() => t?.close());

describe('smoke', () => {
  it('registers and signs in', async () => {
    const { client, email } = await signUpNewUser(t);
    const authenticator = new SoftAuthenticator(PASSKEY_ORIGIN);
    const passkey = await registerPasskey(client, authenticator, 'Laptop');
    expect(passkey.name).toBe('Laptop');
    const list = await client.graphql(PASSKEYS);
    expect(list.data?.passkeys).toHaveLength(1);
    const fresh = t.client();
    const res = await passkeySignIn(fresh, authenticator);
    expect(res.errors).toBeUndefined();
    expect(res.data?.finishPasskeySignIn.user.email).toBe(email);
    expect((await fresh.graphql(DASHBOARD)).errors).toBeUndefined();
  });
});
