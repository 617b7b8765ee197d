// The operator API's checks, in the contract's order, before anything of the operation runs:
// transport (the HTTP layer and Yoga: 404/405/413/415/400) → an Origin header (403: no browsers)
// → the key (401; failures counted per client address, an address over its limit refused before
// its key is looked at) → the key's own rate limit (429) → parse and validation (Yoga) → a
// mutation with a read key (403) → execution.
import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { ServerContext } from '../context/create-context.ts';
import type { Logger } from '../logger.ts';
import type { RequestScopes } from '../observability/request-scope.ts';
import { AppError } from '../services/errors.ts';
import type { OperatorKeys, OperatorKeyView } from '../services/operators/operator-keys.ts';
import { clientKey, type RateLimits } from '../services/security/rate-limits.ts';
import { browserRefused, keyRefused, readOnlyKey, tooManyRequests } from './admin-errors.ts';

/** The Node layer's context, and the key once the gate let it through. */
export interface AdminServerContext extends ServerContext {
  operatorKey?: OperatorKeyView;
}

const BEARER = /^Bearer +(\S+)$/i;

export function useOperatorGate(deps: { keys: OperatorKeys; limits: RateLimits; logger: Logger; scopes: RequestScopes }): Plugin<{}, AdminServerContext> {
  const { keys, limits, logger, scopes } = deps;

  async function limited(consume: () => Promise<void>): Promise<void> {
    try {
      await consume();
    } catch (error) {
      if (error instanceof AppError && error.code === 'RATE_LIMITED') throw tooManyRequests(Number(error.extensions.retryAfter) || 1);
      throw error;
    }
  }

  return {
    async onParams({ request, context }) {
      if (request.headers.has('origin')) throw browserRefused();
      const address = clientKey(context.clientIp);
      await limited(() => limits.check('adminAuthIp', address));
      const token = BEARER.exec(request.headers.get('authorization') ?? '')?.[1];
      const checked = token ? await keys.authenticate(token) : { ok: false as const, keyId: null };
      if (!checked.ok) {
        logger.warn('[admin] key refused', { ...(checked.keyId ? { operatorKey: checked.keyId } : {}), clientIp: context.clientIp });
        // Counted after the answer is decided: this request still gets its 401, the next ones 429.
        await limits.consume('adminAuthIp', address).catch(() => {});
        throw keyRefused();
      }
      const scope = scopes.current();
      if (scope) scope.access = { operatorKey: checked.key.keyId, operatorKeyName: checked.key.name };
      await limited(() => limits.consume('adminKey', checked.key.keyId));
      context.operatorKey = checked.key;
    },
    onExecute({ args }) {
      const operation = getOperationAST(args.document, args.operationName);
      const key = (args.contextValue as { key?: OperatorKeyView }).key;
      if (operation?.operation === 'mutation' && key?.scope !== 'write') throw readOnlyKey();
    },
  };
}
