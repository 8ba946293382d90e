import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startWebHost, type WebHost } from '../../electron/web/host.ts';

/** Debian's Chromium: Playwright cannot download its own browser on an offline machine. */
export const CHROMIUM = process.env.AIRLOCK_CHROMIUM ?? '/usr/bin/chromium';

/** Where end-to-end screenshots are kept (under the test output). */
export const SCREENSHOTS = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots');

export async function launchBrowser(): Promise<Browser> {
  // The test machine runs as root, where Chromium's sandbox cannot start.
  return chromium.launch({ executablePath: CHROMIUM, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
}

/** Saves a full-page screenshot as test-results/screenshots/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Opens a screen from the sidebar and waits for its heading. */
export async function openScreen(page: Page, screen: string): Promise<void> {
  await page.getByRole('navigation').getByRole('link', { name: screen, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: screen }).waitFor();
}

/** A web host over a fresh data folder and a Chromium page on it; `close` ends all three. */
export interface AppSession {
  host: WebHost;
  browser: Browser;
  page: Page;
  /** Uncaught errors in the page, for a test to assert there were none. */
  pageErrors: string[];
  close(): Promise<void>;
}

/** Starts the web host on `home` and opens the app in Chromium (1280×900, 15 s default waits). */
export async function openApp(home: string): Promise<AppSession> {
  const host = await startWebHost({ home });
  const browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(15_000);
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(host.url);
  return {
    host,
    browser,
    page,
    pageErrors,
    async close() {
      await browser.close();
      await host.close();
    },
  };
}
