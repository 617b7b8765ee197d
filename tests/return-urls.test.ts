// Where a provider sign-in may return to: PROVIDER_RETURN_URLS entries and the returnTo a start
// names. Pure functions: no server, no database. The open-redirect tricks each get a deliberate answer.
import { describe, expect, it } from 'vitest';
import { defaultReturnUrl, matchReturnTo, parseReturnUrlEntry, type ReturnUrlEntry } from '../src/services/providers/return-urls.ts';

function entry(text: string, production = false): ReturnUrlEntry {
  const parsed = parseReturnUrlEntry(text, production);
  if ('problem' in parsed) throw new Error(`${text}: ${parsed.problem}`);
  return parsed.entry;
}

function problem(text: string, production = false): string {
  const parsed = parseReturnUrlEntry(text, production);
  if (!('problem' in parsed)) throw new Error(`${text} was accepted`);
  return parsed.problem;
}

const ENTRIES = [
  'https://app.example.com/callback',
  'https://app.example.com:8443/other-port',
  'https://bücher.example/cb',
  'http://localhost:5173/dev',
  'http://127.0.0.1/oauth',
  'http://[::1]/oauth',
  'com.example.app:/oauth',
  'com.example.tablet://callback/done',
].map((text) => entry(text));

const handoff = (returnTo: string) => matchReturnTo(returnTo, ENTRIES, 'handoff')?.href ?? null;
const browser = (returnTo: string) => matchReturnTo(returnTo, ENTRIES, 'browser')?.href ?? null;

