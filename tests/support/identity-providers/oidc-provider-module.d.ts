// oidc-provider ships no types (DefinitelyTyped's @types/oidc-provider is not installed here): this
// declares only the part of its API the test harness uses, checked against oidc-provider 9.13's
// lib/ and docs/README.md. Should @types/oidc-provider be added later, delete this file.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export type ClaimValue = string | number | boolean | null | string[] | { [key: string]: ClaimValue };
  export type AccountClaims = { sub: string; [claim: string]: ClaimValue | undefined };

  export interface Account {
    accountId: string;
    claims(use: 'id_token' | 'userinfo', scope: string): AccountClaims | Promise<AccountClaims>;
  }

  /** The slice of Koa's context (with oidc-provider's `ctx.oidc`) that middlewares here touch. */
  export interface KoaContextWithOIDC {
    method: string;
    path: string;
    status: number;
    body: unknown;
    type: string;
    req: IncomingMessage;
    res: ServerResponse;
    /** A request header. */
    get(header: string): string;
    /** Sets a response header. */
    set(header: string, value: string): void;
    response: { get(header: string): string };
    oidc?: {
      route?: string;
      client?: { clientId: string };
      params?: Record<string, unknown>;
      session?: { accountId?: string };
    };
  }
  export type Middleware = (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>;

  /** What oidc-provider keeps in its adapter: model payloads are opaque JSON to an adapter. */
  export type AdapterPayload = Record<string, unknown> & { grantId?: string; userCode?: string; uid?: string; consumed?: number };
  export interface Adapter {
    upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void>;
    find(id: string): Promise<AdapterPayload | undefined>;
    findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
    findByUid(uid: string): Promise<AdapterPayload | undefined>;
    consume(id: string): Promise<void>;
    destroy(id: string): Promise<void>;
    revokeByGrantId(grantId: string): Promise<void>;
  }
  export type AdapterConstructor = new (modelName: string) => Adapter;

  export interface ClientMetadata {
    client_id: string;
    client_secret?: string;
    redirect_uris: string[];
    response_types?: string[];
    grant_types?: string[];
    token_endpoint_auth_method?: string;
    id_token_signed_response_alg?: string;
    [metadata: string]: unknown;
  }

  export interface InteractionResults {
    login?: { accountId: string; acr?: string; amr?: string[]; remember?: boolean; ts?: number };
    consent?: { grantId: string };
    error?: string;
    error_description?: string;
  }
  export interface Interaction {
    uid: string;
    prompt: { name: string; reasons: string[]; details: Record<string, unknown> };
    params: Record<string, string | undefined>;
    session?: { accountId?: string; uid?: string };
    returnTo: string;
  }

  export class Grant {
    constructor(properties: { accountId: string; clientId: string });
    addOIDCScope(scope: string): void;
    addOIDCClaims(claims: string[]): void;
    save(): Promise<string>;
  }

  export class Check {
    static readonly REQUEST_PROMPT: true;
    static readonly NO_NEED_TO_PROMPT: false;
    constructor(reason: string, description: string, check: (ctx: KoaContextWithOIDC & { oidc: { result?: InteractionResults } }) => boolean | Promise<boolean>);
  }
  export interface Prompt {
    name: string;
    checks: Check[];
  }
  export interface Policy extends Array<Prompt> {
    get(name: string): Prompt | undefined;
  }
  export const interactionPolicy: { base(): Policy; Check: typeof Check };

  export interface Configuration {
    adapter?: AdapterConstructor;
    clients?: ClientMetadata[];
    claims?: Record<string, string[] | null>;
    scopes?: string[];
    conformIdTokenClaims?: boolean;
    cookies?: { keys?: string[] };
    enabledJWA?: { idTokenSigningAlgValues?: string[] };
    features?: {
      revocation?: { enabled: boolean; allowedPolicy?: (ctx: KoaContextWithOIDC, client: { clientId: string }, token: { clientId?: string }) => boolean | Promise<boolean> };
      [feature: string]: { enabled: boolean; [option: string]: unknown } | undefined;
    };
    findAccount?: (ctx: KoaContextWithOIDC, sub: string) => Promise<Account | undefined>;
    /** Whether a grant (here: of an authorization code) also issues a refresh token. */
    issueRefreshToken?: (ctx: KoaContextWithOIDC, client: { grantTypeAllowed(grantType: string): boolean }, source: unknown) => boolean | Promise<boolean>;
    interactions?: { url?: (ctx: KoaContextWithOIDC, interaction: Interaction) => string | Promise<string>; policy?: Policy };
    jwks?: { keys: Record<string, unknown>[] };
    pkce?: { required?: () => boolean };
    renderError?: (ctx: KoaContextWithOIDC, out: Record<string, string>, error: Error) => void | Promise<void>;
    responseTypes?: string[];
    routes?: Record<string, string>;
    ttl?: Record<string, number>;
  }

  export class Provider {
    constructor(issuer: string, configuration?: Configuration);
    readonly issuer: string;
    /** Whether Koa trusts X-Forwarded-* headers. */
    proxy: boolean;
    callback(): (req: IncomingMessage, res: ServerResponse) => Promise<void>;
    use(middleware: Middleware): this;
    on(event: string, listener: (...args: unknown[]) => void): this;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>;
    interactionFinished(req: IncomingMessage, res: ServerResponse, result: InteractionResults, options?: { mergeWithLastSubmission?: boolean }): Promise<void>;
    readonly Grant: typeof Grant;
  }
  export default Provider;
}
