/**
 * The dashboard in a real browser, for its tests and its benchmark: Debian's
 * chromium (installed by .ci/run; playwright-core never downloads one), started
 * with the flags this machine's closed network needs, and a signed-in page.
 */
import { type Browser, chromium, type Page } from 'playwright-core';

/** Where Debian puts chromium. */
export const CHROMIUM = '/usr/bin/chromium';

/** Starts headless chromium without its background network traffic (refused here, many at a time). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** Signs in on the dashboard at `url` with an API token and waits for the fleet page. */
export async function signIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: /Fleet —/ }).waitFor();
}
