// Signing in through an identity provider: the start (a flow, the authorization URL), the callback
// (the provider's answer redeemed and verified, the account decided) and, when the flow goes on in
// the app (handoff mode, or a second factor), the finish. The HTTP side (the callback route, the
// flow cookie) lives in src/server and src/context; this is the rules.
import { randomBytes } from 'node:crypto';
import type { Identity } from '../../generated/prisma/client.ts';
import type { Logger } from '../../logger.ts';
import type { Caller } from '../caller.ts';
import { AppError, badInput } from '../errors.ts';
import { clientKey, type RateLimits } from '../security/rate-limits.ts';
import type { SessionStart, SignedIn } from '../sessions/session-start.ts';
import type { AccountMatch, ProviderAccounts } from './provider-accounts.ts';
import { providerError } from './provider-accounts.ts';
import { type ProvedIdentity, type ProviderClient, ProviderFailure } from './provider-clients.ts';
import type { ProvidersConfig } from './provider-config.ts';
import type { Flow, ProviderFlows } from './provider-flows.ts';
import { sha256Hex } from '../security/sha256.ts';
import { defaultReturnUrl, matchReturnTo } from './return-urls.ts';

export interface IdentityProviderView {
  id: string;
  name: string;
}

export interface StartInput {
  provider: string;
  returnTo?: string | null;
  codeChallenge?: string | null;
}

/** What the request brings: the browser's flow cookie, and whether it is a client without cookies. */
export interface StartRequest {
  flowCookie: string | null;
  cookieless: boolean;
}

export interface StartedFlow {
  authorizationUrl: string;
  state: string;
  expiresAt: Date;
  /** Browser mode: the flow cookie the response sets (the one the browser has, or a new one). */
  flowCookie?: string;
}

export interface FinishInput {
  state: string;
  authorizationCode: string;
  codeVerifier?: string | null;
  code?: string | null;
}

/** Where the callback sends the browser, and the session it started (browser mode). */
export interface CallbackOutcome {
  location: string;
  signedIn?: SignedIn;
  /**
   * A sign-in flow refused here, or stopped for its second factor (for monitoring, beside
   * `signedIn`); unset when the flow goes on in the app's finish, is a link, or was never found.
   */
  signInRefusal?: AppError;
}

/** Links a proved identity to the account of a link flow (src/services/providers/provider-links.ts). */
export interface IdentityLinker {
  /** UNAUTHENTICATED once the session that asked has ended; CONFLICT (reason) when the identity is linked already. */
  complete(flow: Flow, identity: ProvedIdentity, caller: Caller): Promise<Identity>;
}

export interface ProviderSignIn {
  /** The enabled providers, in configuration order. */
  list(): IdentityProviderView[];
  isEnabled(provider: string): boolean;
  /** A sign-in flow, or with `link` a flow that links the identity to that account and session. */
  start(input: StartInput, request: StartRequest, caller: Caller, link?: { userId: string; sessionId: string }): Promise<StartedFlow>;
  callback(provider: string, params: URLSearchParams, flowCookie: string | null, caller: Caller): Promise<CallbackOutcome>;
  finish(input: FinishInput, flowCookie: string | null, caller: Caller): Promise<{ signedIn: SignedIn; created: boolean }>;
}

const CODE_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/** 256 random bits, base64url: a flow cookie this server could have set (anything else is replaced). */
const FLOW_COOKIE = /^[A-Za-z0-9_-]{43}$/;

/** `url` with these parameters set (never appended: a return URL cannot plant its own `code`). */
function withParams(url: string, params: Record<string, string | number | undefined>): string {
  const target = new URL(url);
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== '') target.searchParams.set(name, String(value));
  return target.href;
}

