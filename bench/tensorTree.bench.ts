/**
 * Responsiveness of the model editor's tensor tree with a DeepSeek-V3-sized model (~92k tensors:
 * 61 layers + the MTP layer, 256 routed experts a layer, FP8 weights with their scales; the folder
 * of bench/open.bench.ts). The tree (webview/modelEditor/tensorTree.ts, bundled by esbuild as the
 * editor bundles it) runs in headless Chromium (the one the end-to-end tests use) on the groups that
 * the editor receives (modelOverview). Each figure is the time from the user's action to the end of
 * the layout it causes, filter debounce excluded, against a 100 ms budget for a response that feels
 * immediate (the RAIL model's "response" goal); DOM rows after each action show what was drawn.
 *
 *   npm run bench tensorTree        (or: node --expose-gc --import tsx bench/tensorTree.bench.ts)
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { launchBenchChromium, pageBundle } from './browserBench';
import { openModel } from '../src/analysis/model/openModel';
import { modelOverview } from '../src/analysis/model/overview';
import { writeSparseDeepseekV3 } from './open.bench';

const BUDGET_MS = 100;
const DEBOUNCE_MS = 120; // tensorTree.ts's filter debounce

/** Runs in the page: renders the tree and times each interaction; plain JavaScript. */
const PAGE_SCRIPT = String.raw`async (json, debounce) => {
  const out = [];
  const rows = () => document.querySelectorAll('tr.me-row').length;
  const settle = () => void document.body.offsetHeight; // forces style and layout
  const groups = JSON.parse(json);
  const idle = () => new Promise((r) => setTimeout(r, 500));
  let t = performance.now();
  const tree = globalThis.TensorTreeBench.renderTensorTree(groups, { filter: '', open: [] }, () => undefined, () => undefined);
  document.body.append(tree.element);
  settle();
  out.push({ what: 'first render (every group closed)', ms: performance.now() - t, rows: rows() });
  await idle(); // the search texts are built in idle time after the first render
  const group = (key) => document.querySelector('details[data-group="' + key + '"]');
  const layer = groups.find((g) => g.layer === 30);
  const el = group(layer.key);
  t = performance.now();
  el.open = true;
  await new Promise((r) => el.addEventListener('toggle', () => r(), { once: true }));
  settle();
  out.push({ what: 'open layer 30 (' + layer.tensors.length + ' tensors)', ms: performance.now() - t, rows: rows() });
  const more = el.querySelector('.me-more');
  if (more) {
    t = performance.now();
    more.click();
    settle();
    out.push({ what: '"Show more" in layer 30', ms: performance.now() - t, rows: rows() });
  }
  const box = document.querySelector('.me-filter');
  const count = document.querySelector('.me-filter-count');
  const list = document.querySelector('.me-groups');
  for (const text of ['experts.17.', 'weight', 'weigh', 'layers.45 kv_b', 'scale_inv', 'zzz-no-match', 'proj', '']) {
    // Done when the tree replaces its groups (the redraw after the debounce).
    const redrawn = new Promise((r) => new MutationObserver((_, o) => (o.disconnect(), r())).observe(list, { childList: true }));
    const t0 = performance.now();
    box.value = text;
    box.dispatchEvent(new Event('input'));
    await redrawn;
    settle();
    out.push({ what: 'filter "' + text + '" -> ' + (count.textContent || 'all'), ms: performance.now() - t0 - debounce, rows: rows() });
  }
  return out;
}`;

interface Measured {
  what: string;
  ms: number;
  rows: number;
}

async function main(): Promise<void> {
  const root = join(__dirname, '..');
  const dir = join(root, '.bench-data', 'tree-deepseek-v3');
  await writeSparseDeepseekV3(dir);
  const model = await openModel(dir);
  const { groups } = modelOverview(model);
  const tensors = groups.reduce((a, g) => a + g.tensors.length, 0);
  const largest = Math.max(...groups.map((g) => g.tensors.length));
  const bundle = await pageBundle('webview/modelEditor/tensorTree.ts', 'TensorTreeBench');
  const browser = await launchBenchChromium();
  try {
    const page = await browser.newPage();
    await page.setContent('<!doctype html><html><body></body></html>');
    await page.addScriptTag({ content: bundle });
    const json = JSON.stringify(groups);
    // Passed as source text: tsx's transpiled functions call helpers the page does not have.
    const results = (await page.evaluate(`(${PAGE_SCRIPT})(${JSON.stringify(json)}, ${DEBOUNCE_MS})`)) as Measured[];
    const heap = (await page.evaluate(() => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0)) as number;
    console.log(`${tensors} tensors in ${groups.length} groups (largest ${largest}); groups JSON ${(json.length / 1e6).toFixed(1)} MB`);
    for (const r of results)
      console.log(
        `  ${r.what.padEnd(62)} ${r.ms.toFixed(0).padStart(5)} ms  ${r.rows.toString().padStart(6)} rows drawn  ratio to ${BUDGET_MS} ms ${(r.ms / BUDGET_MS).toFixed(2)}`,
      );
    console.log(`  page JS heap ${(heap / 2 ** 20).toFixed(0)} MiB; bench process peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
  } finally {
    await browser.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  void main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
