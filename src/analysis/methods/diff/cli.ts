/**
 * `layer-lens diff <A> <B> [--layer 0,2|2-5] [--kind q,k] [--expert N|shared] [--no-docs] [--no-spectra] [--top N] [--json|--csv]`:
 * what changed from checkpoint A (base) to B (fine-tune, later step, pruned or merged copy), one
 * row per layer and matrix kind, then the embedding rows that moved most, then every tensor that
 * could not be paired.
 */
import { nonFiniteLines } from '../common/nonFinite';
import { tidyCsv } from '../common/csv';
import { runDiff, type DiffExpertSelector, type DiffResult } from './diff';
import { DIFF_TIDY_COLUMNS, diffCsv, diffTidyRows } from './csv';
import type { MatrixDiff } from './matrix';
import { describeUnmatched } from './plan';
import { MATRIX_KINDS } from '../../model/types';
import { expertLabel } from '../experts/read';
import { parseLayerList, parseMatrixKindList, stringOption } from '../common/cliArgs';
import { csvOption, JSON_OPTION } from '../../cli/help';
import { toJson, UsageError, type CliCommand } from '../../cli/types';
import { openDiffSides } from '../../model/adapter/diffSides';
import { HTML_OPTION, reportTarget, writeCliReport } from '../../report/writeReport';

function fmt(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(digits - 1) : v.toFixed(digits);
}

function row(e: MatrixDiff): string {
  const s = e.delta.singularValues;
  return [
    `L${e.layer} ${e.kind}${e.expert === undefined ? '' : ` ${expertLabel(e.expert)}`}`.padEnd(9),
    `${e.shape[0]}×${e.shape[1]}`.padStart(11),
    fmt(e.relChange).padStart(9),
    fmt(e.cosine, 5).padStart(8),
    fmt(e.docs).padStart(6),
    fmt(e.delta.stableRank, 2).padStart(7),
    fmt(e.delta.effectiveRank, 2).padStart(7),
    s
      .slice(0, 3)
      .map((v) => fmt(v))
      .join(' ')
      .padStart(26),
    `${fmt(e.change?.alpha, 2)}${e.change && !(e.a?.alphaReliable && e.b?.alphaReliable) ? '?' : ' '}`.padStart(7),
    fmt(e.change?.stableRank, 2).padStart(7),
    fmt(e.change?.logSpectralNorm).padStart(7),
  ].join(' ');
}

