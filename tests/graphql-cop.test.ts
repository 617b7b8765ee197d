// One test per check of graphql-cop (a widely used GraphQL security scanner), sending what it sends.
// Refusal before execution is proven by a side effect where an operation can carry one: a signUp
// in the same mutation must not create its user. Every refusal has no `data` entry at all, which is
// how GraphQL tells a request refused before execution from one that ran and failed. Run in
// production settings, as graphql-cop meets a deployment; the introspection checks with
// introspection on (the development default), since production refuses introspection outright.
import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUpNewUser } from './support/accounts.ts';
import { GOOD_PASSWORD, SIGN_UP, uniqueEmail } from './support/operations.ts';
import { startSecondInstance, startTestApp, type TestApp } from './support/test-app.ts';
import type { GraphqlResponse, TestClient } from './support/test-client.ts';

let production: TestApp;
let development: TestApp;
beforeAll(async () => {
  // COOKIE_SECURE=false: the tests speak plain HTTP on loopback, where a Secure cookie is not sent.
  production = await startTestApp({ env: { NODE_ENV: 'production', COOKIE_SECURE: 'false' } });
  // On the same database: one embedded database to start, not two.
  development = await startSecondInstance(production);
});
afterAll(async () => {
  await development?.close();
  await production?.close();
});

const usersWith = (app: TestApp, email: string) => app.app.services.prisma.user.count({ where: { email } });
/** A signUp to put beside an attack in one mutation: if anything executed, its user exists. */
const signUpField = (email: string) => `signUp(input: { username: "Cop", email: "${email}", password: "${GOOD_PASSWORD}" }) { message }`;

function expectRefused(res: GraphqlResponse, code: string, status = 200): void {
  expect(res.status).toBe(status);
  // No `data` entry, not even null: nothing was executed.
  expect(res.data).toBeUndefined();
  expect(res.errors).toHaveLength(1);
  expect(res.errors?.[0]?.extensions?.code).toBe(code);
}

describe('alias overloading', () => {
  const aliases = (n: number) => Array.from({ length: n }, (_, i) => `a${i}: __typename`).join(' ');

  it('refuses 101 aliases of __typename before executing anything: the signUp beside them creates no user', async () => {
    const email = uniqueEmail('aliases');
    const res = await production.client().graphql(`mutation { ${aliases(101)} ${signUpField(email)} }`);
    expectRefused(res, 'QUERY_TOO_COMPLEX');
    expect(res.errors?.[0]?.message).toBe('Aliases limit of 5 exceeded, found 101.');
    expect(await usersWith(production, email)).toBe(0);
  });

  it('answers 400 to a client that accepts application/graphql-response+json, and still serves 5 aliases', async () => {
    const res = await production.client().graphql(`{ ${aliases(6)} }`, undefined, { accept: 'application/graphql-response+json' });
    expectRefused(res, 'QUERY_TOO_COMPLEX', 400);
    expect((await production.client().graphql(`{ ${aliases(5)} }`)).data).toEqual({ a0: 'Query', a1: 'Query', a2: 'Query', a3: 'Query', a4: 'Query' });
  });
});

