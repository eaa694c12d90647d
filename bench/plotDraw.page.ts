/**
 * The page side of bench/plotDraw.bench.ts, bundled by esbuild and run in headless Chromium: every
 * panel's plot at Llama-3-70B scale (80 layers, 64 query / 8 KV heads, 7–8 matrix kinds; 256 routed
 * experts for the mixture-of-experts views; 81 persistence clouds; 50 timeline steps), built from
 * synthetic results by the panel's own view-model and drawn by its own render code. For each plot:
 * the first draw, a re-draw in another theme and "Show as table", each timed to the end of the layout
 * it causes, and the DOM nodes it leaves.
 */
import { relChangeDepthLines } from '../webview/diff/depthViews';
import { relChangeDepthPlot } from '../webview/diff/depthPlots';
import { annotateCells as annotateDiffCells, heatmapPlot as diffHeatmapPlot } from '../webview/diff/plots';
import { deltaCells, deltaMetric, sideCells, sideMetric, type Cell as DiffCell } from '../webview/diff/metrics';
import { foldExperts, shouldFold } from '../webview/diff/expertFold';
import { drawHeatmap as drawCorrHeatmap } from '../webview/correlations/plots';
import { axes as corrAxes, headCells, symmetricDomain } from '../webview/correlations/viewModel';
import { drawHeatmap as drawSimilarityHeatmap } from '../webview/similarity/heatmap';
import { drawSmallMultiples } from '../webview/similarity/smallMultiples';
import { clustersOf, viewFromResult } from '../webview/similarity/viewModel';
import { annotateCells as annotateSpectraCells, heatmapPlot as spectraHeatmapPlot } from '../webview/spectra/plots';
import { drawExpertHeatmap } from '../webview/spectra/expertHeatmap';
import { depthLinesPlot } from '../webview/spectra/depthPlots';
import { METRICS, type Cell as SpectraCell } from '../webview/spectra/metrics';
import { fractionPlot, sparsityPlot } from '../webview/activation/plots';
import { markedHeatmapPlot } from '../webview/persistence/blockMarks';
import { heatmapTable } from '../webview/persistence/plots';
import { timelineHeatmapOptions, timelineLineOptions } from '../webview/timeline/plots';
import { DepthPane } from '../webview/modelEditor/depthPane';
import { renderPlot } from '../webview/common/plot';
import type { Theme } from '../webview/common/theme';
import type { LayerSimilarityResult } from '../src/analysis/methods/similarity/layerSimilarity';
import type { LayerCorrelations } from '../src/analysis/methods/correlations/correlations';
import type { MatrixDiff } from '../src/analysis/methods/diff/matrix';
import type { ActivationResult } from '../src/analysis/methods/activation/activation';
import type { PersistenceResult } from '../src/analysis/methods/persistence/persistence';
import type { DepthStats } from '../src/analysis/model/depthStats';

const LAYERS = 80;
const HEADS = 64;
const KV_HEADS = 8;
const EXPERTS = 256;
const STEPS = 50;
const KINDS = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'];

