// The example pages (examples/apollo, examples/urql), bundled as a developer would and served
// from an origin of their own, against the real server: the whole account flow in Chromium, the
// cache pattern that keeps a logged-out dashboard from showing, an error shown from its code,
// an unlisted origin refused, and a page on another site losing its Lax cookie, as documented.
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildExamples, EXAMPLES } from '../../examples/build.ts';
import { createStaticServer } from '../../examples/serve.ts';
import { GOOD_PASSWORD, uniqueEmail } from '../support/operations.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { useChromium } from './support/browser-test.ts';
import { waitForResetCode } from './support/mail.ts';

let dist: string;
let pages: Server; // the listed origin
let unlisted: Server; // same pages, an origin not in CORS_ORIGINS
let t: TestApp;

const listen = (server: Server) =>
  new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
const close = (server: Server | undefined) => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));

let pagesPort: number;
let unlistedPort: number;
beforeAll(async () => {
  dist = await mkdtemp(join(tmpdir(), 'auth-api-examples-'));
  await buildExamples(dist);
  pages = createStaticServer(dist);
  unlisted = createStaticServer(dist);
  pagesPort = await listen(pages);
  unlistedPort = await listen(unlisted);
  // localhost:<port> is listed too: it is another *site* than 127.0.0.1, the failure shape the README describes.
  t = await startTestApp({ env: { CORS_ORIGINS: `http://127.0.0.1:${pagesPort},http://localhost:${pagesPort}` } });
}, 120_000);
afterAll(async () => {
  await t?.close();
  await close(pages);
  await close(unlisted);
  await rm(dist, { recursive: true, force: true });
});
const chromium = useChromium();

const pageUrl = (origin: string, example: string) => `${origin}/${example}/?api=${encodeURIComponent(t.graphqlUrl.href)}`;

/** Submits a form of the page and waits for its answer in #status. */
async function submit(page: Page, form: string, values: Record<string, string>): Promise<void> {
  await page.locator('#status').evaluate((el) => (el.textContent = ''));
  for (const [name, value] of Object.entries(values)) await page.locator(`${form} [name="${name}"]`).fill(value);
  await page.locator(`${form} button`).click();
  await waitForAnswer(page);
}

async function click(page: Page, button: string): Promise<void> {
  await page.locator('#status').evaluate((el) => (el.textContent = ''));
  await page.locator(button).click();
  await waitForAnswer(page);
}

async function waitForAnswer(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const text = document.querySelector('#status')?.textContent ?? '';
    return text !== '' && text !== '…';
  });
}

const status = (page: Page) => page.locator('#status').innerText();
const errorCode = (page: Page) => page.locator('#status').getAttribute('data-error-code');

describe.each(EXAMPLES)('the %s example, served from a listed origin', (example) => {
  it('signs up, reads the dashboard, logs out (the dashboard is then refused, not cached), shows an error from its code, resets a forgotten password', async () => {
    const { page, context, requests } = chromium();
    const origin = `http://127.0.0.1:${pagesPort}`;
    const email = uniqueEmail(example);
    await page.goto(pageUrl(origin, example));

    await submit(page, '#sign-up', { username: 'Alice', email, password: GOOD_PASSWORD });
    expect(await status(page)).toBe('user created! Signed in as Alice.');
    await click(page, '#dashboard');
    expect(await status(page)).toMatch(/^Welcome, Alice! Session ends at /);
    const cookie = (await context.cookies(t.url.href)).find((c) => c.name === t.config.cookie.name);
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    expect(await page.evaluate(() => document.cookie)).toBe('');

    await click(page, '#logout');
    expect(await status(page)).toBe('logout successful!');
    await click(page, '#dashboard');
    expect(await errorCode(page)).toBe('UNAUTHENTICATED');
    expect(await status(page)).toMatch(/^Please sign in \(UNAUTHENTICATED\)/);

    await submit(page, '#sign-in', { email, password: 'not-the-password-at-all' });
    expect(await errorCode(page)).toBe('INVALID_CREDENTIALS');
    expect(await status(page)).toBe('Wrong email or password (INVALID_CREDENTIALS): invalid credentials!');

    await submit(page, '#forgot', { email });
    expect(await status(page)).toBe('If an account exists for that email, a reset code has been sent.');
    const code = await waitForResetCode(t.config.dataDir, email);
    await submit(page, '#reset', { email, code: '000000' === code ? '111111' : '000000', newPassword: 'new-harbor-violet-77' });
    expect(await errorCode(page)).toBe('INVALID_CODE');
    await submit(page, '#reset', { email, code, newPassword: 'new-harbor-violet-77' });
    expect(await status(page)).toBe('password reset successful!');
    await submit(page, '#sign-in', { email, password: 'new-harbor-violet-77' });
    expect(await status(page)).toBe('login successful! Signed in as Alice.');
    await click(page, '#dashboard');
    expect(await status(page)).toMatch(/^Welcome, Alice!/);

    // urql sends queries as GET (and the server answers them); Apollo Client POSTs everything.
    const dashboardReads = requests.filter(({ url }) => url.host === t.url.host && url.pathname === '/graphql' && url.searchParams.get('query')?.includes('dashboard'));
    if (example === 'urql') expect(dashboardReads.map((r) => r.method)).toEqual(['GET', 'GET', 'GET']);
    else expect(dashboardReads).toEqual([]);
  });

  it('is refused from an origin not in CORS_ORIGINS: the browser gets no answer, and no account is made', async () => {
    const { page } = chromium();
    const email = uniqueEmail(`${example}-unlisted`);
    await page.goto(pageUrl(`http://127.0.0.1:${unlistedPort}`, example));
    await submit(page, '#sign-up', { username: 'Mallory', email, password: GOOD_PASSWORD });
    expect(await errorCode(page)).toBe('NETWORK_ERROR');
    expect(await t.app.services.prisma.user.count({ where: { email } })).toBe(0);
  });
});

describe('a page on another site (localhost page, 127.0.0.1 API)', () => {
  it('signs up, but the browser does not keep the Lax cookie: the dashboard is refused, and the server log says why', async () => {
    const { page } = chromium();
    await page.goto(pageUrl(`http://localhost:${pagesPort}`, 'apollo'));
    await submit(page, '#sign-up', { username: 'Far', email: uniqueEmail('far'), password: GOOD_PASSWORD });
    expect(await status(page)).toBe('user created! Signed in as Far.');
    await click(page, '#dashboard');
    expect(await errorCode(page)).toBe('UNAUTHENTICATED');
    expect(t.logger.lines.filter((l) => l.startsWith('warn [cookie]'))).toEqual([
      expect.stringContaining(`http://localhost:${pagesPort} is another site than this server (127.0.0.1:${t.url.port})`),
    ]);
  });
});