export function formatDiff(r: DiffResult): string {
  const rep = r.report;
  const lines = [
    `A: ${r.modelA} (${rep.architectureA}, ${rep.layersA} layers, ${rep.dtypesA.join('/')})`,
    `B: ${r.modelB} (${rep.architectureB}, ${rep.layersB} layers, ${rep.dtypesB.join('/')})`,
    `${r.entries.length} matrices compared, ${r.changedMatrices} changed${r.largest ? `; largest change: layer ${r.largest.layer} ${r.largest.kind}${r.largest.expert === undefined ? '' : ` of ${r.largest.expert === 'shared' ? 'the shared expert' : `expert ${r.largest.expert}`}`} (${fmt(r.largest.relChange)})` : ''}; ${r.seconds.toFixed(1)} s`,
    '',
    [
      'matrix'.padEnd(9),
      'shape'.padStart(11),
      '‖Δ‖/‖A‖'.padStart(9),
      'cos'.padStart(8),
      'DOCS'.padStart(6),
      'srankΔ'.padStart(7),
      'erankΔ'.padStart(7),
      'σ1..σ3 of Δ'.padStart(26),
      'Δα'.padStart(7),
      'Δsrank'.padStart(7),
      'Δlogλ1'.padStart(7),
    ].join(' '),
    ...r.entries.map(row),
  ];
  for (const m of r.embeddings) {
    lines.push(
      '',
      `${m.role} (${m.tensorB}): ‖Δ‖/‖A‖ ${fmt(m.relChange)}, cos ${fmt(m.cosine, 5)}, ${m.changedRows} of ${m.rowsCompared} token rows changed (mean ${fmt(m.meanRowChange)}, max ${fmt(m.maxRowChange)})${m.rowsA !== m.rowsB ? `; A has ${m.rowsA} rows, B ${m.rowsB}` : ''}`,
    );
    if (m.top.length)
      lines.push(
        `  moved most: ${m.top
          .slice(0, 10)
          .map((t) => `${t.token !== undefined ? JSON.stringify(t.token) : ''}#${t.id} ${fmt(t.change)}`)
          .join(', ')}`,
      );
  }
  const changedOthers = r.others.filter((o) => o.relChange !== 0);
  if (r.others.length)
    lines.push(
      '',
      `other tensors: ${r.others.length} compared, ${changedOthers.length} changed${
        changedOthers.length
          ? `: ${changedOthers
              .slice(0, 8)
              .map((o) => `${o.name} ${fmt(o.relChange)}`)
              .join(', ')}${changedOthers.length > 8 ? ', …' : ''}`
          : ''
      }`,
    );
  const flagged = nonFiniteLines(r.nonFinite ?? []);
  if (flagged.length) lines.push('', ...flagged, '  (these pairs are left out of the table above)');
  lines.push('', `pairing: ${describeUnmatched(rep, 20)}`);
  for (const n of rep.notes) lines.push(`note: ${n}`);
  lines.push(
    '',
    '‖Δ‖/‖A‖: relative Frobenius change; cos: cosine of the flattened weights; DOCS(A, B) of the same layer;',
    'srankΔ = Σσ²/σ1², erankΔ = exp(entropy of σ/Σσ) of Δ = B − A (≈ k for a rank-k update such as a merged LoRA);',
    'Δα, Δsrank, Δlogλ1: spectral metrics of B minus those of A ("?" after Δα: a power-law fit on either side is unreliable).',
  );
  return lines.join('\n');
}

export const diff: CliCommand = {
  name: 'diff',
  summary: 'Checkpoint diff of B against A: per layer and matrix relative change, cosine, DOCS, rank of the delta, spectral change; embedding rows that moved',
  usage: '<A> <B> [--layer N|0,2|2-5] [--kind q|q,k,v] [--expert N|shared] [--no-docs] [--no-spectra] [--no-embeddings] [--top N] [--json|--csv]',
  options: {
    layer: {
      type: 'string',
      value: 'N|0,2|2-5',
      help: 'layers: one index, a comma list or ranges (default: every layer)',
    },
    kind: {
      type: 'string',
      value: 'q|q,k,v',
      help: `matrix kinds, one or a comma list of ${MATRIX_KINDS.join(', ')} (default: the seven and every router / MLA factor present)`,
    },
    expert: {
      type: 'string',
      value: 'N|shared|all',
      help: "mixture-of-experts layers: compare routed expert N's (or the shared expert's, or every expert's) gate, up and down (default: experts are not compared as matrices)",
    },
    'no-docs': { type: 'boolean', help: 'skip DOCS(A, B) of each matrix' },
    'no-spectra': { type: 'boolean', help: 'skip the spectral metrics of A and B (two decompositions per matrix)' },
    'no-embeddings': { type: 'boolean', help: 'skip the embedding and lm_head rows' },
    top: { type: 'string', value: 'N', help: 'tokens listed per embedding that moved most, 0 to 1000 (default 20)' },
    json: JSON_OPTION,
    csv: csvOption(DIFF_TIDY_COLUMNS),
    html: HTML_OPTION,
  },
  async run({ positionals, values }, ctx) {
    if (positionals.length !== 2) throw new UsageError('give two model paths: the base model A and the changed model B');
    const layerText = stringOption(values, 'layer');
    const kindText = stringOption(values, 'kind');
    const topText = stringOption(values, 'top');
    const top = topText === undefined ? undefined : Number(topText);
    if (top !== undefined && !(Number.isInteger(top) && top >= 0 && top <= 1000))
      throw new UsageError(`--top must be an integer from 0 to 1000, got '${topText}'`);
    const expertText = stringOption(values, 'expert');
    if (expertText !== undefined && expertText !== 'shared' && expertText !== 'all' && !/^\d+$/.test(expertText))
      throw new UsageError(`--expert: '${expertText}' is not a routed expert index, 'shared' or 'all'`);
    const expert: DiffExpertSelector | undefined =
      expertText === undefined ? undefined : expertText === 'shared' || expertText === 'all' ? expertText : Number(expertText);
    const options = {
      ...(expert === undefined ? {} : { expert }),
      layers: layerText === undefined ? undefined : parseLayerList(layerText),
      kinds: kindText === undefined ? undefined : parseMatrixKindList(kindText),
      docs: values['no-docs'] !== true,
      spectra: values['no-spectra'] !== true,
      embeddings: values['no-embeddings'] !== true,
      topTokens: top,
    };
    const html = await reportTarget(values);
    const [a, b] = await openDiffSides(positionals[0], positionals[1], (p) => ctx.model(p));
    const engine = await ctx.engine();
    const result = await runDiff(a, b, options, {
      engine,
      signal: ctx.signal,
      onProgress: ctx.onProgress,
    });
    ctx.out(values.json ? toJson(result) : values.csv ? tidyCsv(DIFF_TIDY_COLUMNS, diffTidyRows(result)) : formatDiff(result));
    if (html) {
      const results = [{ notes: result.report.notes }];
      await writeCliReport(html, {
        analysis: 'diff',
        models: [a, b],
        settings: options,
        engine: engine.info,
        tidyColumns: DIFF_TIDY_COLUMNS,
        tidyRows: diffTidyRows(result),
        wideCsv: [diffCsv(result)],
        results,
      });
      ctx.err(`wrote ${html}`);
    }
  },
};