/** A fixed pseudo-random sequence (mulberry32), so every run draws the same values. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const dark: Theme = {
  kind: 'dark',
  foreground: '#cccccc',
  background: '#1e1e1e',
  muted: '#9d9d9d',
  grid: 'rgba(255,255,255,0.15)',
  accent: '#3794ff',
  categorical: ['#3794ff', '#d18616', '#89d185', '#b180d7', '#f14c4c', '#cca700'],
  sequentialScheme: 'viridis',
  divergingScheme: 'rdbu',
  fontFamily: 'system-ui, sans-serif',
  fontSize: 13,
  monoFontFamily: 'monospace',
};
const light: Theme = {
  ...dark,
  kind: 'light',
  foreground: '#333333',
  background: '#ffffff',
  muted: '#717171',
  grid: 'rgba(0,0,0,0.15)',
  sequentialScheme: 'blues',
};

function similarityResult(): LayerSimilarityResult {
  const rnd = random(1);
  const layers = Array.from({ length: LAYERS }, (_, i) => i);
  const indices = ['docs', 'cka', 'pearson', 'cosine', 'svcca', 'pwcca', 'linreg', 'procrustes'] as LayerSimilarityResult['indices'];
  const pairs: LayerSimilarityResult['pairs'] = [];
  for (let a = 0; a < LAYERS; a++)
    for (let b = a + 1; b < LAYERS; b++) {
      const near = Math.exp(-(b - a) / 12);
      pairs.push({
        a,
        b,
        layerA: a,
        layerB: b,
        comparable: true,
        complete: true,
        values: Object.fromEntries(indices.map((i) => [i, Math.min(1, near * (0.8 + 0.2 * rnd()))])),
      });
    }
  return {
    kind: 'o',
    orientation: 'none',
    compared: 'rows',
    pairMode: 'all',
    layers,
    shapes: layers.map(() => [8192, 8192] as [number, number]),
    indices,
    pairs,
    docsChance: 0.05,
  } as unknown as LayerSimilarityResult;
}

function correlationEntries(): LayerCorrelations[] {
  const rnd = random(2);
  return Array.from({ length: LAYERS }, (_, layer) => ({
    layer,
    heads: Array.from({ length: HEADS }, (_, head) => ({
      head,
      kvHead: Math.floor(head / (HEADS / KV_HEADS)),
      M1: rnd() * 0.2 - 0.1,
      M2: rnd() * 0.2 - 0.1,
      M3: rnd() * 0.2 - 0.1,
      M4: rnd() * 0.4 - 0.2,
      M5: rnd() * 0.4 - 0.2,
    })),
    m7: {},
    m8: {},
    shapes: {},
    notes: [],
  })) as unknown as LayerCorrelations[];
}

function spectraCells(): SpectraCell[] {
  const rnd = random(3);
  return Array.from({ length: LAYERS }, (_, layer) => [...KINDS, 'router'].map((kind) => ({ layer, kind, value: 2 + 4 * rnd() }))).flat();
}

function expertTable(): { kind: string; layers: number[]; experts: (number | 'shared')[]; values: (number | null)[][] } {
  const rnd = random(4);
  const experts: (number | 'shared')[] = ['shared', ...Array.from({ length: EXPERTS }, (_, e) => e)];
  return {
    kind: 'down',
    layers: Array.from({ length: LAYERS }, (_, l) => l),
    experts,
    values: Array.from({ length: LAYERS }, () => experts.map(() => 2 + 4 * rnd())),
  };
}

function depthLinesOf(seed: number): { name: string; points: { x: number; y: number }[] }[] {
  const rnd = random(seed);
  return KINDS.map((name) => ({ name, points: Array.from({ length: LAYERS }, (_, x) => ({ x, y: 2 + 4 * rnd() })) }));
}

function diffEntries(): MatrixDiff[] {
  const rnd = random(5);
  return Array.from({ length: LAYERS }, (_, layer) =>
    KINDS.map((kind) => ({ layer, kind, relChange: 1e-3 * (1 + rnd()), normA: 100 + rnd(), normB: 100 + rnd() })),
  ).flat() as unknown as MatrixDiff[];
}

/** A mixture-of-experts diff: 4 attention kinds and gate/up/down of 256 routed experts and the shared one, 80 layers. */
function moeDiffEntries(): MatrixDiff[] {
  const rnd = random(11);
  const experts: (number | 'shared')[] = ['shared', ...Array.from({ length: EXPERTS }, (_, e) => e)];
  return Array.from({ length: LAYERS }, (_, layer) => [
    ...['q', 'k', 'v', 'o'].map((kind) => ({ layer, kind, relChange: 1e-3 * (1 + rnd()), normA: 100 + rnd(), normB: 100 + rnd() })),
    ...['gate', 'up', 'down'].flatMap((kind) =>
      experts.map((expert) => ({ layer, kind, expert, relChange: 1e-3 * (1 + rnd()), normA: 10 + rnd(), normB: 10 + rnd() })),
    ),
  ]).flat() as unknown as MatrixDiff[];
}

function activationResult(): ActivationResult {
  const rnd = random(6);
  const roles = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'];
  const activatedShare = Array.from({ length: LAYERS }, () => roles.map(() => 0.02 * rnd()));
  return {
    numLayers: LAYERS,
    roles,
    activatedShare,
    layerFraction: activatedShare.map((s) => s.reduce((a, b) => a + b, 0)),
    pairs: [],
    epsilon: 0.01,
    forwardSparsity: Array.from({ length: LAYERS }, () => rnd()),
  } as unknown as ActivationResult;
}

