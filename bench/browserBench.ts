/**
 * What the benches that run webview code in headless Chromium share: the module bundled for the
 * page (esbuild, an IIFE under `globalName`) and a browser started from the Chromium the
 * end-to-end tests use (test/e2e/lib/prerequisites.mjs finds or unpacks it).
 */
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';

const root = join(__dirname, '..');

/** `entry` (relative to the repository) bundled for a page, as source text. */
export async function pageBundle(entry: string, globalName: string): Promise<string> {
  const out = await build({ entryPoints: [join(root, entry)], bundle: true, write: false, format: 'iife', globalName, platform: 'browser' });
  return out.outputFiles[0].text;
}

/** Headless Chromium, the end-to-end tests' own. */
export async function launchBenchChromium(): Promise<Browser> {
  const { prepareEndToEnd } = (await import(join(root, 'test/e2e/lib/prerequisites.mjs'))) as {
    prepareEndToEnd: (root: string, o: { log: (m: string) => void }) => Promise<{ chromium: string }>;
  };
  const { chromium: executablePath } = await prepareEndToEnd(root, { log: () => undefined });
  return chromium.launch({ executablePath, args: ['--no-sandbox'] });
}
