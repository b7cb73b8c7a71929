/**
 * PNG screenshots of a report in headless Chromium (for docs and for looking at a report from a
 * script). playwright-core is loaded only when this runs, so the package works without it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Overwrite } from '@tessera/io';
import { OUTPUT_KINDS, writeFileAtomic } from './files.js';

/** Flags for a headless Chromium that makes no request of its own. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Options of {@link screenshotReport}. */
export interface ScreenshotOptions {
  /** Viewport width in CSS pixels (default 1400). */
  width?: number;
  /** Viewport height (default 900); with `fullPage` the whole page is captured anyway. */
  height?: number;
  /** Capture the whole page, not just the viewport (default true). */
  fullPage?: boolean;
  /** When the PNG exists: `true` (default) replaces a PNG, `false` refuses, `'force'` replaces anything. */
  overwrite?: Overwrite;
  /** Device pixel ratio (default 1). */
  scale?: number;
  /** Chromium binary (default `$TESSERA_CHROMIUM` or `/usr/bin/chromium`). */
  executablePath?: string;
}

/**
 * Opens `htmlFile` in headless Chromium (a fresh profile, no network) and writes a PNG of it to
 * `pngFile`. Needs the `playwright-core` package and a Chromium binary (Debian: `apt-get install
 * chromium`).
 *
 * @example
 * await writeReport([prof, res], 'report.html');
 * await screenshotReport('report.html', 'docs/img/report.png', { width: 1400 });
 */
export async function screenshotReport(htmlFile: string, pngFile: string, options: ScreenshotOptions = {}): Promise<void> {
  let playwright: typeof import('playwright-core');
  try {
    playwright = await import('playwright-core');
  } catch (error) {
    throw new Error(
      `screenshotReport needs the 'playwright-core' package (npm install playwright-core); it could not be loaded: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const executablePath = options.executablePath ?? process.env['TESSERA_CHROMIUM'] ?? '/usr/bin/chromium';
  const profile = await mkdtemp(join(tmpdir(), 'tessera-chromium-'));
  try {
    const context = await playwright.chromium
      .launchPersistentContext(profile, {
        executablePath,
        headless: true,
        args: [...CHROMIUM_ARGS],
        viewport: { width: options.width ?? 1400, height: options.height ?? 900 },
        deviceScaleFactor: options.scale ?? 1,
      })
      .catch((error: Error) => {
        throw new Error(
          `Cannot start Chromium at '${executablePath}' (install it with 'apt-get install chromium', or pass executablePath): ${error.message.split('\n')[0]}`,
          { cause: error },
        );
      });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      await page.goto(pathToFileURL(resolve(htmlFile)).href, { waitUntil: 'load' });
      const png = await page.screenshot({ fullPage: options.fullPage ?? true, type: 'png' });
      await writeFileAtomic(pngFile, png, OUTPUT_KINDS.png, { overwrite: options.overwrite, inputs: [htmlFile] });
    } finally {
      await context.close();
    }
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}