describe('introspection fields count toward every limit', () => {
  it('counts __typename and __type toward the depth limit of 8', async () => {
    const nested = (levels: number) => `query { me { ${'... on User { '.repeat(levels)}__typename${' }'.repeat(levels)} } }`;
    expect((await production.client().graphql(nested(6))).data).toEqual({ me: null });
    expectRefused(await production.client().graphql(nested(7)), 'QUERY_TOO_COMPLEX');
    const typeRefs = `__type(name: "User") { fields { type { ${'ofType { '.repeat(5)}name${' }'.repeat(5)} } } }`;
    const res = await development.client().graphql(`query { ${typeRefs} }`);
    expectRefused(res, 'QUERY_TOO_COMPLEX');
    expect(res.errors?.[0]?.message).toBe('Query depth limit of 8 exceeded, found 9.');
  });

  it('counts __typename toward the token and cost limits', async () => {
    const tokens = await production.client().graphql(`query { ${'__typename '.repeat(1000)} }`);
    expectRefused(tokens, 'QUERY_TOO_COMPLEX');
    expect(tokens.errors?.[0]?.message).toBe('Token limit of 1000 exceeded.');
    const fanOut = `query { ...A ...A ...A ...A ...A }
      fragment A on Query { ...B ...B ...B ...B ...B }
      fragment B on Query { ...C ...C ...C ...C ...C }
      fragment C on Query { __typename __typename __typename __typename }`;
    const cost = await production.client().graphql(fanOut);
    expectRefused(cost, 'QUERY_TOO_COMPLEX');
    expect(cost.errors?.[0]?.message).toMatch(/^Query Cost limit of 1000 exceeded/);
  });
});

describe('directive overloading', () => {
  it.each([10, 50])('refuses %i repeated directives with one error, not one per directive, before executing anything', async (n) => {
    const res = await production.client().graphql(`query { __typename ${'@aa'.repeat(n)} }`);
    expectRefused(res, 'QUERY_TOO_COMPLEX');
    expect(res.errors?.[0]?.message).toBe(`Directives limit of 5 exceeded, found ${n}.`);
    const email = uniqueEmail('directives');
    const mutation = await production.client().graphql(`mutation { ${signUpField(email).replace('{ message }', `${'@skip(if: false)'.repeat(n)} { message }`)} }`);
    expectRefused(mutation, 'QUERY_TOO_COMPLEX');
    expect(await usersWith(production, email)).toBe(0);
  });
});

describe('introspection-based circular and deep queries (introspection on)', () => {
  let signedIn: TestClient;
  beforeAll(async () => {
    signedIn = (await signUpNewUser(development)).client;
  });

  it("refuses graphql-cop's circular introspection query before executing anything, the signed-in dashboard beside it included", async () => {
    const circular = '__schema { types { fields { type { fields { type { fields { type { fields { type { name } } } } } } } } } }';
    const res = await signedIn.graphql(`query { dashboard { message } ${circular} }`);
    expectRefused(res, 'QUERY_TOO_COMPLEX');
    expect(res.errors?.[0]?.message).toMatch(/^Maximum introspection depth exceeded/);
  });

  it('refuses type references nested 30 levels deep, and still answers the standard introspection query GraphiQL sends', async () => {
    const ofType = `${'ofType { '.repeat(30)}name${' }'.repeat(30)}`;
    const res = await signedIn.graphql(`query { dashboard { message } __type(name: "User") { fields { type { ${ofType} } } } }`);
    expectRefused(res, 'QUERY_TOO_COMPLEX');
    const viaSchema = await signedIn.graphql(`query { __schema { types { fields { type { ${ofType} } } } } }`);
    expectRefused(viaSchema, 'QUERY_TOO_COMPLEX');
    expect(viaSchema.errors?.[0]?.message).toMatch(/^Introspection depth limit of 21 exceeded/);

    const standard = getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true, oneOf: true });
    const schema = await signedIn.graphql(standard);
    expect(schema.errors).toBeUndefined();
    expect(schema.data?.__schema.queryType.name).toBe('Query');
  });
});

describe('array-based batching', () => {
  it('refuses a batch with 400 BAD_REQUEST and runs none of it', async () => {
    const emails = [uniqueEmail('batch'), uniqueEmail('batch')];
    const batch = emails.map((email) => ({ query: SIGN_UP.toString(), variables: { input: { username: 'Batch', email, password: GOOD_PASSWORD } } }));
    const res = await production.client().send(JSON.stringify(batch));
    expectRefused(res, 'BAD_REQUEST', 400);
    for (const email of emails) expect(await usersWith(production, email)).toBe(0);
  });
});

