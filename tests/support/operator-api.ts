// Calling the operator API over real HTTP: a key made through the service (as the command does),
// and a small client for POST /admin/graphql.
import type { OperatorScope } from '../../src/services/operators/operator-keys.ts';
import type { TestApp } from './test-app.ts';

export const ADMIN_ENV = { ADMIN_PORT: '0' };

/** The operator mails, told apart by the words the contract puts in their subjects. */
export const OPERATOR_MAIL = {
  invitation: /invitation/i,
  disabled: /^(?=.*account)(?=.*disabled)/i,
  enabled: /^(?=.*account)(?=.*enabled)/i,
  deleted: /^(?=.*account)(?=.*deleted)/i,
} as const;


export interface AdminResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: { data?: T | null; errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> & { code?: string } }[] };
}

export async function createKey(app: TestApp, scope: OperatorScope = 'write', name = `test ${scope} key`): Promise<string> {
  return (await app.app.services.operatorKeys.create({ name, scope })).token;
}

export function adminUrl(app: TestApp): URL {
  const base = app.app.adminUrl();
  if (!base) throw new Error('the app was started without ADMIN_PORT');
  return new URL('/admin/graphql', base);
}

/** POSTs a GraphQL request with the key; `init` overrides method, headers or body. */
export async function adminRequest<T = Record<string, unknown>>(
  app: TestApp,
  key: string | null,
  query: string,
  variables: Record<string, unknown> = {},
  init: { headers?: Record<string, string>; method?: string; body?: string } = {},
): Promise<AdminResponse<T>> {
  const response = await fetch(adminUrl(app), {
    method: init.method ?? 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}), ...init.headers },
    ...(init.method === 'GET' || init.method === 'HEAD' ? {} : { body: init.body ?? JSON.stringify({ query, variables }) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : {} };
}
