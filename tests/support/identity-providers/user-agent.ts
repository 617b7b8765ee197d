// A browser's part of a sign-in, for Node tests: follow the redirects from an authorization URL
// through the provider (keeping its cookies), stop before the product's callback so the test can
// call it with the product's own cookie jar, and submit a form_post page the way a browser would.
import { CookieJar } from 'tough-cookie';

export interface FormPost {
  /** Where the form posts to (the redirect_uri). */
  action: URL;
  fields: URLSearchParams;
  /** The page the form is on (the provider), as the browser would state it in Origin. */
  page: URL;
}

export type Navigation =
  /** The provider sent the browser to `location`, where `stopAt` says to stop (not requested). */
  | { kind: 'redirect'; location: URL; hops: URL[] }
  /** The provider answered with an auto-submitting form (response_mode=form_post). */
  | { kind: 'form_post'; form: FormPost; hops: URL[] }
  /** Anything else: an error page, a login page, … */
  | { kind: 'page'; url: URL; status: number; body: string; hops: URL[] };

export interface FollowOptions {
  /** Stop at the first location under this URL (same origin, path starting with its path). */
  stopAt: string | URL;
  /** The provider's cookies; a new jar by default (a fresh browser). */
  jar?: CookieJar;
  maxHops?: number;
}

export async function followRedirects(start: string | URL, options: FollowOptions): Promise<Navigation> {
  const stopAt = new URL(options.stopAt);
  const under = (url: URL) => url.origin === stopAt.origin && url.pathname.startsWith(stopAt.pathname);
  const jar = options.jar ?? new CookieJar();
  const hops: URL[] = [];
  let url = new URL(start);
  let post: URLSearchParams | undefined; // the next request is this form's POST
  for (let hop = 0; hop <= (options.maxHops ?? 20); hop++) {
    if (!post && under(url)) return { kind: 'redirect', location: url, hops };
    hops.push(url);
    // A top-level navigation: SameSite=Lax cookies go along, also across sites (not for a POST).
    const cookie = await jar.getCookieString(url.href, { sameSiteContext: post ? 'strict' : 'lax' });
    const headers = { accept: 'text/html', ...(cookie && { cookie }), ...(post && { 'content-type': 'application/x-www-form-urlencoded', origin: url.origin }) };
    const response = await fetch(url, { method: post ? 'POST' : 'GET', redirect: 'manual', headers, ...(post && { body: post }) });
    post = undefined;
    for (const header of response.headers.getSetCookie()) await jar.setCookie(header, url.href, { sameSiteContext: 'lax', ignoreError: true });
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      url = new URL(location, url);
      continue;
    }
    const body = await response.text();
    const form = parseFormPost(body, url);
    if (form && under(form.action)) return { kind: 'form_post', form, hops };
    // The provider's own auto-submitting forms (oidc-provider asks a browser signed in as another
    // account to confirm a logout that way): a browser's script would submit them, so do it too.
    if (form && form.action.origin === url.origin && /\.submit\(\)/.test(body)) {
      url = form.action;
      post = form.fields;
      continue;
    }
    return { kind: 'page', url, status: response.status, body, hops };
  }
  throw new Error(`more than ${options.maxHops ?? 20} redirects from ${String(start)}`);
}

/** The first `<form method="post">` of a page with its hidden inputs, or undefined if it has none. */
export function parseFormPost(html: string, page: URL): FormPost | undefined {
  const form = /<form\b[^>]*\bmethod="post"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  const action = form && /\baction="([^"]*)"/i.exec(form[0]);
  if (!form?.[1] || !action?.[1]) return undefined;
  const fields = new URLSearchParams();
  for (const input of form[1].matchAll(/<input\b[^>]*>/gi)) {
    const name = /\bname="([^"]*)"/i.exec(input[0])?.[1];
    if (name !== undefined) fields.append(decodeHtml(name), decodeHtml(/\bvalue="([^"]*)"/i.exec(input[0])?.[1] ?? ''));
  }
  return { action: new URL(decodeHtml(action[1]), page), fields, page };
}

export interface SubmitOptions {
  /** The product's cookies (those it set when the sign-in started). */
  jar?: CookieJar;
  /**
   * Default true: the POST comes from another site, as from appleid.apple.com in production, so
   * only SameSite=None cookies go along. On loopback the provider (127.0.0.1:x) and the product
   * (127.0.0.1:y) would count as the same site for a real browser, hiding that difference.
   */
  crossSite?: boolean;
}

/** Submits a form_post page (or its parsed form) as the browser's script would. Redirects are not followed. */
export async function submitFormPost(form: FormPost | { html: string; page: URL }, options: SubmitOptions = {}): Promise<Response> {
  const parsed = 'html' in form ? parseFormPost(form.html, form.page) : form;
  if (!parsed) throw new Error('no <form method="post"> on that page');
  const crossSite = options.crossSite ?? true;
  const cookie = (await options.jar?.getCookieString(parsed.action.href, { sameSiteContext: crossSite ? 'none' : 'strict' })) ?? '';
  const response = await fetch(parsed.action, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin: parsed.page.origin,
      'sec-fetch-site': crossSite ? 'cross-site' : 'same-site',
      'sec-fetch-mode': 'navigate',
      'sec-fetch-dest': 'document',
      ...(cookie && { cookie }),
    },
    body: parsed.fields,
  });
  for (const header of response.headers.getSetCookie()) await options.jar?.setCookie(header, parsed.action.href, { ignoreError: true });
  return response;
}

function decodeHtml(value: string): string {
  return value.replace(/&(#x[0-9a-f]+|#\d+|quot|amp|lt|gt|apos);/gi, (entity, code: string) => {
    const named: Record<string, string> = { quot: '"', amp: '&', lt: '<', gt: '>', apos: "'" };
    if (code.startsWith('#x') || code.startsWith('#X')) return String.fromCodePoint(Number.parseInt(code.slice(2), 16));
    if (code.startsWith('#')) return String.fromCodePoint(Number.parseInt(code.slice(1), 10));
    return named[code.toLowerCase()] ?? entity;
  });
}
