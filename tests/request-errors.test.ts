// Request-level errors: each has its documented `extensions.code` and the HTTP status the
// GraphQL-over-HTTP spec asks for, for clients accepting application/json and for those accepting
// application/graphql-response+json, and carries nothing but message, locations and code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GOOD_PASSWORD, uniqueEmail } from './support/operations.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const JSON_TYPE = 'application/json';
const GRAPHQL_RESPONSE = 'application/graphql-response+json';
const SIGN_IN = 'mutation SignIn($input: SignInInput!) { signIn(input: $input) { message } }';

interface Answer {
  status: number;
  contentType: string | null;
  body: { data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, unknown>; [key: string]: unknown }> };
}

async function post(body: string, accept: string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(t.graphqlUrl, { method: 'POST', headers: { 'content-type': JSON_TYPE, accept, ...headers }, body });
  return { status: res.status, contentType: res.headers.get('content-type'), body: (await res.json()) as Answer['body'] };
}

function expectError(answer: Answer, code: string, status: number): void {
  expect(answer.status).toBe(status);
  expect(answer.body.data).toBeUndefined();
  expect(answer.body.errors?.length).toBeGreaterThan(0);
  for (const error of answer.body.errors!) {
    expect(error.extensions).toEqual({ code });
    // Nothing but these: no originalError, no stack, no exception.
    expect(Object.keys(error).every((key) => ['message', 'locations', 'extensions'].includes(key))).toBe(true);
  }
}

describe('not a well-formed GraphQL request: 400 BAD_REQUEST whatever the client accepts', () => {
  const malformed: Array<[string, string]> = [
    ['JSON cut short', '{"query": "{ me { id } }"'],
    ['unquoted keys', '{query: me}'],
    ['not JSON at all', 'not json at all'],
    ['no body', ''],
    ['a JSON null', 'null'],
    ['a JSON number', '42'],
    ['no query', '{"variables": {}}'],
    ['a numeric query', '{"query": 42}'],
    ['an object query', '{"query": {"kind": "Document"}}'],
    ['an array query', '{"query": ["{ me { id } }"]}'],
    ['string variables', '{"query": "{ me { id } }", "variables": "{}"}'],
    ['array variables', '{"query": "{ me { id } }", "variables": []}'],
    ['numeric extensions', '{"query": "{ me { id } }", "extensions": 1}'],
    ['a numeric operationName', '{"query": "{ me { id } }", "operationName": 1}'],
    ['an operationName naming no operation', '{"query": "query A { me { id } }", "operationName": "B"}'],
    ['several operations and no operationName', '{"query": "query A { me { id } } query B { me { id } }"}'],
    ['an unknown parameter', '{"query": "{ me { id } }", "queryId": "abc"}'],
    ['a batch', '[{"query": "{ me { id } }"}]'],
  ];

  it.each(malformed)('%s', async (_name, body) => {
    for (const accept of [JSON_TYPE, GRAPHQL_RESPONSE]) {
      const answer = await post(body, accept);
      expectError(answer, 'BAD_REQUEST', 400);
      expect(answer.contentType).toMatch(new RegExp(`^${accept.replace('+', '\\+')}`));
      // The JSON parser's own words (which name the runtime) stay on the server.
      expect(JSON.stringify(answer.body)).not.toMatch(/Unexpected token|position \d|SyntaxError|JSON at/);
    }
  });
});

describe('documents that do not parse, validate or fit their variables: 200 for application/json, 400 for graphql-response+json', () => {
  const cases: Array<[string, string, string]> = [
    ['a syntax error', JSON.stringify({ query: '{ me { id }' }), 'GRAPHQL_PARSE_FAILED'],
    ['an unknown field', JSON.stringify({ query: '{ me { passwordHash } }' }), 'GRAPHQL_VALIDATION_FAILED'],
    ['a missing variable', JSON.stringify({ query: SIGN_IN }), 'GRAPHQL_VALIDATION_FAILED'],
    [
      'a misspelled input field in the variables',
      JSON.stringify({ query: SIGN_IN, variables: { input: { emial: uniqueEmail('typo'), password: GOOD_PASSWORD } } }),
      'GRAPHQL_VALIDATION_FAILED',
    ],
    ['a variable of the wrong type', JSON.stringify({ query: SIGN_IN, variables: { input: { email: 42, password: GOOD_PASSWORD } } }), 'GRAPHQL_VALIDATION_FAILED'],
    ['over the token limit', JSON.stringify({ query: `{ me { ${'id '.repeat(1000)} } }` }), 'QUERY_TOO_COMPLEX'],
    ['over the depth limit', JSON.stringify({ query: `{ me { ${'... on User { '.repeat(9)}id${' }'.repeat(9)} } }` }), 'QUERY_TOO_COMPLEX'],
  ];

  it.each(cases)('%s', async (_name, body, code) => {
    expectError(await post(body, JSON_TYPE), code, 200);
    expectError(await post(body, GRAPHQL_RESPONSE), code, 400);
    // What Apollo Client and urql send: the newer media type first.
    expectError(await post(body, 'application/graphql-response+json, application/json;q=0.9'), code, 400);
  });
});

describe('methods and media types', () => {
  it('answers PUT and DELETE with 405 METHOD_NOT_ALLOWED and Allow: GET, POST', async () => {
    for (const method of ['PUT', 'DELETE']) {
      const res = await fetch(t.graphqlUrl, { method, headers: { 'content-type': JSON_TYPE, accept: JSON_TYPE }, body: '{"query": "{ me { id } }"}' });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('GET, POST');
      expectError({ status: res.status, contentType: null, body: (await res.json()) as Answer['body'] }, 'METHOD_NOT_ALLOWED', 405);
    }
  });

  it('answers a text/plain POST with 415 UNSUPPORTED_MEDIA_TYPE, in the media type the client accepts', async () => {
    for (const accept of [JSON_TYPE, GRAPHQL_RESPONSE]) {
      const answer = await post('{"query": "{ me { id } }"}', accept, { 'content-type': 'text/plain' });
      expectError(answer, 'UNSUPPORTED_MEDIA_TYPE', 415);
      expect(answer.body.errors?.[0]?.message).toBe('POST requests must have Content-Type: application/json (CSRF protection).');
      expect(answer.contentType).toMatch(new RegExp(`^${accept.replace('+', '\\+')}`));
    }
  });
});

it('logs none of these as server errors: they are the client\'s mistakes', () => {
  expect(t.logger.lines.filter((line) => line.startsWith('error'))).toEqual([]);
});