export function createProviderSignIn(deps: {
  clients: Map<string, ProviderClient>;
  flows: ProviderFlows;
  accounts: ProviderAccounts;
  linker: IdentityLinker;
  sessionStart: SessionStart;
  limits: RateLimits;
  logger: Logger;
  config: ProvidersConfig;
}): ProviderSignIn {
  const { clients, flows, accounts, linker, sessionStart, limits, logger, config } = deps;
  const fallbackReturn = defaultReturnUrl(config.returnUrls)?.href;

  /** Signs the proved identity in: the account it opens, its second factor, the session. */
  async function signInWith(identity: ProvedIdentity, caller: Caller, code: string | null | undefined): Promise<{ signedIn: SignedIn; created: boolean }> {
    let match: AccountMatch = await accounts.match(identity, caller);
    if (match.kind === 'new') {
      const created = await accounts.create(identity, caller);
      if (created) {
        const signedIn = await sessionStart.signUp(created.user, caller, { identity: { id: created.identity.id, provider: identity.provider } });
        return { signedIn, created: true };
      }
      // A sign-up racing this one made the account or the identity: decide again.
      match = await accounts.match(identity, caller);
      if (match.kind === 'new') throw new AppError('INVALID_STATE');
    }
    if (match.kind === 'linked') {
      const via = { identity: { id: match.identity.id, provider: identity.provider } };
      const signedIn = await sessionStart.signIn(match.user, caller, { code }, via);
      await accounts.used(match.identity, identity);
      return { signedIn, created: false };
    }
    // Linked by email: only once the second factor is through, then the session carries the new link.
    await sessionStart.checkSecondFactor(match.user, caller, { code }, identity.provider);
    const linked = await accounts.link(match.user, identity, caller, true);
    const signedIn = await sessionStart.signIn(match.user, caller, 'satisfied', { identity: { id: linked.id, provider: identity.provider } });
    return { signedIn, created: false };
  }

  function failure(to: string, error: unknown, state: string): CallbackOutcome {
    if (!(error instanceof AppError)) throw error;
    const extensions = error.extensions as { reason?: string; retryAfter?: number };
    return { location: withParams(to, { error: error.code, state, reason: extensions.reason, retryAfter: extensions.retryAfter }) };
  }

  /** The provider's answer, or the failure as PROVIDER_ERROR; what failed is logged, never a code or token. */
  async function redeem(client: ProviderClient, params: URLSearchParams, flow: Flow): Promise<ProvedIdentity> {
    try {
      return await client.redeem({ params }, { state: params.get('state') ?? '', nonce: flow.nonce, codeVerifier: flow.codeVerifier });
    } catch (error) {
      if (!(error instanceof ProviderFailure)) throw error;
      // A user who cancelled at the provider is no operator's concern; everything else is.
      const log = error.reason === 'ACCESS_DENIED' ? logger.info.bind(logger) : logger.warn.bind(logger);
      log(`[providers] ${client.id} sign-in failed: ${error.reason}`, { provider: client.id, reason: error.reason, check: error.check });
      throw providerError(client.id, error.reason);
    }
  }

  return {
    list: () => config.providers.filter((p) => p.enabled).map(({ id, name }) => ({ id, name })),
    isEnabled: (provider) => clients.has(provider),

    async start(input, request, caller, link) {
      await limits.consume('providerStartIp', clientKey(caller.ip));
      const client = clients.get(input.provider);
      if (!client) throw badInput('provider', 'is not an enabled identity provider');
      const handoff = input.codeChallenge != null;
      if (handoff && !CODE_CHALLENGE.test(input.codeChallenge!)) throw badInput('codeChallenge', 'must be BASE64URL(SHA-256(verifier)): 43 characters');
      if (!handoff && request.cookieless) throw badInput('codeChallenge', 'is required for clients without cookies (handoff mode)');
      const returnTo = input.returnTo != null ? matchReturnTo(input.returnTo, config.returnUrls, handoff ? 'handoff' : 'browser')?.href : handoff ? undefined : fallbackReturn;
      if (!returnTo) throw badInput('returnTo', input.returnTo == null ? 'is required in handoff mode' : 'is not an allowed return URL (PROVIDER_RETURN_URLS)');
      const reusable = request.flowCookie !== null && FLOW_COOKIE.test(request.flowCookie) ? request.flowCookie : undefined;
      const flowCookie = handoff ? undefined : (reusable ?? randomBytes(32).toString('base64url'));
      const started = await flows.start({
        provider: client.id,
        purpose: link ? 'link' : 'sign_in',
        ...link,
        returnTo,
        binding: flowCookie ? { kind: 'cookie', cookieHash: sha256Hex(flowCookie) } : { kind: 'handoff', codeChallenge: input.codeChallenge! },
      });
      let url: URL;
      try {
        url = await client.authorizationUrl(started);
      } catch (error) {
        await flows.discard(started.state);
        if (!(error instanceof ProviderFailure)) throw error;
        logger.warn(`[providers] ${client.id} unavailable at start: ${error.reason}`, { provider: client.id, check: error.check });
        throw providerError(client.id, error.reason);
      }
      return { authorizationUrl: url.href, state: started.state, expiresAt: started.expiresAt, ...(flowCookie ? { flowCookie } : {}) };
    },

    async callback(provider, params, flowCookie, caller) {
      const state = params.get('state') ?? '';
      // Counted before anything is looked up, so guessed or replayed callbacks count too; a refused
      // one leaves the flow as it was, for the browser to come back after the wait.
      try {
        await limits.consume('providerFinishIp', clientKey(caller.ip));
      } catch (error) {
        if (!fallbackReturn) throw error;
        return failure(fallbackReturn, error, state);
      }
      const flow = await flows.claimAtCallback(state);
      const back = flow?.returnTo ?? fallbackReturn;
      if (!back) throw new AppError('INVALID_STATE');
      const boundHere = flow?.binding.kind !== 'cookie' || (flowCookie !== null && sha256Hex(flowCookie) === flow.binding.cookieHash);
      const client = clients.get(provider);
      if (!flow || flow.provider !== provider || !boundHere || !client) {
        return failure(back, new AppError('INVALID_STATE'), state);
      }
      try {
        const identity = await redeem(client, params, flow);
        if (flow.binding.kind === 'handoff') return { location: withParams(back, { state, code: await flows.handOver(flow, identity) }) };
        if (flow.purpose === 'link') {
          await linker.complete(flow, identity, caller);
          return { location: back };
        }
        try {
          const { signedIn } = await signInWith(identity, caller, null);
          return { location: back, signedIn };
        } catch (error) {
          // The page asks for the code and finishes with it (finishProviderSignIn), cookie-bound.
          if (error instanceof AppError && error.code === 'SECOND_FACTOR_REQUIRED') {
            return { location: withParams(back, { error: error.code, state, code: await flows.handOver(flow, identity) }), signInRefusal: error };
          }
          throw error;
        }
      } catch (error) {
        const refused = failure(back, error, state);
        return flow.purpose === 'sign_in' && error instanceof AppError ? { ...refused, signInRefusal: error } : refused;
      }
    },

    async finish(input, flowCookie, caller) {
      await limits.consume('providerFinishIp', clientKey(caller.ip));
      // A wrong binding or code uses the flow up: whoever holds half of it cannot keep trying.
      const flow = await flows.claimHandedOver(input.state, { authorizationCode: input.authorizationCode, codeVerifier: input.codeVerifier, flowCookie });
      if (!flow || !clients.has(flow.provider) || flow.purpose !== 'sign_in') throw new AppError('INVALID_STATE');
      try {
        return await signInWith(flow.identity, caller, input.code);
      } catch (error) {
        // Bound and right, yet refused (a second factor, a taken email, …): the flow waits until it
        // expires or a finish succeeds, as the app may try again.
        await flows.putBack(flow).catch(() => undefined);
        throw error;
      }
    },
  };
}
