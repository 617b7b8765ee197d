// Per-request session state: the token the request carried, the session it resolves to (looked up
// once, on first need), and what the response must do with the token.
import type { IssuedSession, ResumedSession, SessionService } from '../services/sessions/sessions.ts';

/** How the response hands the client its token: the HttpOnly cookie, or the X-Session-Token header. */
export type TokenDelivery = 'cookie' | 'header';

export type CookieOutcome =
  | { kind: 'none' }
  | { kind: 'set'; issued: IssuedSession; delivery: TokenDelivery }
  | { kind: 'clear'; delivery: TokenDelivery };

export interface RequestAuthOptions {
  /** Where `token` came from; a Bearer client gets its refreshed tokens in the header. */
  via?: 'bearer' | 'cookie';
  /** The request opted into header delivery for a session it starts (X-Session-Transport: header). */
  headerDelivery?: boolean;
}

export class RequestAuth {
  private resumed: Promise<ResumedSession | null> | undefined;
  private decided: CookieOutcome | undefined;
  private readonly via: 'bearer' | 'cookie';
  /** Where a session started during this request is delivered. */
  private readonly signInDelivery: TokenDelivery;

  constructor(
    private readonly token: string | null,
    private readonly sessions: SessionService,
    options: RequestAuthOptions = {},
  ) {
    this.via = options.via ?? 'cookie';
    this.signInDelivery = options.headerDelivery || (token && this.via === 'bearer') ? 'header' : 'cookie';
  }

  /** The valid session the request carried, if any. Its refreshed token is in `token`. */
  current(): Promise<ResumedSession | null> {
    this.resumed ??= this.token ? this.sessions.resume(this.token) : Promise.resolve(null);
    return this.resumed;
  }

  /**
   * Whether a sign-in now replaces the token the request carried (same transport), so that
   * session is to be ended rather than orphaned. A script opting into header delivery from a
   * browser that holds a cookie leaves the cookie's session alone.
   */
  signInReplacesCurrent(): boolean {
    return this.token !== null && (this.signInDelivery === 'header') === (this.via === 'bearer');
  }

  /** A client without cookies: a Bearer request, or one that asked for header delivery. */
  cookieless(): boolean {
    return this.signInDelivery === 'header';
  }

  /** A sign-in during this request: its token replaces whatever the request carried. */
  signedIn(issued: IssuedSession): void {
    this.decided = { kind: 'set', issued, delivery: this.signInDelivery };
  }

  /** A logout, deletion or reset during this request: the cookie is cleared. */
  signedOut(): void {
    this.decided = { kind: 'clear', delivery: this.via === 'bearer' && this.token ? 'header' : 'cookie' };
  }

  /**
   * Valid session: a fresh token. Invalid, expired or revoked token: a cleared cookie. A session
   * that could not be looked up (the database is down): the cookie is left alone, since the session
   * may well be valid; the failure itself is the request's answer (503 SERVICE_UNAVAILABLE).
   */
  async outcome(): Promise<CookieOutcome> {
    if (this.decided) return this.decided;
    if (!this.token) return { kind: 'none' };
    const resumed = await this.current().catch(() => undefined);
    if (resumed === undefined) return { kind: 'none' };
    const delivery: TokenDelivery = this.via === 'bearer' ? 'header' : 'cookie';
    return resumed ? { kind: 'set', issued: resumed, delivery } : { kind: 'clear', delivery };
  }
}