describe('parseReturnUrlEntry()', () => {
  it('takes https URLs, http loopback, http://localhost outside production, and app schemes with a dot', () => {
    expect(entry('https://app.example.com/callback')).toEqual({ kind: 'https', href: 'https://app.example.com/callback', target: 'https://app.example.com/callback' });
    expect(entry('HTTPS://App.Example.COM:443')).toEqual({ kind: 'https', href: 'https://app.example.com/', target: 'https://app.example.com/' });
    expect(entry('https://bücher.example/cb').href).toBe('https://xn--bcher-kva.example/cb');
    // Loopback entries match any port (RFC 8252 §7.3): the port is not part of what is compared.
    expect(entry('http://127.0.0.1/oauth')).toEqual({ kind: 'loopback', href: 'http://127.0.0.1/oauth', target: 'http://127.0.0.1/oauth' });
    expect(entry('http://127.0.0.1:8080/oauth')).toMatchObject({ kind: 'loopback', target: 'http://127.0.0.1/oauth' });
    expect(entry('http://[::1]:9/oauth')).toMatchObject({ kind: 'loopback', target: 'http://[::1]/oauth' });
    expect(entry('http://[0:0:0:0:0:0:0:1]/oauth')).toMatchObject({ kind: 'loopback', target: 'http://[::1]/oauth' });
    expect(entry('http://localhost:5173/dev')).toMatchObject({ kind: 'localhost', target: 'http://localhost:5173/dev' });
    expect(entry('com.example.app:/oauth')).toEqual({ kind: 'private-use', href: 'com.example.app:/oauth', target: 'com.example.app:/oauth' });
    expect(entry('com.example.app://callback/done')).toMatchObject({ kind: 'private-use', target: 'com.example.app://callback/done' });
    expect(entry('COM.Example.App:/oauth').href).toBe('com.example.app:/oauth');
  });

  it('in production takes loopback (for apps) but not http://localhost or any other plain http', () => {
    expect(entry('http://127.0.0.1/oauth', true).kind).toBe('loopback');
    expect(entry('http://[::1]/oauth', true).kind).toBe('loopback');
    expect(entry('https://localhost/cb', true).kind).toBe('https');
    expect(problem('http://localhost:5173/dev', true)).toMatch(/plain http:\/\/.*only for 127\.0\.0\.1 or \[::1\]/);
    expect(problem('http://app.example.com/cb', true)).toMatch(/plain http:\/\//);
  });

  it.each([
    ['https://*.example.com/cb', /wildcard/],
    ['https://app.example.com/*', /wildcard/],
    ['*', /wildcard/],
    ['https://app.example.com/cb#top', /fragment/],
    ['https://app.example.com/cb#', /fragment/],
    ['https://user:secret@app.example.com/cb', /user-info/],
    ['https://user@app.example.com/cb', /user-info/],
    ['https://@app.example.com/cb', /user-info/],
    ['https://app.example.com/cb?next=1', /query/],
    ['https://app.example.com/cb?', /query/],
    ['myapp:/oauth', /private-use scheme without a dot/],
    ['javascript:alert(1)', /private-use scheme without a dot/],
    ['data:text/html,<script>alert(1)</script>', /private-use scheme without a dot/],
    ['ws://app.example.com/cb', /must be https:\/\//],
    ['wss://app.example.com/cb', /must be https:\/\//],
    ['ftp://app.example.com/cb', /must be https:\/\//],
    ['file:///etc/passwd', /must start with the scheme/],
    ['http://app.example.com/cb', /plain http:\/\//],
    ['http://127.0.0.1.evil.com/cb', /plain http:\/\//],
    ['http://192.168.1.10:3000/cb', /plain http:\/\//],
    ['app.example.com/cb', /not an absolute URL/],
    ['//app.example.com/cb', /not an absolute URL/],
    ['/cb', /not an absolute URL/],
    ['https:app.example.com/cb', /must start with the scheme/],
    ['https:///app.example.com/cb', /must start with the scheme/],
    ['https:\\\\app.example.com\\cb', /backslash/],
    ['https://app.exa\tmple.com/cb', /white space/],
  ])('refuses %j', (text, reason) => {
    expect(problem(text)).toMatch(reason);
  });

  it('never repeats the entry in its problem (it may carry a credential)', () => {
    expect(problem('https://alice:hunter2@app.example.com/cb')).not.toMatch(/alice|hunter2|example/);
    expect(problem('https://app.example.com/cb#hunter2')).not.toMatch(/hunter2|example/);
  });
});

describe('matchReturnTo()', () => {
  it('accepts a URL whose scheme, host, port and path equal an entry, and keeps its query', () => {
    expect(browser('https://app.example.com/callback')).toBe('https://app.example.com/callback');
    expect(browser('https://app.example.com/callback?tab=settings&x=%20')).toBe('https://app.example.com/callback?tab=settings&x=%20');
    expect(browser('https://app.example.com/callback?')).toBe('https://app.example.com/callback?');
    expect(browser('https://app.example.com:8443/other-port')).toBe('https://app.example.com:8443/other-port');
    expect(browser('http://localhost:5173/dev?x=1')).toBe('http://localhost:5173/dev?x=1');
    // A query that looks like an address is still a query: the browser goes to app.example.com.
    expect(browser('https://app.example.com/callback?@evil.com')).toBe('https://app.example.com/callback?@evil.com');
    expect(browser('https://app.example.com/callback?next=https://evil.com')).toBe('https://app.example.com/callback?next=https://evil.com');
  });

  it('returns a URL of its own, in canonical form: what was compared is what the redirect carries', () => {
    const url = matchReturnTo('HTTPS://APP.Example.COM:443/callback?a=1', ENTRIES, 'browser');
    expect(url?.href).toBe('https://app.example.com/callback?a=1');
    url?.searchParams.set('state', 'x');
    expect(matchReturnTo('https://app.example.com/callback', ENTRIES, 'browser')?.href).toBe('https://app.example.com/callback');
  });

  it('compares after the WHATWG parser: upper case, default ports, IDNA and dot segments name the same URL', () => {
    expect(browser('HTTPS://APP.EXAMPLE.COM/callback')).toBe('https://app.example.com/callback');
    expect(browser('https://app.example.com:443/callback')).toBe('https://app.example.com/callback');
    expect(browser('https://app.example.com:/callback')).toBe('https://app.example.com/callback');
    expect(browser('https://BÜCHER.example/cb')).toBe('https://xn--bcher-kva.example/cb');
    expect(browser('https://xn--bcher-kva.example/cb')).toBe('https://xn--bcher-kva.example/cb');
    // Dot segments, also percent-encoded ones, are resolved by the parser; the redirect goes to the result.
    expect(browser('https://app.example.com/elsewhere/../callback')).toBe('https://app.example.com/callback');
    expect(browser('https://app.example.com/elsewhere/%2e%2e/callback')).toBe('https://app.example.com/callback');
    expect(browser('https://app.example.com/elsewhere/%2E%2E/callback')).toBe('https://app.example.com/callback');
    // The parser decodes and maps hosts (IDNA); what is compared and sent is app.example.com.
    expect(browser('https://app%2Eexample.com/callback')).toBe('https://app.example.com/callback');
    expect(browser('https://app\uFF0Eexample.com/callback')).toBe('https://app.example.com/callback');
  });

  it.each([
    // Look-alike and appended hosts.
    'https://app.example.com.evil.com/callback',
    'https://evil.com/app.example.com/callback',
    'https://evilapp.example.com/callback',
    'https://sub.app.example.com/callback',
    'https://app.example.com./callback',
    'https://\u0430pp.example.com/callback',
    // User-info: the host is what follows the @, and even an empty one is refused.
    'https://app.example.com@evil.com/callback',
    'https://app.example.com:443@evil.com/callback',
    'https://user:password@app.example.com/callback',
    'https://@app.example.com/callback',
    // Fragments, even empty, and ones hiding an @.
    'https://evil.com#@app.example.com/callback',
    'https://app.example.com/callback#',
    'https://app.example.com/callback#access_token=x',
    // Backslashes: WHATWG reads them as slashes in http(s) URLs, other parsers do not.
    'https:\\\\evil.com',
    'https:\\\\app.example.com\\callback',
    'https://app.example.com\\callback',
    'https://evil.com\\@app.example.com/callback',
    'https://app.example.com\\@evil.com/callback',
    // Relative and scheme-relative.
    '//evil.com',
    '//app.example.com/callback',
    '/callback',
    'callback',
    '',
    // Sloppy slashes after the scheme, which the parser forgives.
    'https:app.example.com/callback',
    'https:/app.example.com/callback',
    'https:///app.example.com/callback',
    'https:////evil.com/callback',
    // Paths: exact, case-sensitive, no prefixes, and dot segments that land elsewhere.
    'https://app.example.com/callback/',
    'https://app.example.com/Callback',
    'https://app.example.com/callback/extra',
    'https://app.example.com/callbackx',
    'https://app.example.com/call',
    'https://app.example.com/',
    'https://app.example.com/callback/../..//evil.com',
    'https://app.example.com//evil.com',
    'https://app.example.com/callback/%2e%2e/admin',
    'https://app.example.com/callback%2f..%2fadmin',
    'https://app.example.com/callback%2F',
    'https://app.example.com/%63allback',
    'https://app.example.com/callback;jsessionid=x',
    // Ports and schemes.
    'https://app.example.com:444/callback',
    'https://app.example.com:8443/callback',
    'https://app.example.com/other-port',
    'http://app.example.com/callback',
    'HTTP://app.example.com/callback',
    'wss://app.example.com/callback',
    'javascript:alert(1)',
    'javascript://app.example.com/callback%0aalert(1)',
    'JaVaScRiPt:alert(document.domain)',
    'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
    'vbscript:msgbox(1)',
    'file:///etc/passwd',
    // Tabs, newlines and other controls or spaces: the parser would silently drop or trim them.
    'https://app.exa\tmple.com/callback',
    'https://app.example.com/call\nback',
    'https://app.example.com/callback\r\n',
    '\nhttps://app.example.com/callback',
    ' https://app.example.com/callback',
    'https://app.example.com/callback ',
    'https://app.example.com/callback\u0000',
    'java\nscript:alert(1)',
    // localhost entries keep their exact port (only loopback IPs match any).
    'http://localhost:5174/dev',
    'http://localhost/dev',
    'https://localhost:5173/dev',
  ])('refuses %j', (returnTo) => {
    expect(handoff(returnTo)).toBeNull();
    expect(browser(returnTo)).toBeNull();
  });

  it('lets loopback entries match any port, for apps only (RFC 8252 §7.3)', () => {
    expect(handoff('http://127.0.0.1:51234/oauth?x=1')).toBe('http://127.0.0.1:51234/oauth?x=1');
    expect(handoff('http://127.0.0.1/oauth')).toBe('http://127.0.0.1/oauth');
    expect(handoff('http://[::1]:51234/oauth')).toBe('http://[::1]:51234/oauth');
    // The same addresses in other spellings: the parser serialises them as the entries are.
    expect(handoff('http://[0:0:0:0:0:0:0:1]:51234/oauth')).toBe('http://[::1]:51234/oauth');
    expect(handoff('http://127.1:51234/oauth')).toBe('http://127.0.0.1:51234/oauth');
    expect(handoff('http://0x7f000001:51234/oauth')).toBe('http://127.0.0.1:51234/oauth');
    expect(browser('http://127.0.0.1:51234/oauth')).toBeNull();
    expect(browser('http://[::1]:51234/oauth')).toBeNull();
    for (const other of [
      'http://127.0.0.1.evil.com:51234/oauth',
      'http://127.0.0.1:51234@evil.com/oauth',
      'http://localhost:51234/oauth',
      'http://127.0.0.2:51234/oauth',
      'http://[::ffff:127.0.0.1]:51234/oauth',
      'https://127.0.0.1:51234/oauth',
      'http://127.0.0.1:51234/oauth/',
      'http://127.0.0.1:51234/other',
      'http://127.0.0.1:51234/oauth#x',
    ]) {
      expect(handoff(other), other).toBeNull();
    }
  });

  it('lets private-use entries serve apps only, on the exact scheme, authority and path', () => {
    expect(handoff('com.example.app:/oauth')).toBe('com.example.app:/oauth');
    expect(handoff('com.example.app:/oauth?x=1')).toBe('com.example.app:/oauth?x=1');
    expect(handoff('COM.EXAMPLE.APP:/oauth')).toBe('com.example.app:/oauth');
    expect(handoff('com.example.tablet://callback/done')).toBe('com.example.tablet://callback/done');
    expect(browser('com.example.app:/oauth')).toBeNull();
    for (const other of [
      'com.example.app://evil.com/oauth',
      'com.example.app:///oauth',
      'com.example.app:oauth',
      'com.example.app:/oauth/',
      'com.example.app:/oauth#x',
      'com.example.app://user@callback/oauth',
      'com.example.other:/oauth',
      'com.example.ap:/oauth',
      'com.example.tablet://Callback/done',
      'com.example.tablet://callback.evil.com/done',
      'myapp:/oauth',
      'com.example.app:\\oauth',
    ]) {
      expect(handoff(other), other).toBeNull();
    }
  });

  it('serves https and localhost entries in both modes', () => {
    expect(handoff('https://app.example.com/callback')).toBe('https://app.example.com/callback');
    expect(handoff('http://localhost:5173/dev')).toBe('http://localhost:5173/dev');
    expect(browser('http://LOCALHOST:5173/dev')).toBe('http://localhost:5173/dev');
  });

  it('refuses everything with no entries', () => {
    expect(matchReturnTo('https://app.example.com/callback', [], 'browser')).toBeNull();
    expect(matchReturnTo('https://app.example.com/callback', [], 'handoff')).toBeNull();
  });

  it('matches a root entry only on its root, keeping a query', () => {
    const root = [entry('https://app.example.com')];
    expect(matchReturnTo('https://app.example.com', root, 'browser')?.href).toBe('https://app.example.com/');
    expect(matchReturnTo('https://app.example.com/?next=x', root, 'browser')?.href).toBe('https://app.example.com/?next=x');
    expect(matchReturnTo('https://app.example.com?@evil.com', root, 'browser')?.href).toBe('https://app.example.com/?@evil.com');
    expect(matchReturnTo('https://app.example.com/page', root, 'browser')).toBeNull();
    expect(matchReturnTo('https://app.example.com@evil.com', root, 'browser')).toBeNull();
    expect(matchReturnTo('https://app.example.com.evil.com', root, 'browser')).toBeNull();
  });
});

describe('defaultReturnUrl()', () => {
  it('is the first entry that serves browser mode', () => {
    expect(defaultReturnUrl(ENTRIES)?.href).toBe('https://app.example.com/callback');
    const appsFirst = ['http://127.0.0.1/oauth', 'com.example.app:/oauth', 'http://localhost:3000/', 'https://app.example.com/'].map((t) => entry(t));
    expect(defaultReturnUrl(appsFirst)?.href).toBe('http://localhost:3000/');
  });

  it('is null when only apps are listed', () => {
    expect(defaultReturnUrl([entry('http://127.0.0.1/oauth'), entry('com.example.app:/oauth')])).toBeNull();
    expect(defaultReturnUrl([])).toBeNull();
  });
});
