/**
 * Plot drawing at Llama-3-70B scale: every panel's plot (bench/plotDraw.page.ts: 80 layers, 64
 * query / 8 KV heads, 7–8 matrix kinds, 256 routed experts, 81 persistence clouds, 50 timeline
 * steps) built by the panel's own view-model and render code from synthetic results, bundled by
 * esbuild as the panels bundle it and run in headless Chromium (the one the end-to-end tests use).
 * Per plot: first draw, re-draw in another theme (what a theme switch does) and "Show as table",
 * each from the call to the end of the layout it causes, against a 200 ms budget (ratio); the DOM
 * nodes it leaves (SVG nodes apart: thousands of them make every later layout slow).
 *
 *   npm run bench plotDraw        (or: node --expose-gc --import tsx bench/plotDraw.bench.ts)
 */
import { launchBenchChromium, pageBundle } from './browserBench';
import type { Measured } from './plotDraw.page';

const BUDGET_MS = 200;
const RUNS = 5;

async function main(): Promise<void> {
  const bundle = await pageBundle('bench/plotDraw.page.ts', 'PlotDrawBench');
  const browser = await launchBenchChromium();
  try {
    // Each run in a fresh page (so "first" is a first draw); the median of RUNS runs per figure.
    const runs: Measured[][] = [];
    let heap = 0;
    for (let i = 0; i < RUNS; i++) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.setContent('<!doctype html><html><body></body></html>');
      await page.addScriptTag({ content: bundle });
      runs.push((await page.evaluate('PlotDrawBench.measureAll()')) as Measured[]);
      heap = Math.max(
        heap,
        (await page.evaluate(() => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0)) as number,
      );
      await page.close();
    }
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1]!;
    const results = runs[0]!.map((r, j) => ({
      ...r,
      first: median(runs.map((run) => run[j]!.first)),
      redraw: median(runs.map((run) => run[j]!.redraw)),
      table: median(runs.map((run) => run[j]!.table)),
    }));
    const col = (v: number, w = 6) => v.toFixed(0).padStart(w);
    console.log(
      `${'plot'.padEnd(42)} ${'first'.padStart(6)} ${'redraw'.padStart(6)} ${'table'.padStart(6)} ms  ${'ratio'.padStart(5)}  ${'DOM'.padStart(6)} ${'SVG'.padStart(6)}`,
    );
    for (const r of results) {
      const worst = Math.max(r.first, r.redraw, r.table);
      console.log(
        `${r.name.padEnd(42)} ${col(r.first)} ${col(r.redraw)} ${col(r.table)} ms  ${(worst / BUDGET_MS).toFixed(2).padStart(5)}  ${col(r.nodes)} ${col(r.svgNodes)}${r.tables ? '' : '  (no table toggle)'}`,
      );
    }
    const over = results.filter((r) => Math.max(r.first, r.redraw, r.table) > BUDGET_MS);
    console.log(
      `medians of ${RUNS} runs, each in a fresh page; ratio: the slowest of first draw, re-draw and table against ${BUDGET_MS} ms; ${over.length} of ${results.length} plots over budget`,
    );
    console.log(`page JS heap ${(heap / 2 ** 20).toFixed(0)} MiB; bench process peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
  } finally {
    await browser.close();
  }
}

if (require.main === module) {
  void main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
