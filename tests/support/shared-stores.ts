// The stores that instances can share counters through, for tests of several instances: the
// PostgreSQL store in the "postgres" project, Redis wherever TEST_REDIS_URL names one.
import { afterAll, beforeAll } from 'vitest';
import { startSecondInstance, startTestApp, type TestApp } from './test-app.ts';
import { usingPostgres } from './test-database.ts';

export interface SharedStore {
  name: string;
  env: Record<string, string>;
}

export const SHARED_STORES: SharedStore[] = [
  ...(usingPostgres ? [{ name: 'PostgreSQL', env: {} }] : []),
  ...(process.env.TEST_REDIS_URL ? [{ name: 'Redis', env: { REDIS_URL: process.env.TEST_REDIS_URL } }] : []),
];

export interface InstancePair {
  a: TestApp;
  b: TestApp;
}

/**
 * Two instances on one store and one database, started before the enclosing describe's tests and
 * closed after them. The pair is filled in by then: read it inside the tests.
 */
export function twoInstancesOn(store: SharedStore, env: Record<string, string>): InstancePair {
  const pair = {} as InstancePair;
  beforeAll(async () => {
    pair.a = await startTestApp({ env: { ...env, ...store.env } });
    pair.b = await startSecondInstance(pair.a, { ...env, ...store.env });
  });
  afterAll(async () => {
    await pair.b?.close();
    await pair.a?.close();
  });
  return pair;
}
