// Passkeys as a user's browser makes them: the options the API returns, answered by the software
// authenticator, sent back.
import { expect } from 'vitest';
import {
  FINISH_PASSKEY_REGISTRATION,
  FINISH_PASSKEY_SIGN_IN,
  GOOD_PASSWORD,
  START_PASSKEY_REGISTRATION,
  START_PASSKEY_SIGN_IN,
} from './operations.ts';
import type { SoftAuthenticator, Tweaks } from './soft-authenticator.ts';
import type { TestClient } from './test-client.ts';

/** The origin the tests' pages would be served from: PASSKEY_ORIGINS in passkey tests. */
export const PASSKEY_ORIGIN = 'http://localhost:5173';
export const PASSKEY_ENV = { PASSKEY_RP_ID: 'localhost', PASSKEY_ORIGINS: PASSKEY_ORIGIN };

type Options = Record<string, any>;

export async function startRegistration(client: TestClient, input: { password?: string; code?: string } = {}) {
  const res = await client.graphql(START_PASSKEY_REGISTRATION, { input: { password: GOOD_PASSWORD, ...input } });
  expect(res.errors).toBeUndefined();
  const { challengeId, options } = res.data!.startPasskeyRegistration;
  return { challengeId, options: options as Options };
}

/** Registers a passkey for the account signed in on `client`; returns the stored passkey. */
export async function registerPasskey(client: TestClient, authenticator: SoftAuthenticator, name?: string, tweaks: Tweaks = {}) {
  const { challengeId, options } = await startRegistration(client);
  const response = authenticator.create(options, tweaks);
  const res = await client.graphql(FINISH_PASSKEY_REGISTRATION, { input: { challengeId, response, ...(name === undefined ? {} : { name }) } });
  expect(res.errors).toBeUndefined();
  return res.data!.finishPasskeyRegistration.passkey;
}

export async function startSignIn(client: TestClient, input: { email?: string; password?: string } = {}) {
  const res = await client.graphql(START_PASSKEY_SIGN_IN, { input });
  expect(res.errors).toBeUndefined();
  const { challengeId, options } = res.data!.startPasskeySignIn;
  return { challengeId, options: options as Options };
}

/** startPasskeySignIn then finishPasskeySignIn with the authenticator's answer; the finish's full response. */
export async function passkeySignIn(client: TestClient, authenticator: SoftAuthenticator, input: { email?: string; password?: string } = {}, tweaks: Tweaks = {}) {
  const { challengeId, options } = await startSignIn(client, input);
  return client.graphql(FINISH_PASSKEY_SIGN_IN, { input: { challengeId, response: authenticator.get(options, tweaks) } });
}
