// What every refusal by a rate limit looks like to a client, and client addresses for tests that
// run behind a trusted proxy (TRUST_PROXY=true): one address per client keeps tests from counting
// against each other, also in a Redis that other test runs share.
import { randomInt } from 'node:crypto';
import { expect } from 'vitest';
import type { GraphqlResponse } from './test-client.ts';

/**
 * RATE_LIMITED, with retryAfter a whole number of seconds from 1 to the rule's window. No session
 * is started; a request that carried one gets it refreshed, not cleared.
 */
export function expectRateLimited(res: GraphqlResponse, windowSeconds: number, options: { carriedSession?: boolean } = {}): void {
  expect(res.status).toBe(200);
  expect(res.data ?? null).toBeNull();
  expect(res.errors).toHaveLength(1);
  const error = res.errors![0]!;
  expect(error.extensions?.code).toBe('RATE_LIMITED');
  expect(error.message).toMatch(/too many attempts/);
  const retryAfter = error.extensions?.retryAfter;
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
  if (options.carriedSession) expect(res.setCookie?.maxAge).toBeGreaterThan(0);
  else expect(res.setCookie).toBeUndefined();
}

/** The error code of a single-field response, or 'ok'. */
export function outcome(res: GraphqlResponse): string {
  return res.errors?.[0]?.extensions?.code ?? (res.data ? 'ok' : `status ${res.status}`);
}

// Consecutive from a random start: never the same twice in one run, and unlikely to meet another
// run's addresses in a shared Redis.
let nextAddress = randomInt(2 ** 24 - 100_000);

/** A private IPv4 address (10.0.0.0/8) no other client of this run has, for X-Forwarded-For. */
export function uniqueAddress(): string {
  nextAddress += 1;
  return `10.${(nextAddress >> 16) & 255}.${(nextAddress >> 8) & 255}.${nextAddress & 255}`;
}

/** An IPv6 /64 (in 2001:db8::/32, the documentation range) no other client of this run has, without its host part. */
export function uniqueIpv6Prefix(): string {
  nextAddress += 1;
  return `2001:db8:${((nextAddress >> 16) & 0xffff).toString(16)}:${(nextAddress & 0xffff).toString(16)}`;
}
