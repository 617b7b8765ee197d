// A GitHub-like OAuth 2.0 server on 127.0.0.1 (node:http): GitHub is not OpenID Connect, so no
// oidc-provider here, just the endpoints a "Sign in with GitHub" uses, answering as github.com does
// (token errors as HTTP 200 bodies, a form-encoded token answer unless JSON is asked for, the
// email list on its own endpoint). Laid out like GitHub Enterprise Server: the web at `url`
// (GITHUB_URL) and the REST API under `apiUrl` = `${url}/api/v3` (GITHUB_API_URL).
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Faults } from './oidc-provider.ts';

export interface GitHubEmail {
  email: string;
  primary: boolean;
  verified: boolean;
  /** 'public' makes it the `email` of GET /user; default null (GitHub's "keep my email private"). */
  visibility?: 'public' | 'private' | null;
}

export interface GitHubAccount {
  id: number;
  login: string;
  name?: string | null;
  emails: GitHubEmail[];
}

export interface GitHubApp {
  client_id: string;
  client_secret: string;
  /** GitHub's "Authorization callback URL": a redirect_uri must be it or under it. */
  callback_url: string;
}

export interface GitHubTestServer {
  /** Web base (GITHUB_URL): /login/oauth/authorize and /login/oauth/access_token. */
  readonly url: string;
  /** API base (GITHUB_API_URL): /user and /user/emails. */
  readonly apiUrl: string;
  readonly faults: Faults;
  /** The query of every authorization request received, oldest first. */
  readonly authorizationRequests: URLSearchParams[];
  registerApp(app: GitHubApp): void;
  signInNext(account: GitHubAccount): void;
  /** The next authorization redirects back with this error (GitHub's is access_denied). */
  failNextAuthorization(error: string, description?: string): void;
  close(): Promise<void>;
}

interface IssuedCode {
  account: GitHubAccount;
  clientId: string;
  redirectUri: string | null;
  scope: string;
  challenge: string | null;
  expires: number;
}

