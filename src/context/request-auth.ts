// Per-request session state: the token the request carried, the session it resolves to (looked up
// once, on first need), and what the response must do with the cookie.
import type { IssuedSession, ResumedSession, SessionService } from '../services/sessions/sessions.ts';

export type CookieOutcome = { kind: 'none' } | { kind: 'set'; issued: IssuedSession } | { kind: 'clear' };

export class RequestAuth {
  private resumed: Promise<ResumedSession | null> | undefined;
  private decided: CookieOutcome | undefined;

  constructor(
    private readonly token: string | null,
    private readonly sessions: SessionService,
  ) {}

  /** The valid session the request carried, if any. Its refreshed token is in `token`. */
  current(): Promise<ResumedSession | null> {
    this.resumed ??= this.token ? this.sessions.resume(this.token) : Promise.resolve(null);
    return this.resumed;
  }

  /** A sign-in during this request: its cookie replaces whatever the request carried. */
  signedIn(issued: IssuedSession): void {
    this.decided = { kind: 'set', issued };
  }

  /** A logout, deletion or reset during this request: the cookie is cleared. */
  signedOut(): void {
    this.decided = { kind: 'clear' };
  }

  /**
   * Valid session: a fresh cookie. Invalid, expired or revoked token: a cleared one. A session that
   * could not be looked up (the database is down): the cookie is left alone, since the session may
   * well be valid; the failure itself is the request's answer (503 SERVICE_UNAVAILABLE).
   */
  async outcome(): Promise<CookieOutcome> {
    if (this.decided) return this.decided;
    if (!this.token) return { kind: 'none' };
    const resumed = await this.current().catch(() => undefined);
    if (resumed === undefined) return { kind: 'none' };
    return resumed ? { kind: 'set', issued: resumed } : { kind: 'clear' };
  }
}
