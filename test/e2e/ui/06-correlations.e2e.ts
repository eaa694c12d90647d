// right-click the sample model's folder → "Analyze Weight Correlations" → the study's 2×4
// grid renders beside the editor: layer × head heatmaps of M1–M5, the M1-vs-M5 scatter with its
// regression line, layer × 4 (M7) and layer × 3 (M8) heatmaps. Head values are checked against
// Pearson correlations computed here, independently, from the file with grouped-query slicing
// (4 query heads over 2 kv heads); a hover tip shows a cell's exact value; clicking a head shows
// the scatter of the two matrices' entries.
import { readFileSync } from 'node:fs';
import { readF32 } from '../lib/safetensorsPeek';
import { SAMPLE_MODEL, uiCase, commandTitle } from '../lib/uiCase';
import { waitFor } from '../lib/workbench';
// The unit tests' plain float64 reference, which shares no code with the implementation.
import { refPearson as pearson } from '../../unit/analysis/methods/correlations/reference';

export default uiCase({
  title: 'right-click a model folder → Analyze Weight Correlations → the 2×4 grid of M1–M8 renders, head values match the weights',
  timeoutMs: 120_000,
  setup: (ws) => {
    ws.copyModel(SAMPLE_MODEL, 'sample-model');
  },
  run: async (wb, ws) => {
    const config = JSON.parse(readFileSync(ws.path('sample-model/config.json'), 'utf8')) as {
      num_hidden_layers: number;
      num_attention_heads: number;
      num_key_value_heads: number;
      head_dim: number;
      hidden_size: number;
    };
    const layers = config.num_hidden_layers,
      heads = config.num_attention_heads,
      kv = config.num_key_value_heads;
    const hd = config.head_dim,
      d = config.hidden_size,
      r = heads / kv;

    await wb.openFromExplorer('sample-model/model.safetensors');
    await wb.webview('.me-header', 45_000);
    await wb.explorerContextMenu('sample-model', commandTitle('layerLens.analyzeCorrelations'));
    await wb.waitForTab('Weight correlations');

    const panel = await wb.webview('[data-testid="corr-grid"]', 30_000);
    const status = panel.locator('.ll-status-text');
    await waitFor('the correlations run to finish', async () => /Done in/.test(await status.innerText()), 60_000, 300);
    await wb.screenshot('grid', { docsImage: 'correlations' });

    // The 2×4 grid: eight figures, each with a drawn plot.
    for (const id of ['M1', 'M2', 'M3', 'M4', 'M5', 'M6', 'M7', 'M8']) {
      const svgs = await panel.locator(`[data-testid="corr-${id}"] svg`).count();
      if (svgs < 1) throw new Error(`grid cell ${id} has no plot`);
    }
    const count = (sel: string) => panel.locator(sel).count();
    for (const m of ['M1', 'M2', 'M3', 'M4', 'M5']) {
      const n = await count(`[data-testid="corr-${m}"] [data-testid="corr-cell"]`);
      if (n !== layers * heads) throw new Error(`${m} heatmap has ${n} cells with values, expected ${layers} layers × ${heads} heads`);
    }
    const m7 = await count('[data-testid="corr-M7"] [data-testid="corr-cell"]');
    const m8 = await count('[data-testid="corr-M8"] [data-testid="corr-cell"]');
    if (m7 !== layers * 4 || m8 !== layers * 3) throw new Error(`M7 has ${m7} cells (want ${layers * 4}), M8 has ${m8} (want ${layers * 3})`);
    const dots = await count('[data-testid="corr-M6"] [data-testid="corr-dot"]');
    if (dots !== layers * heads) throw new Error(`the M1-vs-M5 scatter has ${dots} dots, expected ${layers * heads}`);
    if ((await count('[data-testid="corr-M6"] [data-testid="corr-regression"]')) !== 1) throw new Error('the M6 regression line is missing');
    const m6Text = await panel.locator('[data-testid="corr-m6-summary"]').innerText();
    if (!new RegExp(`over ${layers * heads} heads; r = -?[\\d.e-]+`).test(m6Text)) throw new Error(`M6 summary: ${m6Text}`);

    // M1 and M5 of every head against the weights read here: query head h uses kv head ⌊h/r⌋.
    const file = ws.path('sample-model/model.safetensors');
    const problems: string[] = [];
    for (const m of ['M1', 'M5'] as const) {
      for (const rect of await panel.locator(`[data-testid="corr-${m}"] [data-testid="corr-cell"]`).all()) {
        const [l, h, v] = await Promise.all(['data-layer', 'data-col', 'data-value'].map((a) => rect.getAttribute(a)));
        const layer = Number(l),
          head = Number(h),
          g = Math.floor(head / r);
        const p = `model.layers.${layer}.self_attn.`;
        const kvRows = readF32(file, `${p}v_proj.weight`).subarray(g * hd * d, (g + 1) * hd * d);
        let expected: number;
        if (m === 'M1')
          expected = pearson(
            readF32(file, `${p}q_proj.weight`).subarray(head * hd * d, (head + 1) * hd * d),
            readF32(file, `${p}k_proj.weight`).subarray(g * hd * d, (g + 1) * hd * d),
          );
        else {
          const o = readF32(file, `${p}o_proj.weight`); // [d, heads·hd]
          const oT = Float64Array.from({ length: hd * d }, (_, k) => o[(k % d) * heads * hd + head * hd + Math.floor(k / d)]);
          expected = pearson(oT, kvRows);
        }
        if (!(Math.abs(Number(v) - expected) < 1e-5)) problems.push(`${m} L${layer} h${head}: shown ${v}, expected ${expected}`);
      }
    }
    if (problems.length) throw new Error(`head values differ from the weights: ${problems.join('; ')}`);

    // Hover: the tip shows the exact value of the cell.
    const cell = panel.locator('[data-testid="corr-M2"] [data-testid="corr-cell"]').first();
    const exact = Number(await cell.getAttribute('data-value')).toPrecision(6);
    await cell.hover();
    // SVG has no innerText: read the tip's textContent.
    await waitFor(
      'the hover tip with the exact value',
      async () =>
        (
          (await panel
            .locator('[data-testid="corr-M2"] [aria-label="tip"]')
            .textContent()
            .catch(() => '')) ?? ''
        ).includes(exact),
      5_000,
    );
    await panel.locator('[data-testid="corr-M6"]').scrollIntoViewIfNeeded();
    await wb.screenshot('scatter');
    await panel.locator('[data-testid="corr-M8"]').scrollIntoViewIfNeeded();
    await wb.screenshot('mlp');

    // Click a head of M5 → the scatter of Woᵀ against Wv entries (hd·d of them).
    const target = panel.locator('[data-testid="corr-M5"] [data-testid="corr-cell"][data-layer="2"][data-col="3"]');
    await target.click();
    const summary = panel.locator('[data-testid="corr-detail-summary"]');
    await waitFor('the head detail', async () => /query head 3 \(kv head 1\), M5: Woᵀ vs Wv/.test(await summary.innerText()), 15_000);
    const points = await count('[data-testid="corr-detail"] [data-testid="corr-value-dot"]');
    if (points !== Math.min(4096, hd * d)) throw new Error(`the value scatter has ${points} points, expected ${Math.min(4096, hd * d)}`);
    await wb.screenshot('head-detail');
  },
});
