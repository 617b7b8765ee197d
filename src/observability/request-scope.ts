// Which request the running code belongs to. Each app keeps its own AsyncLocalStorage: Yoga runs
// the whole handling of a request inside it (useRequestObservability), so every log line written
// meanwhile, by Yoga, the error mask or a service, carries that request's id, and so does work a
// request leaves behind (its mail, sent after the answer).
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Logger, LogMethod } from '../logger.ts';

export interface RequestScope {
  readonly id: string;
  /** performance.now() when the request arrived. */
  readonly startedAt: number;
  /** Filled in as the request goes through GraphQL, read when its response is sent. */
  graphql?: GraphqlSummary;
  /** More for the access line: the operator API's key id and name, once the key is known. */
  access?: Record<string, string>;
}

export interface GraphqlSummary {
  /** The operation's name as the client gave it, cut short; undefined for anonymous ones. */
  operationName?: string;
  /** Root fields of the executed operation, by response key (alias or name) → field name. */
  rootFields?: Map<string, string>;
  /** Each error's code and the response key it belongs to, once the result is final. */
  errors?: Array<{ code: string; key: string | undefined }>;
}

export interface RequestScopes {
  run<T>(scope: RequestScope, fn: () => T): T;
  current(): RequestScope | undefined;
  /** Requests being handled right now. */
  inFlight(): number;
}

export function createRequestScopes(): RequestScopes {
  const storage = new AsyncLocalStorage<RequestScope>();
  let inFlight = 0;
  return {
    run<T>(scope: RequestScope, fn: () => T): T {
      inFlight++;
      let result: T;
      try {
        result = storage.run(scope, fn);
      } catch (error) {
        inFlight--;
        throw error;
      }
      if (result instanceof Promise) void result.finally(() => inFlight--).catch(() => {});
      else inFlight--;
      return result;
    },
    current: () => storage.getStore(),
    inFlight: () => inFlight,
  };
}

const SANE_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** The caller's X-Request-Id when it is sane (so a proxy's id follows the request), else a new one. */
export function requestIdFrom(header: string | null): string {
  return header !== null && SANE_REQUEST_ID.test(header) ? header : randomUUID();
}

/** A logger that adds the current request's id, when there is one, to every line. */
export function requestAwareLogger(base: Logger, scopes: RequestScopes): Logger {
  const method =
    (level: 'debug' | 'info' | 'warn' | 'error'): LogMethod =>
    (message, ...details) => {
      const scope = scopes.current();
      if (scope) base[level](message, { requestId: scope.id }, ...details);
      else base[level](message, ...details);
    };
  return {
    debug: method('debug'),
    info: method('info'),
    warn: method('warn'),
    error: method('error'),
    child: (fields) => requestAwareLogger(base.child(fields), scopes),
  };
}