function persistenceResult(): PersistenceResult {
  const rnd = random(7);
  const n = LAYERS + 1;
  const h = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : Math.exp(-Math.abs(i - j) / 10) * rnd())));
  return { decoderLayers: LAYERS, heatmap: [h, h] } as unknown as PersistenceResult;
}

function timelineCells(): { step: number; layer: number; value: number }[] {
  const rnd = random(8);
  return Array.from({ length: STEPS }, (_, s) => Array.from({ length: LAYERS }, (_, layer) => ({ step: (s + 1) * 500, layer, value: 3 + rnd() }))).flat();
}

function depthStats(): DepthStats {
  const rnd = random(9);
  const rows = Array.from({ length: LAYERS }, (_, layer) =>
    KINDS.map((kind) => ({ layer, kind, experts: 0, frobenius: 100 * rnd(), std: 0.02 * rnd(), maxAbs: rnd(), nonFinite: 0 })),
  ).flat();
  return { rows, matrices: rows.length, seconds: 1 } as unknown as DepthStats;
}

export interface PlotCase {
  name: string;
  draw(box: HTMLElement, theme: Theme): void;
}

/** Every plot measured, each drawn by the panel's own code from what its view-model builds. */
export function plotCases(): PlotCase[] {
  const simView = viewFromResult(similarityResult());
  const clusters = clustersOf(simView, 'docs');
  const corr = correlationEntries();
  const { layers: corrLayers, heads } = corrAxes(corr);
  const m1 = headCells(corr, 'M1');
  const spectra = spectraCells();
  const experts = expertTable();
  const diff = diffEntries();
  const moeDiff = moeDiffEntries();
  // As the panel builds them (diff/main.ts drawHeatmaps): ‖W‖_F of A and B, ‖Δ‖/‖A‖ between.
  const diffCells = (entries: MatrixDiff[], side: 'a' | 'b' | 'd'): DiffCell[] =>
    side === 'd' ? deltaCells(entries, deltaMetric('relChange')) : sideCells(entries, sideMetric('norm'), side);
  const activation = activationResult();
  const persistence = persistenceResult();
  const timeline = timelineCells();
  const depth = depthStats();
  const metric = METRICS.find((m) => m.id === 'alpha')!;
  return [
    {
      name: 'similarity 80×80 heatmap',
      draw: (box, theme) => drawSimilarityHeatmap(box, simView, theme, { index: 'docs', clusters, onSelect: () => undefined }),
    },
    { name: 'similarity small multiples (8 indices)', draw: (box, theme) => drawSmallMultiples(box, simView, theme, () => undefined) },
    {
      name: 'correlations M1 head heatmap 80×64',
      draw: (box, theme) => drawCorrHeatmap(box, m1, { x: heads, y: corrLayers, xLabel: 'query head' }, symmetricDomain(m1), 'cc', theme, () => undefined),
    },
    {
      name: 'correlations panel: M1–M5 heatmaps',
      draw: (box, theme) => {
        box.replaceChildren();
        const shared = symmetricDomain(...(['M1', 'M2', 'M3'] as const).map((m) => headCells(corr, m)));
        for (const m of ['M1', 'M2', 'M3', 'M4', 'M5'] as const) {
          const el = document.createElement('div');
          box.append(el);
          const cells = headCells(corr, m);
          drawCorrHeatmap(
            el,
            cells,
            { x: heads, y: corrLayers, xLabel: 'query head' },
            m > 'M3' ? symmetricDomain(cells) : shared,
            'cc',
            theme,
            () => undefined,
          );
        }
      },
    },
    {
      name: 'spectra layer × kind heatmap 80×8',
      draw: (box, theme) => annotateSpectraCells(renderPlot(box, spectraHeatmapPlot(spectra, metric, theme), theme), spectra, theme),
    },
    { name: 'spectra experts heatmap 80×257', draw: (box, theme) => drawExpertHeatmap(box, experts, metric, theme) },
    {
      name: 'spectra depth lines (7 kinds)',
      draw: (box, theme) => void renderPlot(box, depthLinesPlot(depthLinesOf(10), 'α', theme, { rules: [2, 6] }), theme),
    },
    {
      name: 'diff A|Δ|B heatmaps 3 × 80×7',
      draw: (box, theme) => {
        box.replaceChildren();
        for (const [side, id] of [
          ['a', 'diff-cell-a'],
          ['d', 'diff-cell-delta'],
          ['b', 'diff-cell-b'],
        ] as const) {
          const el = document.createElement('div');
          box.append(el);
          const cells = diffCells(diff, side);
          annotateDiffCells(renderPlot(el, diffHeatmapPlot(cells, { label: side }, theme), theme), cells, id);
        }
      },
    },
    {
      name: 'diff A|Δ|B heatmaps, 256 experts',
      draw: (box, theme) => {
        box.replaceChildren();
        const all = { a: diffCells(moeDiff, 'a'), d: diffCells(moeDiff, 'd'), b: diffCells(moeDiff, 'b') };
        const fold = shouldFold(all.a); // as the panel draws them
        for (const side of ['a', 'd', 'b'] as const) {
          const el = document.createElement('div');
          box.append(el);
          const cells = fold ? foldExperts(all[side]) : all[side];
          annotateDiffCells(renderPlot(el, diffHeatmapPlot(cells, { label: side }, theme), theme), cells, `diff-cell-${side}`);
        }
      },
    },
    {
      name: 'diff depth lines (7 kinds)',
      draw: (box, theme) => {
        const p = relChangeDepthPlot(relChangeDepthLines(diff, 'max'), 'max', theme);
        if (typeof p !== 'string') renderPlot(box, p, theme);
      },
    },
    { name: 'activation stacks 80 × 7 kinds', draw: (box, theme) => void renderPlot(box, fractionPlot(activation, theme), theme) },
    { name: 'activation sparsity line', draw: (box, theme) => void renderPlot(box, sparsityPlot(activation, theme), theme) },
    {
      name: 'persistence 81×81 heatmap',
      draw: (box, theme) => void renderPlot(box, markedHeatmapPlot(persistence, 0, theme, [60, 61, 62]), theme, { table: heatmapTable(persistence, 0) }),
    },
    { name: 'timeline heatmap 80 layers × 50 steps', draw: (box, theme) => void renderPlot(box, timelineHeatmapOptions(timeline, 'alpha', theme), theme) },
    { name: 'timeline lines (80 layers)', draw: (box, theme) => void renderPlot(box, timelineLineOptions(timeline, 'alpha', theme), theme) },
    {
      name: 'model editor depth lines (3 × 7 kinds)',
      draw: (box, theme) => {
        const pane = new DepthPane({ compute: () => undefined, cancel: () => undefined }, theme);
        box.replaceChildren(pane.element);
        pane.show(depth);
      },
    },
  ];
}

