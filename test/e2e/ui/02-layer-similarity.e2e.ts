// with a model open, right-click its folder in the explorer → "Analyze Layer
// Similarity" → pick the matrix kind → a heatmap renders in a panel beside the editor. The cell
// values are read from inside the webview and compared with DOCS computed here, independently, from
// the file (lib/docsOracle.ts). Then: the colour legend, a hover tip listing every index, a click
// on a cell showing both max-|cos| histograms with their Gumbel curves, and the index dropdown
// switching the cells to linear CKA (also computed here from the file).
import { readFileSync } from 'node:fs';
import { docs, vectorsOf } from '../lib/docsOracle';
import { readF32, readHeader } from '../lib/safetensorsPeek';
import { STORIES_260K, uiCase, commandTitle } from '../lib/uiCase';
import { chooseOption, waitFor } from '../lib/workbench';

/**
 * Linear CKA of two layers given as their compared vectors, as the panel defines it (each vector
 * one unit, its coordinates the examples): centre each vector over its coordinates, then
 * ‖X̃ᵀỸ‖²_F / (‖X̃ᵀX̃‖_F ‖ỸᵀỸ‖_F), through the n×n Grams, in float64.
 */
function linearCka(a: Float64Array[], b: Float64Array[]): number {
  const n = a[0].length;
  const gramOf = (vs: Float64Array[]) => {
    const g = new Float64Array(n * n);
    for (const v of vs) {
      const mean = v.reduce((s, x) => s + x, 0) / n;
      const c = v.map((x) => x - mean);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) g[i * n + j] += c[i] * c[j];
    }
    return g;
  };
  const ga = gramOf(a),
    gb = gramOf(b);
  let ab = 0,
    aa = 0,
    bb = 0;
  for (let i = 0; i < n * n; i++) {
    ab += ga[i] * gb[i];
    aa += ga[i] * ga[i];
    bb += gb[i] * gb[i];
  }
  return ab / Math.sqrt(aa * bb);
}

