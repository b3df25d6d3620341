/** Headless Chromium for the dashboard tests (playwright-core, the system's Chromium). */
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

export const CHROMIUM = process.env.FLUP_TEST_CHROMIUM ?? '/usr/bin/chromium';

/** For describe(..., { skip }): false, or why the tests cannot run. */
export const chromiumSkip: false | string = existsSync(CHROMIUM)
  ? false
  : `no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set FLUP_TEST_CHROMIUM)`;

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
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
