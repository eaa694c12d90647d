/**
 * `layer-lens matrix <model> --layer L --kind K [--expert E | --shared-expert] [--out FILE.npy]`:
 * one weight matrix exactly as every analysis reads it — decoded to float32 from any stored dtype,
 * split out of fused tensors, transposed from Conv1D storage, cut from a stacked expert tensor —
 * in the `[out, in]` orientation, written as a NumPy `.npy` (npy.ts) for Python. Its statistics are
 * computed by the model editor's tensor statistics (summary.ts tensorStats) over the written file,
 * so what is printed describes exactly the bytes numpy will load.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { matrixRef, readMatrix } from '../model/readRole';
import { tensorStats, type TensorStats } from '../model/summary';
import { MATRIX_KINDS, type ExpertSelector, type MatrixKind, type ModelHandle, type RoleSource } from '../model/types';
import { stringOption } from '../methods/common/cliArgs';
import { JSON_OPTION } from './help';
import { writeNpyF32 } from './npy';
import { toJson, UsageError, type CliCommand, type CliValues } from './types';

export interface MatrixReport {
  model: string;
  layer: number;
  kind: MatrixKind;
  /** Routed expert index or 'shared'; absent for a layer's own matrices. */
  expert?: ExpertSelector;
  /** `[out, in]`. */
  shape: [number, number];
  /** Where the matrix comes from in the checkpoint, and how it is cut out of it. */
  source: RoleSource & { dtype: string; storedShape: number[] };
  /** The .npy written, when --out was given. */
  out: string | null;
  stats: Omit<TensorStats, 'name' | 'dtype' | 'seconds'>;
}

function integerOption(values: CliValues, key: string): number | undefined {
  const text = stringOption(values, key);
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`--${key} must be a non-negative integer, got '${text}'`);
  return Number(text);
}

/** The model handle of one F32 tensor: the matrix's values inside the written .npy. */
function npyAsModel(file: string, name: string, shape: number[], dataStart: number): ModelHandle {
  const entry = { name, dtype: 'F32' as const, shape, file, dataStart, byteLength: shape[0] * shape[1] * 4 };
  return {
    path: file,
    kind: 'file',
    files: [file],
    config: null,
    architecture: 'generic',
    architectureLabel: '.npy',
    tensors: new Map([[name, entry]]),
    layers: [],
    otherRoles: new Map(),
    metadata: {},
  };
}

function formatReport(r: MatrixReport): string {
  const s = r.stats;
  const what = `layer ${r.layer} ${r.kind}${r.expert === undefined ? '' : r.expert === 'shared' ? ' (shared expert)' : ` (expert ${r.expert})`}`;
  const cut = [
    r.source.expert !== undefined ? `expert slice ${r.source.expert}` : '',
    r.source.transpose ? 'transposed' : '',
    r.source.rows ? `rows ${r.source.rows[0]}…${r.source.rows[1]}${r.source.rowStep && r.source.rowStep > 1 ? ` step ${r.source.rowStep}` : ''}` : '',
    r.source.rowIndex ? `${r.source.rowIndex.length} interleaved rows` : '',
    r.source.blockScale ? `× block scales ${r.source.blockScale.tensor} [${r.source.blockScale.block.join('×')}]` : '',
    r.source.mxfp4 ? `MXFP4, scales ${r.source.mxfp4.scales}` : '',
    r.source.mlaKvB ? `with ${r.source.mlaKvB.vb}: kv_b_proj rebuilt per head from k_b (transposed) and v_b` : '',
  ].filter(Boolean);
  const num = (x: number | null) => (x === null ? '—' : x.toPrecision(6));
  return [
    `${what} of ${r.model}`,
    `  shape      [${r.shape.join(', ')}]  (out, in), float32`,
    `  from       ${r.source.tensor} ${r.source.dtype}[${r.source.storedShape.join(', ')}]${cut.length ? ` — ${cut.join(', ')}` : ''}`,
    `  min / max  ${num(s.min)} / ${num(s.max)}`,
    `  mean       ${num(s.mean)}   std ${num(s.std)}   mean |x| ${num(s.absMean)}`,
    `  zeros      ${(100 * s.zeroFraction).toFixed(3)}%   NaN ${s.nanCount}   ±Inf ${s.infCount}`,
    ...(r.out ? [`  wrote      ${r.out}`] : []),
  ].join('\n');
}

export const matrix: CliCommand = {
  name: 'matrix',
  summary: 'One decoded weight matrix [out, in] as float32: its statistics, or a NumPy .npy file',
  usage: '<model> --layer L --kind KIND [--expert E | --shared-expert] [--out FILE.npy] [--json]',
  options: {
    layer: { type: 'string', value: 'L', help: 'the layer index (required)' },
    kind: { type: 'string', value: 'KIND', help: `the matrix (required): ${MATRIX_KINDS.join(', ')}` },
    expert: { type: 'string', value: 'E', help: 'gate, up or down of routed expert E of a mixture-of-experts layer' },
    'shared-expert': { type: 'boolean', help: "gate, up or down of the layer's shared expert" },
    out: { type: 'string', value: 'FILE.npy', help: 'write the matrix as a NumPy .npy (v1.0, <f4, C order) to FILE.npy' },
    json: JSON_OPTION,
  },
  async run({ positionals, values }, ctx) {
    if (positionals.length !== 1) throw new UsageError(`expected one model path, got ${positionals.length}`);
    const layer = integerOption(values, 'layer');
    if (layer === undefined) throw new UsageError('--layer is required');
    const kind = stringOption(values, 'kind');
    if (kind === undefined) throw new UsageError('--kind is required');
    if (!(MATRIX_KINDS as readonly string[]).includes(kind)) throw new UsageError(`--kind: '${kind}' is not one of ${MATRIX_KINDS.join(', ')}`);
    const expertIndex = integerOption(values, 'expert');
    if (expertIndex !== undefined && values['shared-expert']) throw new UsageError('give --expert or --shared-expert, not both');
    const expert: ExpertSelector | undefined = values['shared-expert'] ? 'shared' : expertIndex;
    const out = stringOption(values, 'out');

    const model = await ctx.model(positionals[0]);
    const ref = matrixRef(model, layer, kind as MatrixKind, expert);
    const m = await readMatrix(model, ref, { signal: ctx.signal, onProgress: ctx.onProgress });
    const stored = model.tensors.get(ref.source.tensor)!;
    const dir = out === undefined ? await mkdtemp(join(tmpdir(), 'layer-lens-matrix-')) : null;
    const file = out === undefined ? join(dir!, 'matrix.npy') : resolve(out);
    try {
      const dataStart = await writeNpyF32(file, [m.rows, m.cols], m.data);
      const name = `layer ${layer} ${kind}`;
      const {
        name: _n,
        dtype: _d,
        seconds: _s,
        ...stats
      } = await tensorStats(npyAsModel(file, name, [m.rows, m.cols], dataStart), name, { signal: ctx.signal });
      const report: MatrixReport = {
        model: model.path,
        layer,
        kind: kind as MatrixKind,
        ...(expert === undefined ? {} : { expert }),
        shape: [m.rows, m.cols],
        source: { ...ref.source, dtype: stored.quant?.label ?? stored.dtype, storedShape: [...stored.shape] },
        out: out === undefined ? null : file,
        stats,
      };
      ctx.out(values.json ? toJson(report) : formatReport(report));
    } finally {
      if (dir) await rm(dir, { recursive: true, force: true });
    }
  },
};