export default uiCase({
  title: 'right-click a model folder → Analyze Layer Similarity → DOCS heatmap beside the editor, values match the weights',
  timeoutMs: 90_000,
  setup: (ws) => {
    ws.copyModel(STORIES_260K, 'stories260K');
  },
  run: async (wb, ws) => {
    const config = JSON.parse(readFileSync(ws.path('stories260K/config.json'), 'utf8')) as {
      num_hidden_layers: number;
    };
    const layers = config.num_hidden_layers;

    // The model editor first, so that "beside the editor" means something.
    await wb.openFromExplorer('stories260K/model.safetensors');
    await wb.webview('.me-header', 45_000);

    // A folder's context menu is what a user right-clicks for a whole model.
    await wb.explorerContextMenu('stories260K', commandTitle('layerLens.analyzeSimilarity'));
    // The kind QuickPick: take "up", the method's headline kind.
    const upRow = wb.page
      .locator('.quick-input-widget .quick-input-list .monaco-list-row')
      .filter({ has: wb.page.locator('.label-name', { hasText: /^\s*up\s*$/ }) });
    await upRow.first().waitFor({ timeout: 20_000 });
    await wb.screenshot('kind-picker');
    await upRow.first().click();

    await wb.waitForTab('Layer similarity');
    const groups = await wb.page.locator('.part.editor .editor-group-container').count();
    if (groups < 2) throw new Error(`the similarity panel did not open beside the model editor (${groups} editor group)`);

    const panel = await wb.webview('[data-testid="similarity-heatmap"]', 30_000);
    const cells = panel.locator('[data-testid="similarity-heatmap"] [data-testid="heat-cell"]');
    // The job streams pairs; the heatmap is complete when every layer × layer cell has a value.
    await waitFor(`${layers * layers} heatmap cells with values`, async () => (await cells.count()) === layers * layers, 60_000, 300);
    const empty = await panel.locator('[data-testid="heat-cell-empty"]').count();
    if (empty) throw new Error(`${empty} heatmap cells have no value`);
    await wb.screenshot('heatmap', { docsImage: 'layer-similarity' });

    const value = new Map<string, number>();
    for (const rect of await cells.all()) {
      const [a, b, v] = await Promise.all([rect.getAttribute('data-a'), rect.getAttribute('data-b'), rect.getAttribute('data-value')]);
      value.set(`${a},${b}`, Number(v));
    }
    const at = (a: number, b: number) => {
      const v = value.get(`${a},${b}`);
      if (v === undefined || !Number.isFinite(v)) throw new Error(`no value in cell (${a}, ${b})`);
      return v;
    };

    // Independent DOCS of the "up" weights, neuron orientation: one vector per row of [out, in].
    const file = ws.path('stories260K/model.safetensors');
    const { entries } = readHeader(file);
    const name = (l: number) => `model.layers.${l}.mlp.up_proj.weight`;
    const [out, inn] = entries[name(0)].shape;
    const vectors = Array.from({ length: layers }, (_, l) => vectorsOf(readF32(file, name(l)), out, inn, true));
    const problems: string[] = [];
    for (let a = 0; a < layers; a++) {
      for (let b = 0; b < layers; b++) {
        const shown = at(a, b);
        const expected = a === b ? 1 : docs(vectors[a], vectors[b]);
        if (Math.abs(shown - expected) > 2e-3) problems.push(`(${a},${b}) shown ${shown.toFixed(5)}, expected ${expected.toFixed(5)}`);
      }
    }
    if (problems.length) throw new Error(`heatmap values differ from DOCS of the weights: ${problems.join('; ')}`);

    const summary = await panel.locator('[data-testid="similarity-summary"]').innerText();
    if (!summary.includes(`${layers} layers`)) throw new Error(`summary "${summary}" does not say ${layers} layers`);
    if ((await panel.locator('svg [aria-label="color-legend"], .plot-ramp, svg.plot-ramp, [class$="-ramp"]').count()) === 0)
      throw new Error('the heatmap has no colour legend');

    // Hover a cell: the tip names the pair and lists every index.
    const cell01 = panel.locator('[data-testid="heat-cell"][data-a="0"][data-b="1"]');
    await cell01.hover();
    const tip = panel.locator('[data-testid="similarity-heatmap"] g[aria-label="tip"]');
    const tipText = await waitFor(
      'a hover tip listing the indices',
      async () => {
        const t = (await tip.textContent().catch(() => '')) ?? '';
        return t.includes('DOCS') && t.includes('Linear CKA') && t.includes('Procrustes') ? t : undefined;
      },
      10_000,
    );
    if (!tipText.includes('L0 × L1')) throw new Error(`hover tip "${tipText}" does not name the pair L0 × L1`);

    // Click it: the two max-|cos| histograms with their fitted Gumbel curves.
    await cell01.click();
    const detail = panel.locator('[data-testid="similarity-detail"]');
    await waitFor(
      'the pair detail for L0 × L1',
      async () =>
        (
          (await detail
            .locator('[data-testid="similarity-detail-summary"]')
            .textContent({ timeout: 1_000 })
            .catch(() => '')) ?? ''
        ).includes('L0 × L1'),
      10_000,
    ).catch(async (e: Error) => {
      throw new Error(`${e.message}; the detail shows "${await detail.innerText({ timeout: 1_000 }).catch(() => '?')}"`);
    });
    for (const side of ['rows', 'cols']) {
      const plot = detail.locator(`[data-testid="similarity-detail-${side}"] svg`).first();
      const bars = await plot.locator('rect').count(),
        curves = await plot.locator('path').count();
      if (bars < 10 || curves < 1) throw new Error(`detail ${side}: ${bars} histogram bars, ${curves} paths (expected bars and a Gumbel curve)`);
    }
    await wb.screenshot('pair-detail');

    // Switch the index to linear CKA: the same cells, now CKA of the weights (computed here).
    await chooseOption(panel, 'similarity-index', 'cka');
    const ckaShown = await waitFor(
      'the heatmap to show CKA',
      async () => {
        const v = Number(await cell01.getAttribute('data-value').catch(() => null));
        return Number.isFinite(v) && Math.abs(v - at(0, 1)) > 1e-6 ? v : undefined;
      },
      10_000,
    );
    if ((await cells.count()) !== layers * layers) throw new Error(`after switching to CKA, ${await cells.count()} cells have values`);
    // CKA sees each unit's scale, so the raw rows (not vectorsOf's unit vectors).
    const rawRows = (l: number) => {
      const w = readF32(file, name(l));
      return Array.from({ length: out }, (_, r) => Float64Array.from(w.subarray(r * inn, (r + 1) * inn)));
    };
    const ckaExpected = linearCka(rawRows(0), rawRows(1));
    if (Math.abs(ckaShown - ckaExpected) > 2e-3) throw new Error(`CKA of L0 × L1 shown ${ckaShown}, expected ${ckaExpected}`);
    await wb.screenshot('cka');

    // "Run again" computes anew: the worker has this exact result cached, so a run that used the
    // cache would say so in the summary ("from the memory cache").
    const summaryBox = panel.locator('[data-testid="similarity-summary"]');
    const statusLine = panel.locator('.ll-status-text');
    // Record every text the status line shows from here on, so that the new run is seen even if fast.
    await statusLine.evaluate((el) => {
      const seen: string[] = [];
      (window as unknown as { statusTexts: string[] }).statusTexts = seen;
      new MutationObserver(() => seen.push(el.textContent ?? '')).observe(el, {
        childList: true,
        characterData: true,
        subtree: true,
      });
    });
    await panel.locator('vscode-button', { hasText: 'Run again' }).click();
    const rerun = await waitFor(
      'the re-run to start and finish',
      async () => {
        const seen = await statusLine.evaluate(() => (window as unknown as { statusTexts: string[] }).statusTexts);
        const started = seen.findIndex((t) => t.startsWith('Computing'));
        if (started < 0 || !seen.slice(started).some((t) => /Done in/.test(t))) return undefined;
        const text = await summaryBox.innerText();
        return (await cells.count()) === layers * layers && text.includes(`${layers} layers`) ? text : undefined;
      },
      60_000,
      300,
    );
    if (/cache/.test(rerun)) throw new Error(`"Run again" was served from the cache: ${rerun}`);
  },
});
