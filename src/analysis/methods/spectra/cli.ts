/**
 * The spectra analysis on the command line: `layer-lens spectra <model> [--layer N|0,2|2-5]
 * [--kind q|q,k,v|router] [--expert E|0,3|shared|all] [--heads] [--side left] [--alpha-fit ww|clauset]
 * [--seed N] [--json|--csv]` — its flags, their mapping to options, and the table it prints. --heads
 * prints every attention head as well; with experts, a layer × expert table of α follows.
 */
import type { AnalysisCli } from '../analysis';
import { nonFiniteLines } from '../common/nonFinite';
import { parseLayerList, stringOption, UsageError } from '../common/cliArgs';
import { MATRIX_KINDS, type MatrixKind } from '../../model/types';
import { ALPHA_FIT_LABELS, ALPHA_FITS, DEFAULT_ALPHA_FIT, RELIABLE_TAIL, type AlphaFit } from '../../stats/powerLaw';
import { matrixLabel, type ExpertChoice, type MatrixSpectra, type SpectraResult } from './spectra';
import { expertLabel, expertTable } from './expertTable';
import { DEFAULT_SHUFFLE_SEED, type Spectrum } from './spectrum';

function fmt(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(digits - 1) : v.toFixed(digits);
}

function row(label: string, shape: [number, number], s: Spectrum): string {
  const mp = s.mp;
  const m = s.metrics;
  const a = m.alpha;
  // An unreliable fit is flagged, never shown as a number (--json keeps it with its reason).
  const alpha = a.reliable ? a.alpha.toFixed(2) : Number.isFinite(a.alpha) ? 'unrel.' : '–';
  const cells = [
    label.padEnd(12),
    `${shape[0]}×${shape[1]}`.padStart(11),
    fmt(mp?.sigma, 4).padStart(9),
    String(mp?.spikes ?? '–').padStart(6),
    (mp ? `${(100 * mp.fractionOutside).toFixed(1)}%` : '–').padStart(7),
    fmt(mp?.ks).padStart(7),
    fmt(s.vectors?.meanP).padStart(7),
    (s.vectors ? `${(100 * s.vectors.fractionBelow05).toFixed(0)}%` : '–').padStart(5),
    alpha.padStart(7),
    String(a.nTail || '–').padStart(5),
    (a.reliable ? fmt(m.alphaWeighted, 2) : alpha).padStart(7),
    (a.reliable ? fmt(m.logAlphaNorm, 2) : alpha).padStart(7),
    fmt(m.logNorm, 2).padStart(7),
    fmt(m.logSpectralNorm, 2).padStart(7),
    fmt(m.stableRank, 1).padStart(7),
    String(Number.isFinite(m.matrixRank) ? m.matrixRank : '–').padStart(5),
    fmt(m.matrixEntropy).padStart(6),
    fmt(m.mpSoftrank).padStart(6),
    fmt(m.randDistance).padStart(7),
  ];
  return cells.join(' ');
}

