// A pixelwise server and a Chromium page on it, for the browser tests that drive the browser module.
import fs from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildServer } from '../../src/serve/server.ts';
import { DEFAULT_SERVE, type ServeOptions } from '../../src/serve/options.ts';

export const CHROMIUM = '/usr/bin/chromium';
/** The tests' skip reason where Chromium is missing. */
export const noChromium = !fs.existsSync(CHROMIUM) && `no Chromium at ${CHROMIUM} (apt-get install chromium; .ci/run installs it)`;

/** Runs `f` with a page open on a server built with `options` (over DEFAULT_SERVE); both closed after. */
export async function withServedPage<T>(options: Partial<ServeOptions>, f: (page: Page, url: string) => Promise<T>): Promise<T> {
  const s = await buildServer({ ...DEFAULT_SERVE, ...options });
  const url = await s.app.listen({ port: 0, host: '127.0.0.1' });
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    const page = await browser.newPage();
    await page.goto(`${url}/`);
    return await f(page, url);
  } finally {
    await browser?.close();
    await s.close();
  }
}
