// A fresh account, signed up over HTTP as a user would: most tests start from one.
import { expect } from 'vitest';
import { GOOD_PASSWORD, SIGN_UP, uniqueEmail } from './operations.ts';
import type { TestApp } from './test-app.ts';
import type { TestClient } from './test-client.ts';

export interface SignedUpUser {
  /** Holds the new account's session cookie. */
  client: TestClient;
  email: string;
  userId: string;
}

/** Signs up a new account (password GOOD_PASSWORD) on `client`, a fresh one by default. */
export async function signUpNewUser(
  app: TestApp,
  options: { client?: TestClient; email?: string; username?: string } = {},
): Promise<SignedUpUser> {
  const client = options.client ?? app.client();
  const email = options.email ?? uniqueEmail();
  const res = await client.graphql(SIGN_UP, { input: { username: options.username ?? 'Tester', email, password: GOOD_PASSWORD } });
  expect(res.errors).toBeUndefined();
  expect(res.data?.signUp.message).toBe('user created!');
  return { client, email, userId: res.data!.signUp.user.id };
}