export function formatSpectra(r: SpectraResult, showHeads: boolean): string {
  const header = [
    'matrix'.padEnd(12),
    'shape'.padStart(11),
    'σ'.padStart(9),
    'spikes'.padStart(6),
    'out'.padStart(7),
    'KS MP'.padStart(7),
    'mean p'.padStart(7),
    'p<.05'.padStart(5),
    'α'.padStart(7),
    'tail'.padStart(5),
    'α_w'.padStart(7),
    'log αn'.padStart(7),
    'log‖W‖'.padStart(7),
    'log λ₁'.padStart(7),
    'srank'.padStart(7),
    'rank'.padStart(5),
    'entr.'.padStart(6),
    'R_mp'.padStart(6),
    'rand d'.padStart(7),
  ].join(' ');
  // Results cached before the option existed have none: theirs was the Clauset et al. fit.
  const fit: AlphaFit = r.options.alphaFit ?? 'clauset';
  const lines = [
    `${r.model} (${r.architecture}): ${r.entries.length} matrices, ${r.seconds.toFixed(1)} s${r.cached ? `, ${r.cached} from cache` : ''}; α by ${ALPHA_FIT_LABELS[fit]}`,
    '',
    header,
  ];
  for (const e of r.entries as MatrixSpectra[]) {
    lines.push(row(`L${e.layer} ${matrixLabel(e.kind, e.expert)}`, e.shape, e.spectrum));
    if (showHeads) for (const h of e.heads ?? []) lines.push(row(`  head ${h.head}`, [h.spectrum.rows, h.spectrum.cols], h.spectrum));
  }
  const flagged = nonFiniteLines(r.nonFinite ?? []);
  if (flagged.length) lines.push('', ...flagged);
  for (const f of r.nonFinite ?? []) {
    if (f.heads.length)
      lines.push(`  ${f.matrix}: heads ${f.heads.map((x) => x.head).join(', ')} are finite and analysed${showHeads ? ':' : ' (--heads shows them)'}`);
    if (showHeads) for (const h of f.heads) lines.push(row(`  head ${h.head}`, [h.spectrum.rows, h.spectrum.cols], h.spectrum));
  }
  lines.push(...expertLines(r));
  for (const n of r.notes ?? []) lines.push('', `Note: ${n}.`);
  lines.push(
    '',
    `Randomness vs depth (mean KS p of ${r.options.vectorSide} singular vectors${r.options.heads ? ', averaged over heads for q, k, v, o' : ''}):`,
  );
  lines.push(`  layer ${r.kinds.map((k) => k.padStart(6)).join(' ')}`);
  r.layers.forEach((layer, i) => lines.push(`  ${String(layer).padStart(5)} ${r.kinds.map((k) => fmt(r.randomnessByDepth[k]?.[i]).padStart(6)).join(' ')}`));
  lines.push(
    '',
    'σ: entry std; spikes/out: singular values above / outside the Marchenko–Pastur bulk (edges widened by 4 Tracy–Widom scales);',
    "KS MP: KS distance of the singular values to MP; mean p, p<.05: KS randomness of the whole matrix's singular vectors vs N(0, 1/n);",
    fit === 'ww'
      ? "α: power-law exponent of the eigenvalue tail by WeightWatcher's fit (x_min: any eigenvalue but the largest, minimum of WeightWatcher's KS distance D;"
      : 'α: power-law exponent of the eigenvalue tail by the Clauset et al. rule (x_min leaves ≥ 10 eigenvalues, minimum two-sided KS distance;',
    `   --alpha-fit chooses; "unrel." = unreliable fit: fewer than ${RELIABLE_TAIL} tail eigenvalues, not reported; "–" = no fit possible);`,
    '   tail: eigenvalues ≥ x_min (num_pl_spikes); α_w = α·log10 λ₁; log αn = log10 Σ λ^α (log_alpha_norm);',
    "   rank, entr.: WeightWatcher's matrix_rank and matrix entropy; R_mp: mp_softrank (MP edge of WeightWatcher's σ_mp fit / λ₁);",
    '   rand d: Jensen–Shannon distance to the entry-shuffled matrix.',
  );
  return lines.join('\n');
}

/** Experts shown one per column up to this many; beyond, each layer's min / median / max. */
const EXPERT_COLUMNS = 12;

/** The layer × expert table of α for each expert kind (reliable fits; "–" otherwise). */
function expertLines(r: SpectraResult): string[] {
  const grid = r.expertGrid;
  if (!grid) return [];
  const lines: string[] = [];
  const alpha = (e: MatrixSpectra) => (e.spectrum.metrics.alpha.reliable ? e.spectrum.metrics.alpha.alpha : null);
  for (const kind of grid.kinds) {
    const t = expertTable(r.entries, grid, kind, alpha);
    const wide = t.experts.length <= EXPERT_COLUMNS;
    lines.push('', `α of each expert's ${kind} over depth (layer × expert${wide ? '' : ': min / median / max over experts'}):`);
    lines.push(
      `  layer ${wide ? t.experts.map((x) => expertLabel(x).padStart(6)).join(' ') : ['min', 'median', 'max', 'fitted'].map((x) => x.padStart(7)).join(' ')}`,
    );
    t.layers.forEach((layer, i) => {
      const v = t.values[i]!;
      if (wide) return lines.push(`  ${String(layer).padStart(5)} ${v.map((x) => fmt(x, 2).padStart(6)).join(' ')}`);
      const f = v.filter((x): x is number => x !== null).sort((a, b) => a - b);
      const q = (p: number) => (f.length ? f[Math.min(f.length - 1, Math.floor(p * f.length))]! : null);
      return lines.push(
        `  ${String(layer).padStart(5)} ${[q(0), q(0.5), f.length ? f[f.length - 1]! : null].map((x) => fmt(x, 2).padStart(7)).join(' ')} ${`${f.length}/${v.length}`.padStart(7)}`,
      );
    });
  }
  return lines;
}

