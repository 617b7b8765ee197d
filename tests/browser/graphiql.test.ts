// GraphiQL in Chromium, offline: the page's own example operations run, the session stays in an
// HttpOnly cookie the page's scripts cannot read, and the assets arrive compressed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { useChromium } from './support/browser-test.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());
const chromium = useChromium();

/** Picks an operation of the default document from the run button's menu; resolves to its JSON answer. */
async function runOperation(page: Page, name: string): Promise<{ data?: Record<string, unknown> | null; errors?: { extensions?: { code?: string } }[] }> {
  const answer = page.waitForResponse(
    (r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/graphql' && (r.request().postData() ?? '').includes(`"operationName":"${name}"`),
  );
  await page.locator('.graphiql-execute-button').click();
  await page.getByRole('menuitem', { name, exact: true }).click();
  return (await answer).json();
}

/** The result pane's text; Monaco draws spaces as no-break spaces. */
const resultText = async (page: Page) => (await page.locator('.graphiql-response').innerText()).replace(/\s+/g, ' ');

describe('GraphiQL in Chromium', () => {
  it('loads compressed from this server only, and runs the example operations: SignUp, Dashboard, Logout, then Dashboard is UNAUTHENTICATED; the cookie is HttpOnly', async () => {
    const { page, context, requests } = chromium();
    const encodings = new Map<string, string | undefined>();
    page.on('response', (r) => {
      const path = new URL(r.url()).pathname;
      if (path.startsWith('/graphiql/')) encodings.set(path, r.headers()['content-encoding']);
    });
    // The profile's first visit (GraphiQL keeps its tabs in localStorage): the default document shows.
    await page.goto(new URL('/graphql', t.url).href);
    await page.locator('.graphiql-execute-button').waitFor();
    // Run nothing before the editor holds the document: an empty editor would run as an empty query.
    await expect.poll(() => page.locator('.graphiql-query-editor').innerText()).toMatch(/mutation\s+Logout/);
    expect(requests.every(({ url }) => url.host === t.url.host)).toBe(true);
    const scripts = [...encodings].filter(([path]) => path.endsWith('.js') || path.endsWith('.css'));
    expect(scripts.length).toBeGreaterThanOrEqual(2);
    for (const [path, encoding] of scripts) expect(encoding, path).toBe('br');

    expect((await runOperation(page, 'SignUp')).data).toMatchObject({ signUp: { message: 'user created!' } });
    await expect.poll(() => resultText(page)).toContain('user created!');
    const cookies = await context.cookies(t.url.href);
    expect(cookies.find((c) => c.name === t.config.cookie.name)).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    expect(await page.evaluate(() => document.cookie)).toBe('');

    expect((await runOperation(page, 'Dashboard')).data).toMatchObject({ dashboard: { message: 'Welcome, ABC!' } });
    await expect.poll(() => resultText(page)).toContain('Welcome, ABC!');
    expect((await runOperation(page, 'Logout')).data).toMatchObject({ logout: { message: 'logout successful!' } });
    expect((await runOperation(page, 'Dashboard')).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await runOperation(page, 'SignIn')).data).toMatchObject({ signIn: { message: 'login successful!' } });
    expect((await runOperation(page, 'Dashboard')).data).toMatchObject({ dashboard: { message: 'Welcome, ABC!' } });
    expect(await page.evaluate(() => document.cookie)).toBe('');
  });
});
