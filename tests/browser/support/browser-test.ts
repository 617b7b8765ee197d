// One Chromium per test file, a screenshot of every open page when a test fails, and the check
// that no request left the machine.
import { afterAll, beforeAll, expect, onTestFailed } from 'vitest';
import { type Browser, launchChromium } from './chromium.ts';

export function useChromium(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    try {
      if (browser) expect(browser.outside(), 'requests that would have left the machine').toEqual([]);
    } finally {
      await browser?.close();
    }
  });
  return () => {
    if (!browser) throw new Error('Chromium did not start');
    const current = browser;
    onTestFailed(({ task }) => current.screenshot(`${task.file?.name ?? 'browser'}-${task.name}`));
    return current;
  };
}
