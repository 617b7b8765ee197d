// The GraphQL-over-HTTP spec's conformance audits (graphql-http's serverAudits, from the spec's
// reference implementation), all 61 of them, against the real server: with the default settings,
// and with the production settings both with introspection on and with it off (the default).
import { type Audit, serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSecondInstance, startTestApp, type TestApp } from './support/test-app.ts';

// These four send `query Type($name: String!) { __type(name: $name) { name } }`: introspection.
const INTROSPECTING_AUDITS = new Set(['2EA1', '28B9', 'D6D5', '6A70']);

const settings: Array<[string, Record<string, string>]> = [
  ['default settings', {}],
  ['production settings with INTROSPECTION=true', { NODE_ENV: 'production', INTROSPECTION: 'true' }],
];

const auditsOf = (app: () => TestApp): Audit[] => serverAudits({ url: () => app().graphqlUrl.toString() });

// One database for the file; each group's server is an instance on it with its own settings.
let base: TestApp;
beforeAll(async () => {
  base = await startTestApp();
});
afterAll(() => base?.close());

describe.each(settings)('GraphQL over HTTP audits, %s: 61 of 61', (_name, env) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startSecondInstance(base, env);
  });
  afterAll(() => t?.close());

  const audits = auditsOf(() => t);

  it('are all 61 of them', () => {
    expect(audits).toHaveLength(61);
  });

  it.each(audits.map((audit) => [audit.name, audit] as const))('%s', async (_auditName, audit) => {
    const result = await audit.fn();
    // A warning or a notice counts: the server must meet every SHOULD and MAY as well.
    expect(result.status === 'ok' ? 'ok' : `${result.status}: ${result.reason}`).toBe('ok');
  });
});

describe('GraphQL over HTTP audits, production defaults (introspection off)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startSecondInstance(base, { NODE_ENV: 'production' });
  });
  afterAll(() => t?.close());

  const audits = auditsOf(() => t);

  it.each(audits.filter((a) => !INTROSPECTING_AUDITS.has(a.id)).map((a) => [a.name, a] as const))('%s', async (_auditName, audit) => {
    const result = await audit.fn();
    expect(result.status === 'ok' ? 'ok' : `${result.status}: ${result.reason}`).toBe('ok');
  });

  it.each(audits.filter((a) => INTROSPECTING_AUDITS.has(a.id)).map((a) => [a.name, a] as const))(
    'refuses the introspection in "%s", as production must',
    async (_auditName, audit) => {
      const result = await audit.fn();
      expect(result.status).not.toBe('ok');
      const body = result.status === 'ok' ? {} : ((await result.response.json()) as { errors?: Array<{ message: string; extensions?: { code?: string } }> });
      expect(body.errors?.[0]).toMatchObject({ message: expect.stringMatching(/introspection has been disabled/), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    },
  );
});
