// Where a provider sign-in may send the browser or app back to: the operator's exact list
// (PROVIDER_RETURN_URLS), compared on parsed URLs so that what is checked is exactly what the
// redirect will carry. Store and redirect to the URL matchReturnTo returns, never the input string.

/** Browser mode: the callback starts the session and redirects; handoff: an app finishes the flow itself. */
export type ReturnMode = 'browser' | 'handoff';

/**
 * - `https`: a web page or a claimed https URL of an app; both modes.
 * - `localhost`: `http://localhost…`, outside production only (a local dev server); both modes.
 * - `loopback`: `http://127.0.0.1` or `http://[::1]`, any port (RFC 8252 §7.3); handoff only.
 * - `private-use`: an app's own scheme, with a dot (RFC 8252 §7.1); handoff only.
 */
export type ReturnUrlKind = 'https' | 'localhost' | 'loopback' | 'private-use';

/** One allowed return URL. */
export interface ReturnUrlEntry {
  readonly kind: ReturnUrlKind;
  /** The entry in WHATWG serialisation. */
  readonly href: string;
  /** What a `returnTo` must equal: scheme, host, port and path (see `target`). */
  readonly target: string;
}

/** The IP literals RFC 8252 §7.3 names; `localhost` is a name, resolvable elsewhere, so not among them. */
const LOOPBACK_IPS = new Set(['127.0.0.1', '[::1]']);

/** Hosts on which browsers treat plain http as secure enough for Secure cookies. */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || LOOPBACK_IPS.has(hostname);
}

const SERVES: Record<ReturnUrlKind, readonly ReturnMode[]> = {
  https: ['browser', 'handoff'],
  localhost: ['browser', 'handoff'],
  loopback: ['handoff'],
  'private-use': ['handoff'],
};

export function servesMode(entry: ReturnUrlEntry, mode: ReturnMode): boolean {
  return SERVES[entry.kind].includes(mode);
}

/**
 * One PROVIDER_RETURN_URLS entry, or why it cannot be one. The problem never repeats the entry
 * (the caller names it by position), and reads after "entry 2 …".
 */
export function parseReturnUrlEntry(entry: string, production: boolean): { entry: ReturnUrlEntry } | { problem: string } {
  // WHATWG would accept `*` as a host character; say plainly that nothing here is a pattern.
  if (entry.includes('*')) return { problem: 'has a wildcard; list each URL exactly (no wildcards or prefixes)' };
  const parsed = parseStrictly(entry);
  if (typeof parsed === 'string') return { problem: parsed };
  const url = parsed;
  // The query is never compared: an entry with one would only look stricter than it is.
  if (url.search !== '' || url.href.includes('?')) return { problem: 'has a query; a query is not compared, so leave it out' };
  const kind = entryKind(url, production);
  if (typeof kind === 'object') return kind;
  return { entry: { kind, href: url.href, target: target(url, kind === 'loopback') } };
}

function entryKind(url: URL, production: boolean): ReturnUrlKind | { problem: string } {
  if (url.protocol === 'https:') return 'https';
  if (url.protocol === 'http:') {
    if (LOOPBACK_IPS.has(url.hostname)) return 'loopback';
    if (url.hostname === 'localhost' && !production) return 'localhost';
    return {
      problem: production
        ? 'is plain http://; use https:// (http:// only for 127.0.0.1 or [::1], for apps)'
        : 'is plain http://; use https:// (http:// only for localhost, 127.0.0.1 or [::1])',
    };
  }
  if (SPECIAL_SCHEMES.has(url.protocol)) return { problem: 'must be https://, http:// loopback, or an app scheme with a dot (com.example.app:/oauth)' };
  // A dot makes it a reverse domain name the app's owner controls (and rules out javascript:, data:, …).
  if (!url.protocol.includes('.')) return { problem: 'has a private-use scheme without a dot; use a reverse domain name such as com.example.app:/oauth' };
  return 'private-use';
}

const SPECIAL_SCHEMES = new Set(['http:', 'https:', 'ws:', 'wss:', 'ftp:', 'file:']);

/**
 * Parses with the WHATWG parser after refusing what only an attack or a typo contains: white space
 * or control characters (the parser silently drops some), backslashes (read as `/` in http URLs but
 * not by every parser), http(s) without `//` right after the scheme, user-info (even empty) and
 * fragments (even empty). Returns the URL or why not.
 */
function parseStrictly(input: string): URL | string {
  if (/[\u0000-\u0020\u007f\\]/.test(input)) return 'contains white space, a control character or a backslash';
  const url = URL.parse(input);
  if (!url) return 'is not an absolute URL';
  if (url.href.includes('#')) return 'has a fragment, which is never allowed';
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(input)?.[1];
  if (url.username !== '' || url.password !== '' || authority?.includes('@')) return 'has user-info (user@), which is never allowed';
  // `https:host` and `https:///host` parse too, but only a sloppy or hostile client writes them.
  if (SPECIAL_SCHEMES.has(url.protocol) && !authority) return 'must start with the scheme, // and the host';
  return url;
}

/**
 * Scheme, host (lower-case and IDNA-mapped for http(s), as written for an app scheme's), port and
 * path, in WHATWG serialisation: the href without its query (fragments and user-info never get
 * this far). With `anyPort`, without the port. For an app scheme the `//` stays significant:
 * `com.example.app:///oauth` is not `com.example.app:/oauth`.
 */
function target(url: URL, anyPort: boolean): string {
  if (anyPort) return `${url.protocol}//${url.hostname}${url.pathname}`;
  const query = url.href.indexOf('?');
  return query === -1 ? url.href : url.href.slice(0, query);
}

/**
 * The URL to send the browser or app back to, or null when `returnTo` is not allowed: its scheme,
 * host, port and path must equal those of an entry serving `mode` (any port for a loopback entry).
 * A query is kept; a fragment, user-info or anything unparsable is refused.
 */
export function matchReturnTo(returnTo: string, entries: readonly ReturnUrlEntry[], mode: ReturnMode): URL | null {
  const url = parseStrictly(returnTo);
  if (typeof url === 'string') return null;
  const allowed = entries.some((entry) => servesMode(entry, mode) && entry.target === target(url, entry.kind === 'loopback'));
  return allowed ? url : null;
}

/** Where browser mode returns when the start names no `returnTo`: the first entry serving it. */
export function defaultReturnUrl(entries: readonly ReturnUrlEntry[]): URL | null {
  const entry = entries.find((e) => servesMode(e, 'browser'));
  return entry ? new URL(entry.href) : null;
}
