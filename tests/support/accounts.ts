// A fresh account, signed up over HTTP as a user would: most tests start from one.
import { expect } from 'vitest';
import { GOOD_PASSWORD, SIGN_IN, SIGN_UP, uniqueEmail } from './operations.ts';
import { uniqueAddress } from './rate-limited.ts';
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

/** A client that presents itself as a browser (`userAgent`) at an address (behind TRUST_PROXY=true). */
export function deviceClient(app: TestApp, userAgent: string, address = uniqueAddress()): TestClient {
  return app.client({ headers: { 'user-agent': userAgent, 'x-forwarded-for': address } });
}

/** Signs `client` in to an existing account with GOOD_PASSWORD (or `password`); returns the session id. */
export async function signIn(client: TestClient, email: string, password = GOOD_PASSWORD): Promise<string> {
  const res = await client.graphql(SIGN_IN, { input: { email, password } });
  expect(res.errors).toBeUndefined();
  return res.data!.signIn.session.id;
}

/** The error code of the first error, or undefined when the operation succeeded. */
export const errorCode = (res: { errors?: { extensions?: { code?: string } }[] | undefined }) => res.errors?.[0]?.extensions?.code;