export interface Measured {
  name: string;
  first: number;
  redraw: number;
  table: number;
  nodes: number;
  svgNodes: number;
  tables: number;
}

const settle = () => void document.body.offsetHeight; // forces style and layout

/** Draws each case into a fresh box in the page, times it, and leaves it drawn. */
export function measureAll(): Measured[] {
  const out: Measured[] = [];
  const cases = plotCases();
  // Warm-up: Plot's own code compiled once, as in a panel that has drawn anything before.
  const warm = document.createElement('div');
  document.body.append(warm);
  cases.find((c) => c.name.startsWith('activation sparsity'))?.draw(warm, dark);
  warm.remove();
  for (const c of cases) {
    const box = document.createElement('div');
    document.body.append(box);
    let t = performance.now();
    c.draw(box, dark);
    settle();
    const first = performance.now() - t;
    // Re-draw: the median of three theme switches (light, dark, light).
    const redraws: number[] = [];
    for (const theme of [light, dark, light]) {
      t = performance.now();
      c.draw(box, theme);
      settle();
      redraws.push(performance.now() - t);
    }
    const redraw = redraws.sort((a, b) => a - b)[1]!;
    const nodes = box.querySelectorAll('*').length;
    const svgNodes = box.querySelectorAll('svg *').length;
    // "Show as table" of each figure in turn (a reader opens one at a time); the slowest.
    const toggles = Array.from(box.querySelectorAll<HTMLButtonElement>('[data-testid="figure-table-toggle"]'));
    let table = 0;
    for (const b of toggles) {
      t = performance.now();
      b.click();
      settle();
      table = Math.max(table, performance.now() - t);
      b.click();
    }
    out.push({ name: c.name, first, redraw, table, nodes, svgNodes, tables: toggles.length });
    // Each plot measured alone: the nodes one leaves would slow every later layout.
    box.remove();
  }
  return out;
}
