/**
 * The spectra panel's depth pictures (α and alpha_weighted per kind, mean KS p per kind) and the
 * per-vector KS p of the selected matrix and its heads. Mounted into the panel once; redrawn with
 * the overview and the detail.
 */
import type { MatrixSpectra } from '../../src/analysis/methods/spectra/spectra';
import { h } from '../common/dom';
import { renderPlot } from '../common/plot';
import type { Theme } from '../common/theme';
import { depthLinesPlot, vectorPPlot } from './depthPlots';
import { drawVectorPMap } from './vectorPMap';
import { alphaDepthLines, randomnessDepthLines, vectorPRows } from './depthViews';

export interface DepthSection {
  /** The section with α and randomness against depth (placed after the heatmap). */
  depth: HTMLElement;
  /** The per-vector p section (placed in the matrix detail). */
  vectors: HTMLElement;
}

export function createDepthSection(): DepthSection {
  const plot = (testid: string) => h('div', { class: 'll-spectra-plot', 'data-testid': testid });
  const depth = h(
    'section',
    { class: 'll-spectra-depthviews' },
    h('h3', {}, 'Power-law α against depth (reliable fits only)'),
    plot('spectra-alpha-depth'),
    h('h3', {}, 'alpha_weighted against depth'),
    plot('spectra-alphaw-depth'),
    h('h3', {}, 'Randomness against depth, every kind'),
    plot('spectra-randomness-depth'),
  );
  const vectors = h(
    'section',
    { class: 'll-spectra-vectorp' },
    h('h3', {}, 'KS p of each singular vector'),
    plot('spectra-vector-p'),
    plot('spectra-vector-p-heads'),
  );
  return { depth, vectors };
}

function show(box: Element | null, spec: ReturnType<typeof vectorPPlot>, theme: Theme, empty: string, caption = ''): void {
  if (!box) return;
  if (typeof spec === 'string') box.textContent = spec || '';
  else if (spec) renderPlot(box, spec, theme, { caption });
  else box.textContent = empty;
}

const ALPHA_CAPTION = 'Power-law exponent α (y) of each matrix kind (colour) by layer (x); 2 and 6 dashed.';

export function drawDepthSection(section: DepthSection, entries: readonly MatrixSpectra[], theme: Theme): void {
  const q = (id: string) => section.depth.querySelector(`[data-testid="${id}"]`);
  const alpha = alphaDepthLines(entries, 'alpha');
  const weighted = alphaDepthLines(entries, 'alphaWeighted');
  const random = randomnessDepthLines(entries);
  show(
    q('spectra-alpha-depth'),
    alpha.length ? depthLinesPlot(alpha, 'α', theme, { rules: [2, 6] }) : 'No reliable power-law fit yet.',
    theme,
    '',
    ALPHA_CAPTION,
  );
  show(
    q('spectra-alphaw-depth'),
    weighted.length ? depthLinesPlot(weighted, 'α · log10 λmax', theme) : 'No reliable power-law fit yet.',
    theme,
    '',
    'Weighted power-law exponent α · log10 λmax (y) of each matrix kind (colour) by layer (x).',
  );
  show(
    q('spectra-randomness-depth'),
    random.length ? depthLinesPlot(random, 'mean KS p of singular vectors', theme, { domain: [0, 1], rules: [0.5, 0.05] }) : 'No singular vectors tested yet.',
    theme,
    '',
    'Mean Kolmogorov–Smirnov p of the singular vectors (y) of each matrix kind (colour) by layer (x); 0.5 and 0.05 dashed.',
  );
}

/** `head` −1: the whole matrix. */
export function drawVectorP(section: DepthSection, entry: MatrixSpectra | undefined, head: number, theme: Theme): void {
  const q = (id: string) => section.vectors.querySelector(`[data-testid="${id}"]`);
  if (!entry) {
    q('spectra-vector-p')!.textContent = '';
    q('spectra-vector-p-heads')!.textContent = '';
    return;
  }
  const rows = vectorPRows(entry);
  show(
    q('spectra-vector-p'),
    vectorPPlot(rows, head >= 0 ? `head ${head}` : 'matrix', theme),
    theme,
    '',
    'KS p (y, log) of each singular vector by its index (x), with p = 0.05 dashed.',
  );
  drawVectorPMap(q('spectra-vector-p-heads') as HTMLElement, rows, theme);
}
