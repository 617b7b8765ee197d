// Debian's Chromium driven by playwright-core (Playwright's own browser download cannot work on
// these machines). A fresh profile per launch. Every request the browser makes is recorded so a
// test can assert that nothing left the machine, and host names other than loopback do not
// resolve. Recording is passive on purpose: with Playwright's request interception (route) on,
// Playwright answers every CORS preflight itself with "allow", which would let a refused origin's
// requests through and hide exactly what these tests check.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Every URL the browser asked for, in order (workers' scripts included). */
  requests: { method: string; url: URL }[];
  /** Requests to anywhere but loopback (they cannot resolve, but must not even be tried). */
  outside(): string[];
  /** Saves a screenshot of every open page under test-results/screenshots/. */
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`No Chromium at ${CHROMIUM_PATH}: install it with \`apt-get update && apt-get install -y chromium\` (or set CHROMIUM_PATH)`);
  }
  const profile = await mkdtemp(join(tmpdir(), 'auth-api-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
    ],
  });
  const requests: Browser['requests'] = [];
  context.on('request', (request) => requests.push({ method: request.method(), url: new URL(request.url()) }));
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    requests,
    outside: () => requests.filter(({ url }) => /^https?:$/.test(url.protocol) && !LOOPBACK.has(url.hostname)).map(({ url }) => url.href),
    async screenshot(name) {
      const dir = join(process.cwd(), 'test-results', 'screenshots');
      await mkdir(dir, { recursive: true });
      for (const [i, open] of context.pages().entries()) {
        await open.screenshot({ path: join(dir, `${name.replace(/[^\w.-]+/g, '_')}-${i}.png`), fullPage: true }).catch(() => {});
      }
    },
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