describe('mutations over GET and non-JSON POSTs (CSRF)', () => {
  it('refuses a mutation over GET with 405 METHOD_NOT_ALLOWED and Allow: POST, and creates nothing', async () => {
    const email = uniqueEmail('get');
    const res = await production.client().get({ query: `mutation { ${signUpField(email)} }` });
    expectRefused(res, 'METHOD_NOT_ALLOWED', 405);
    expect(res.headers.get('allow')).toBe('POST');
    expect(await usersWith(production, email)).toBe(0);
  });

  it.each([
    ['application/x-www-form-urlencoded', (query: string) => `query=${encodeURIComponent(query)}`],
    [
      'multipart/form-data; boundary=cop',
      (query: string) =>
        `--cop\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${JSON.stringify({ query })}\r\n` +
        `--cop\r\nContent-Disposition: form-data; name="map"\r\n\r\n{}\r\n--cop--\r\n`,
    ],
  ])('refuses a %s POST with 415 UNSUPPORTED_MEDIA_TYPE and creates nothing', async (contentType, encode) => {
    const email = uniqueEmail('form');
    const res = await production.client().send(encode(`mutation { ${signUpField(email)} }`), { 'content-type': contentType });
    expectRefused(res, 'UNSUPPORTED_MEDIA_TYPE', 415);
    expect(await usersWith(production, email)).toBe(0);
  });
});

describe('information disclosure in production', () => {
  it('refuses introspection', async () => {
    const res = await production.client().graphql('query { __schema { queryType { name } } }');
    expect(res.data).toBeUndefined();
    expect(res.errors?.length).toBeGreaterThan(0);
    for (const error of res.errors!) {
      expect(error).toMatchObject({ message: expect.stringMatching(/introspection has been disabled/), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    }
  });

  it('gives no field suggestions, in the query or in variables', async () => {
    const inSchema = await production.client().graphql('query { __schema { directive } }');
    const inQuery = await production.client().graphql('query { me { emial } }');
    const inVariables = await production.client().graphql('mutation ($input: SignInInput!) { signIn(input: $input) { message } }', {
      input: { emial: uniqueEmail('typo'), password: GOOD_PASSWORD },
    });
    for (const res of [inSchema, inQuery, inVariables]) {
      expect(res.errors?.length).toBeGreaterThan(0);
      for (const error of res.errors!) {
        expect(error.message).not.toMatch(/Did you mean/);
        expect(error.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      }
    }
  });

  it('serves no GraphiQL or other IDE to a browser', async () => {
    const res = await fetch(production.graphqlUrl, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(res.headers.get('content-type') ?? '').not.toMatch(/text\/html/);
    expect(await res.text()).not.toMatch(/graphiql|playground/i);
  });

  it('has no trace mode: neither ?trace nor extensions.tracing adds tracing or a stack', async () => {
    const viaGet = await production.client().get({ query: '{ __typename }', trace: '1' });
    const viaExtensions = await production.client().send(JSON.stringify({ query: '{ __typename }', extensions: { tracing: true } }));
    for (const res of [viaGet, viaExtensions]) {
      expect(res.status).toBe(200);
      expect(res.data).toEqual({ __typename: 'Query' });
      expect(res.errors).toBeUndefined();
    }
    const raw = await fetch(production.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }', extensions: { tracing: true } }),
    });
    expect(await raw.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('answers a malformed query with GRAPHQL_PARSE_FAILED and nothing else: no exception, no stack', async () => {
    for (const accept of ['application/json', 'application/graphql-response+json']) {
      const raw = await fetch(production.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept },
        body: JSON.stringify({ query: 'qwerty cop { abc }' }),
      });
      expect(raw.status).toBe(accept === 'application/json' ? 200 : 400);
      const body = (await raw.json()) as Record<string, unknown>;
      expect(body).toEqual({
        errors: [{ message: 'Syntax Error: Unexpected Name "qwerty".', locations: [{ line: 1, column: 1 }], extensions: { code: 'GRAPHQL_PARSE_FAILED' } }],
      });
    }
  });
});
