/**
 * A headless Chromium for the report tests, found without the system: the
 * pinned devDependency @sparticuz/chromium ships one inside its npm package
 * (unpacked to /tmp on first use). RFS_CHROMIUM=/path/to/chromium uses a
 * system browser instead (for example Debian's /usr/bin/chromium).
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Flags for a headless run in a container: no sandbox (root), no GPU, no network chatter. */
const COMMON_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--no-default-browser-check',
];

export async function launchChromium(): Promise<{ browser: Browser; source: string }> {
  const system = process.env.RFS_CHROMIUM;
  if (system) {
    if (!existsSync(system)) throw new Error(`RFS_CHROMIUM=${system}: no such file`);
    const browser = await chromium.launch({ executablePath: system, args: ['--headless', ...COMMON_ARGS] });
    return { browser, source: system };
  }
  const packaged = (await import('@sparticuz/chromium')).default;
  const executablePath = await packaged.executablePath();
  // The package's own flags, less those that weaken what the tests check (same-origin rules,
  // mixed content) and --single-process, with which closing a page closes the whole browser.
  const args = packaged.args.filter((a) => !/^--(disable-web-security|allow-running-insecure-content|single-process)$/.test(a));
  const browser = await chromium.launch({ executablePath, args: [...args, ...COMMON_ARGS] });
  return { browser, source: `@sparticuz/chromium (${executablePath})` };
}