/** "q,k,router" → matrix kinds, any of the seven roles and the extra kinds. */
function parseAnyKinds(text: string): MatrixKind[] {
  const kinds = text
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  for (const k of kinds) if (!MATRIX_KINDS.includes(k as MatrixKind)) throw new UsageError(`--kind: '${k}' is not one of ${MATRIX_KINDS.join(', ')}`);
  if (kinds.length === 0) throw new UsageError('--kind needs at least one matrix kind');
  return kinds as MatrixKind[];
}

/** "all" | "shared" | "none" | "3" | "0,2,5-7" → the experts option. */
function parseExperts(text: string): ExpertChoice {
  if (text === 'all' || text === 'shared' || text === 'none') return text;
  try {
    return parseLayerList(text, '--expert');
  } catch {
    throw new UsageError(`--expert must be an expert index, a list like 0,2,5-7, shared or all, got '${text}'`);
  }
}

export const spectraCli: AnalysisCli<SpectraResult> = {
  usage:
    '<model> [--layer N|0,2|2-5] [--kind q|q,k,v|router] [--expert E|0,3|shared|all] [--heads] [--side right|left] [--alpha-fit ww|clauset] [--seed N] [--json|--csv]',
  options: {
    layer: { type: 'string', value: 'N|0,2|2-5', help: 'layers: one index, a comma list or ranges (default: every layer)' },
    kind: {
      type: 'string',
      value: 'q|q,k,v|router',
      help: `matrix kinds, one or a comma list of ${MATRIX_KINDS.join(', ')} (default: the seven and every router / MLA factor present)`,
    },
    expert: {
      type: 'string',
      value: 'E|0,3|shared|all',
      help: "mixture-of-experts layers: whose gate/up/down are analysed — expert indices, the shared expert or all (default: none; those layers' experts are left out)",
    },
    heads: { type: 'boolean', help: 'print every attention head in the table too (--json and --csv always hold them)' },
    side: { type: 'string', value: 'right|left', help: 'which singular vectors are tested for randomness (default right)' },
    'alpha-fit': {
      type: 'string',
      value: 'ww|clauset',
      help: `how the power-law α is fitted: ww = WeightWatcher's fit, equal to WeightWatcher's α; clauset = x_min leaving ≥ 10 eigenvalues by the two-sided KS distance (default ${DEFAULT_ALPHA_FIT})`,
    },
    seed: { type: 'string', value: 'N', help: `seed of the entry shuffle behind rand d, an integer in [0, 2³²) (default ${DEFAULT_SHUFFLE_SEED})` },
  },
  toOptions(values) {
    const layerText = stringOption(values, 'layer');
    const kindText = stringOption(values, 'kind');
    const expertText = stringOption(values, 'expert');
    const side = stringOption(values, 'side') ?? 'right';
    if (side !== 'right' && side !== 'left') throw new UsageError(`--side must be right or left, got '${side}'`);
    const alphaFit = stringOption(values, 'alpha-fit') ?? DEFAULT_ALPHA_FIT;
    if (!ALPHA_FITS.includes(alphaFit as AlphaFit)) throw new UsageError(`--alpha-fit must be ${ALPHA_FITS.join(' or ')}, got '${alphaFit}'`);
    const seedText = stringOption(values, 'seed');
    const seed = seedText === undefined ? undefined : Number(seedText);
    if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff))
      throw new UsageError(`--seed must be an integer in [0, 2³²), got '${seedText}'`);
    return [
      {
        layers: layerText === undefined ? undefined : parseLayerList(layerText),
        kinds: kindText === undefined ? undefined : parseAnyKinds(kindText),
        experts: expertText === undefined ? undefined : parseExperts(expertText),
        vectorSide: side,
        alphaFit: alphaFit as AlphaFit,
        seed,
      },
    ];
  },
  format: ([result], values) => formatSpectra(result, values.heads === true),
};