export async function startGitHub(options: { apps?: GitHubApp[] } = {}): Promise<GitHubTestServer> {
  const apps = new Map<string, GitHubApp>();
  const next: (GitHubAccount | { error: string; error_description?: string })[] = [];
  const codes = new Map<string, IssuedCode>();
  const tokens = new Map<string, { account: GitHubAccount; scope: string }>();
  const faults: Faults = { delayMs: 0, unreachable: false, tokenError: null };
  const authorizationRequests: URLSearchParams[] = [];

  const server = createServer((req, res) => void handle(req, res).catch((error: Error) => json(res, 500, { message: error.message })));
  server.on('connection', (socket) => faults.unreachable && socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const apiUrl = `${url}/api/v3`;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (faults.unreachable) return void req.socket.destroy();
    if (faults.delayMs > 0) await sleep(faults.delayMs);
    const target = new URL(req.url ?? '/', url);
    const route = `${req.method} ${target.pathname}`;
    if (route === 'GET /login/oauth/authorize') return authorize(target.searchParams, res);
    if (route === 'POST /login/oauth/access_token') {
      if (faults.tokenError) {
        const { status, body = '<html><body>Unicorn! 503</body></html>', contentType = 'text/html' } = faults.tokenError;
        return send(res, status, contentType, body);
      }
      return accessToken(req, res);
    }
    if (route === 'GET /api/v3/user' || route === 'GET /api/v3/user/emails') return api(req, res, target.pathname);
    json(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
  }

  // GitHub shows its own page (not a redirect) for an unknown client or a redirect_uri outside the
  // app's callback URL; otherwise it comes back to redirect_uri with code and state.
  function authorize(query: URLSearchParams, res: ServerResponse): void {
    authorizationRequests.push(query);
    const app = apps.get(query.get('client_id') ?? '');
    if (!app) return send(res, 404, 'text/html', '<h1>404: unknown client_id</h1>');
    const redirectUri = query.get('redirect_uri');
    if (redirectUri !== null && !underCallback(redirectUri, app.callback_url)) return send(res, 400, 'text/html', '<h1>The redirect_uri is not associated with this application.</h1>');
    const back = new URL(redirectUri ?? app.callback_url);
    const state = query.get('state');
    const account = next.shift();
    if (!account) return send(res, 200, 'text/html', '<h1>Sign in to GitHub</h1><p>(no account queued: call signInNext())</p>');
    if ('error' in account) {
      back.searchParams.set('error', account.error);
      back.searchParams.set('error_description', account.error_description ?? 'The user has denied your application access.');
      back.searchParams.set('error_uri', 'https://docs.github.com/apps/troubleshooting-authorization-request-errors');
    } else {
      const code = randomBytes(10).toString('hex');
      const method = query.get('code_challenge_method');
      if (query.has('code_challenge') && method !== 'S256') return send(res, 400, 'text/html', '<h1>code_challenge_method must be S256</h1>');
      codes.set(code, { account, clientId: app.client_id, redirectUri, scope: query.get('scope') ?? '', challenge: query.get('code_challenge'), expires: Date.now() + 600_000 });
      back.searchParams.set('code', code);
    }
    if (state !== null) back.searchParams.set('state', state);
    res.writeHead(302, { location: back.href }).end();
  }

  async function accessToken(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const params = await readParams(req);
    const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const [basicId, basicSecret] = basic ? Buffer.from(basic, 'base64').toString().split(':').map(decodeURIComponent) : [];
    const clientId = basicId ?? params.get('client_id') ?? '';
    const app = apps.get(clientId);
    const answer = (body: Record<string, string>) => tokenAnswer(req, res, body);
    if (!app || (basicSecret ?? params.get('client_secret')) !== app.client_secret) {
      return answer({ error: 'incorrect_client_credentials', error_description: 'The client_id and/or client_secret passed are incorrect.' });
    }
    const code = codes.get(params.get('code') ?? '');
    codes.delete(params.get('code') ?? '');
    if (!code || code.clientId !== clientId || code.expires < Date.now()) {
      return answer({ error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.' });
    }
    if (code.redirectUri !== null && params.get('redirect_uri') !== code.redirectUri) {
      return answer({ error: 'redirect_uri_mismatch', error_description: 'The redirect_uri MUST match the registered callback URL for this application.' });
    }
    const verifier = params.get('code_verifier');
    if (code.challenge !== null && (verifier === null || createHash('sha256').update(verifier).digest('base64url') !== code.challenge)) {
      return answer({ error: 'bad_verification_code', error_description: 'The code_verifier does not match the code_challenge.' });
    }
    const token = `gho_${randomBytes(18).toString('hex')}`;
    tokens.set(token, { account: code.account, scope: code.scope });
    answer({ access_token: token, token_type: 'bearer', scope: code.scope.split(/[\s,]+/).filter(Boolean).join(',') });
  }

  function api(req: IncomingMessage, res: ServerResponse, path: string): void {
    const token = /^(?:Bearer|token) (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const grant = token === undefined ? undefined : tokens.get(token);
    if (!grant) return json(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
    const { account, scope } = grant;
    const headers = { 'x-oauth-scopes': scope.split(/[\s,]+/).filter(Boolean).join(', ') };
    if (path === '/api/v3/user') {
      const email = account.emails.find((e) => e.visibility === 'public')?.email ?? null;
      return json(res, 200, { id: account.id, login: account.login, name: account.name ?? null, email, type: 'User' }, headers);
    }
    // Without user:email (or user) GitHub answers 404 here, not 403.
    if (!/(^|[\s,])user(:email)?([\s,]|$)/.test(scope)) return json(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' }, headers);
    json(res, 200, account.emails.map((e) => ({ email: e.email, primary: e.primary, verified: e.verified, visibility: e.visibility ?? null })), headers);
  }

  const registerApp = (app: GitHubApp) => void apps.set(app.client_id, app);
  for (const app of options.apps ?? []) registerApp(app);
  let closed: Promise<void> | undefined;
  return {
    url,
    apiUrl,
    faults,
    authorizationRequests,
    registerApp,
    signInNext: (account) => void next.push(account),
    failNextAuthorization: (error, description) => void next.push({ error, ...(description !== undefined && { error_description: description }) }),
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}

// GitHub answers the token request in the format the Accept header asks for: JSON, XML, or (by
// default) form-encoded; always with status 200, errors included.
function tokenAnswer(req: IncomingMessage, res: ServerResponse, body: Record<string, string>): void {
  const accept = req.headers.accept ?? '';
  if (accept.includes('application/json')) return json(res, 200, body);
  if (accept.includes('application/xml')) {
    const xml = Object.entries(body).map(([k, v]) => `<${k}>${v.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</${k}>`).join('');
    return send(res, 200, 'application/xml; charset=utf-8', `<OAuth>${xml}</OAuth>`);
  }
  send(res, 200, 'application/x-www-form-urlencoded; charset=utf-8', new URLSearchParams(body).toString());
}

/** A redirect_uri is allowed when it is the callback URL or a path below it, on the same host and port. */
function underCallback(redirectUri: string, callbackUrl: string): boolean {
  const given = URL.parse(redirectUri);
  const registered = new URL(callbackUrl);
  return !!given && given.origin === registered.origin && (given.pathname === registered.pathname || given.pathname.startsWith(`${registered.pathname.replace(/\/$/, '')}/`));
}

async function readParams(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString();
  if ((req.headers['content-type'] ?? '').includes('application/json')) {
    const body = JSON.parse(text || '{}') as Record<string, unknown>;
    return new URLSearchParams(Object.entries(body).map(([k, v]) => [k, String(v)]));
  }
  return new URLSearchParams(text);
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body), headers);
}

function send(res: ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, 'content-type': contentType, 'content-length': Buffer.byteLength(body) }).end(body);
}
