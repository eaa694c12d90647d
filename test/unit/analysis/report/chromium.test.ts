// A report opened in headless Chromium (when one is on this machine: LAYER_LENS_CHROMIUM, the
// system's, or the one the end-to-end tests unpack into .cache/chromium): it asks for nothing but
// itself, breaks no CSP rule, draws its figures with a size, keeps a tensor named <script> as text,
// and follows the reader's light or dark colour scheme.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { renderReport } from '../../../../src/analysis/report/html';
import { reportSections } from '../../../../src/analysis/report/sections/index';
import { REPO_ROOT } from '../../../paths';

const CANDIDATES = [process.env.LAYER_LENS_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', join(REPO_ROOT, '.cache', 'chromium', 'chromium')];
const executable = CANDIDATES.find((p): p is string => !!p && existsSync(p));

let dir = '';
let file = '';
let browser: Browser | undefined;

before(async () => {
  if (!executable) return;
  dir = await mkdtemp(join(tmpdir(), 'll-report-browser-'));
  file = join(dir, 'report.html');
  const tidyRows = [0, 1, 2].flatMap((a) =>
    [0, 1, 2]
      .filter((b) => b > a)
      .map((b) => ({ kind: '<script>window.hacked=1</script>', layer_a: a, layer_b: b, metric: 'docs', value: 0.3 + 0.1 * (a + b) })),
  );
  const csv = `kind,layer_a,layer_b,docs\n${tidyRows.map((r) => `"${r.kind}",${r.layer_a},${r.layer_b},${r.value}`).join('\n')}\n`;
  const html = renderReport({
    title: 'Layer similarity',
    analysis: 'similarity',
    models: [{ path: '/m', architecture: 'LlamaForCausalLM', files: [] }],
    settings: {},
    version: '0.0.0',
    date: '2026-01-01T00:00:00.000Z',
    sections: reportSections('similarity', { tidyColumns: ['kind', 'layer_a', 'layer_b', 'metric', 'value'], tidyRows, wideCsv: [csv] }),
  });
  await writeFile(file, html);
  browser = await chromium.launch({ executablePath: executable, args: ['--no-sandbox'] });
});
after(async () => {
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

for (const scheme of ['light', 'dark'] as const)
  test(
    `in ${scheme} mode: no request but the page, no CSP violation, the figure drawn, the name as text`,
    { skip: !executable && 'no Chromium on this machine' },
    async () => {
      const page = await browser!.newPage({ colorScheme: scheme });
      const requests: string[] = [];
      const messages: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      page.on('console', (m) => messages.push(m.text()));
      await page.goto(pathToFileURL(file).href);
      assert.deepEqual(requests, [pathToFileURL(file).href]);
      assert.deepEqual(messages, []);
      const svg = await page.locator('svg.ll-figure').first().boundingBox();
      assert.ok(svg && svg.width > 100 && svg.height > 100, `the heatmap has a size: ${JSON.stringify(svg)}`);
      assert.equal(await page.locator('svg.ll-figure rect title').count(), 6, 'three pairs, mirrored');
      assert.equal(await page.evaluate(() => (window as unknown as { hacked?: number }).hacked), undefined);
      assert.ok((await page.locator('td', { hasText: '<script>window.hacked=1</script>' }).count()) >= 3);
      const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      assert.equal(bg, scheme === 'dark' ? 'rgb(13, 17, 23)' : 'rgb(255, 255, 255)');
      await page.close();
    },
  );
