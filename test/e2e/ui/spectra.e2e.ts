// right-click a model folder → "Analyze Weight Spectra" → the spectra panel renders: a
// layer × kind heatmap whose mean-KS-p cells equal scipy's (test/oracles/spectra.json), spikes in
// every q, α only where the fit is reliable (WeightWatcher's fit, the default), the singular-value histogram with the
// Marchenko–Pastur curve, and the power-law tail fit whose x_min, typed or dragged, refits live to
// the closed-form MLE of the same eigenvalues.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { STORIES_260K, repoRoot, uiCase, commandTitle } from '../lib/uiCase';
import { chooseOption, fillField, waitFor } from '../lib/workbench';

interface StoriesOracle {
  heads: { layer: number; kind: string; head: number; singularValues: number[] }[];
  randomnessByDepth: Record<string, number[]>;
  matrices: { layer: number; kind: string; singularValues: number[]; fit: { alpha: number; nTail: number } }[];
}

export default uiCase({
  title: 'right-click a model folder → Analyze Weight Spectra → heatmap, MP histogram and a draggable power-law fit that match scipy',
  timeoutMs: 120_000,
  setup: (ws) => {
    ws.copyModel(STORIES_260K, 'stories260K');
  },
  run: async (wb, ws) => {
    const oracle = (JSON.parse(readFileSync(join(repoRoot, 'test', 'oracles', 'spectra.json'), 'utf8')) as { stories260K: StoriesOracle }).stories260K;
    const wwOracle = JSON.parse(readFileSync(join(repoRoot, 'test', 'oracles', 'weightwatcher.json'), 'utf8')) as {
      stories260K: { layer: number; kind: string; fit: { alpha: number } }[];
    };
    const config = JSON.parse(readFileSync(ws.path('stories260K/config.json'), 'utf8')) as { num_hidden_layers: number };
    const layers = config.num_hidden_layers;

    await wb.openFromExplorer('stories260K/model.safetensors');
    await wb.webview('.me-header', 45_000);
    await wb.explorerContextMenu('stories260K', commandTitle('layerLens.analyzeSpectra'));
    await wb.waitForTab('Weight spectra');

    const panel = await wb.webview('[data-testid="spectra-heatmap"]', 30_000);
    const status = panel.locator('.ll-status-text');
    await waitFor('the spectra run to finish', async () => /Done in/.test(await status.innerText()), 60_000, 300);
    await wb.screenshot('done');

    // Heatmap: layers × 7 kinds, coloured by the mean KS p; q, k, v, o cells average their heads.
    const cells = panel.locator('[data-testid="spectra-cell"]');
    const count = await cells.count();
    if (count !== layers * 7) throw new Error(`heatmap has ${count} cells with values, expected ${layers * 7}`);
    const problems: string[] = [];
    for (const rect of await cells.all()) {
      const [layer, kind, value] = await Promise.all([rect.getAttribute('data-layer'), rect.getAttribute('data-kind'), rect.getAttribute('data-value')]);
      const expected = oracle.randomnessByDepth[kind ?? '']?.[Number(layer)];
      if (expected !== undefined && Math.abs(Number(value) - expected) > 1e-6) problems.push(`L${layer} ${kind}: shown ${value}, scipy ${expected}`);
    }
    if (problems.length) throw new Error(`mean KS p differs from scipy: ${problems.join('; ')}`);

    // Another metric: spikes above the MP edge; every layer's q has at least one.
    await chooseOption(panel, 'spectra-metric', 'spikes');
    await waitFor('the spikes heatmap', async () => (await panel.locator('[data-testid="spectra-cell"][data-kind="q"]').count()) === layers, 10_000);
    for (const rect of await panel.locator('[data-testid="spectra-cell"][data-kind="q"]').all()) {
      const v = Number(await rect.getAttribute('data-value'));
      if (!(v >= 1)) throw new Error(`layer ${await rect.getAttribute('data-layer')} q shows ${v} spikes; stories260K has at least one in every q`);
    }
    const depthLines = await panel.locator('[data-testid="spectra-depth"] svg [aria-label="line"] path').count();
    if (depthLines < 3) throw new Error(`randomness vs depth shows ${depthLines} lines, expected q, k, v`);

    // Unreliable power-law fits are flagged, not printed: on the α heatmap, L2 q (19 tail
    // eigenvalues) is a missing cell and L3 gate (42) shows WeightWatcher's α, the default fit
    // (test/oracles/weightwatcher.json; equal to numpy's KS-chosen fit for this matrix).
    await chooseOption(panel, 'spectra-metric', 'alpha');
    const gateFit = wwOracle.stories260K.find((m) => m.kind === 'gate' && m.layer === 3)!;
    await waitFor('the α heatmap', async () => (await panel.locator('[data-testid="spectra-cell"][data-kind="gate"][data-layer="3"]').count()) === 1, 10_000);
    const gateAlpha = Number(await panel.locator('[data-testid="spectra-cell"][data-kind="gate"][data-layer="3"]').getAttribute('data-value'));
    if (!(Math.abs(gateAlpha - gateFit.fit.alpha) < 1e-6)) throw new Error(`L3 gate α shown ${gateAlpha}, WeightWatcher ${gateFit.fit.alpha}`);
    if ((await panel.locator('[data-testid="spectra-cell-missing"][data-kind="q"][data-layer="2"]').count()) !== 1)
      throw new Error('L2 q has an unreliable fit (19 tail eigenvalues) but its α cell is not flagged as missing');
    await wb.screenshot('alpha-heatmap');

    // Detail of one head that the oracle knows: histogram + MP curve; 8 eigenvalues are too few to fit.
    const head = oracle.heads.find((h) => h.kind === 'q') as StoriesOracle['heads'][number];
    await chooseOption(panel, 'spectra-layer', String(head.layer));
    await chooseOption(panel, 'spectra-kind', 'q');
    await chooseOption(panel, 'spectra-head', String(head.head));
    await waitFor('the head summary', async () => (await panel.locator('[data-testid="spectra-summary"]').innerText()).includes(`head ${head.head}`), 10_000);
    const histogramMarks = await panel.locator('[data-testid="spectra-histogram"] svg [aria-label="line"]').count();
    if (histogramMarks < 1) throw new Error('the singular-value histogram has no Marchenko–Pastur curve');
    const fit = panel.locator('[data-testid="spectra-fit"]');
    const headFit = await fit.innerText();
    if (!new RegExp(`No power-law fit: only ${head.singularValues.length} positive eigenvalues`).test(headFit)) throw new Error(`head fit text: ${headFit}`);
    await wb.screenshot('head-detail');

    // The whole L2 q matrix: numpy's KS-chosen fit has 19 tail eigenvalues → flagged, no α shown.
    const q2 = oracle.matrices.find((m) => m.kind === 'q' && m.layer === head.layer)!;
    await chooseOption(panel, 'spectra-head', '-1');
    await waitFor('the KS-chosen fit of the whole matrix', async () => /minimum KS distance/.test(await fit.innerText()), 5_000);
    const flagged = await fit.innerText();
    if (!/^Unreliable fit, α not reported/.test(flagged) || /α =/.test(flagged) || !flagged.includes(`tail = ${q2.fit.nTail} of 64`))
      throw new Error(`unreliable fit text: ${flagged}`);

    // x_min by hand, leaving 54 of 64 eigenvalues: α must be the closed-form MLE 1 + n / Σ ln(λ / x_min).
    const lambda = q2.singularValues.map((s) => s * s).sort((a, b) => a - b);
    // Between two eigenvalues, so float rounding cannot move one across the boundary.
    const xmin = Math.sqrt((lambda[9] as number) * (lambda[10] as number));
    const tail = lambda.filter((l) => l >= xmin);
    const alpha = 1 + tail.length / tail.reduce((a, l) => a + Math.log(l / xmin), 0);
    await fillField(panel, 'spectra-xmin', String(xmin));
    await waitFor('the refit at the typed x_min', async () => /set by hand/.test(await fit.innerText()), 5_000);
    const typed = await fit.innerText();
    const shown = Number(/α = ([-\d.e+]+)/.exec(typed)?.[1]);
    if (!(Math.abs(shown - alpha) < 1e-3 * alpha) || !typed.includes(`tail = ${tail.length} of 64`))
      throw new Error(`at x_min ${xmin}: "${typed}", closed form α ${alpha} over ${tail.length}`);
    await wb.screenshot('xmin-typed');

    // Dragging the x_min line refits live; the reset button brings back the KS choice.
    const plot = panel.locator('[data-testid="spectra-tail"] svg').first();
    const box = await plot.boundingBox();
    if (!box) throw new Error('the tail plot has no box');
    await plot.hover({ position: { x: box.width * 0.3, y: box.height / 2 } });
    await wb.page.mouse.down();
    await plot.hover({ position: { x: box.width * 0.45, y: box.height / 2 } });
    await wb.page.mouse.up();
    await waitFor('the refit after dragging x_min', async () => /set by hand/.test(await fit.innerText()) && (await fit.innerText()) !== typed, 5_000);
    await panel.locator('[data-testid="spectra-xmin-reset"]').click();
    await waitFor('the KS choice back after reset', async () => /minimum KS distance/.test(await fit.innerText()), 5_000);
    await wb.screenshot('dragged');
  },
});
