/**
 * The headless-Chromium set-up of the webview's browser tests: a harness module (TypeScript source
 * that imports webview code relative to `resolveDir`) bundled with esbuild as the panels are, and
 * loaded into a blank page of a Chromium launched for this test and closed after it.
 * Chromium: LAYER_LENS_CHROMIUM, else /usr/bin/chromium(-browser), else the one the e2e setup
 * unpacks into .cache/chromium/ (npm run test:e2e once); without any, `chromiumPath` is undefined
 * and the tests skip themselves with `NO_CHROMIUM`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { chromium, type Page } from 'playwright-core';
import { REPO_ROOT } from '../../paths';

export const chromiumPath: string | undefined = [
  process.env.LAYER_LENS_CHROMIUM,
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  join(REPO_ROOT, '.cache', 'chromium', 'chromium'),
].find((p): p is string => !!p && existsSync(p));

/** The `skip` option of a browser test: false when a Chromium is there, else why the test is skipped. */
export const NO_CHROMIUM: false | string = chromiumPath ? false : 'no Chromium (set LAYER_LENS_CHROMIUM)';

/**
 * A page that has run `harness`, bundled with its imports resolved from `resolveDir` (relative to
 * the repository's root, e.g. 'webview/common'); `bodyClass` is set on <body> (e.g. 'vscode-dark'
 * for the theme variables). The browser closes when the test `t` ends.
 */
/** What harnessPage needs of the test: a hook that runs when it ends. */
interface TestEnd {
  after(fn: () => unknown): void;
}

export async function harnessPage(t: TestEnd, harness: string, opts: { resolveDir: string; bodyClass?: string }): Promise<Page> {
  if (!chromiumPath) throw new Error('no Chromium: skip the test with NO_CHROMIUM');
  const bundle = await esbuild.build({
    stdin: { contents: harness, resolveDir: join(REPO_ROOT, opts.resolveDir), loader: 'ts', sourcefile: 'harness.ts' },
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'error',
  });
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
  t.after(() => browser.close());
  const page = await browser.newPage();
  await page.setContent(`<!doctype html><html><body${opts.bodyClass ? ` class="${opts.bodyClass}"` : ''}></body></html>`);
  await page.addScriptTag({ content: bundle.outputFiles[0]!.text });
  return page;
}
