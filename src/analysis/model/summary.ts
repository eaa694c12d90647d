/**
 * What a user sees first: the model summary (header-only, instant for any size) and one tensor's
 * statistics, streamed chunk by chunk so a 2 GB embedding costs two 16 MB buffers, not 8 GB of
 * float32. The counts and tree come from modelOverview (shared with `layer-lens inspect`); this adds
 * the per-layer role map that analysis commands pick layers from.
 */
import { throwIfCancelled, yieldToEventLoop, type JobContext } from '../jobs';
import { DEFAULT_CHUNK_BYTES, elementCount, streamF32 } from '../io/tensorReader';
import { isDecodable, NotDecodableError, type DType } from '../io/dtypes';
import { modelOverview, type ModelOverview } from './overview';
import { expertLayerSummary, type ExpertLayerSummary } from './expertSummary';
import { sourceLabel } from './sourceTensors';
import { TensorDetailScan, type TensorDetail } from './tensorDetail';
import type { AttentionGeometry, ExtraMatrixKind, MatrixRole, ModelHandle, TensorRole } from './types';

export interface LayerTensorSummary {
  name: string;
  shape: number[];
  dtype: DType;
  /** How a quantized weight is stored (`GPTQ int4 g128`, `Q4_K`); then `dtype` is the decoded F32. */
  storage?: string;
  bytes: number;
  role: TensorRole;
}

export interface LayerRoleSummary {
  role: MatrixRole;
  /** `[out, in]` after any transpose or split. */
  shape: [number, number];
  tensor: string;
  /** Cut out of a fused tensor (qkv / gate_up). */
  fused: boolean;
  /** Stored `[in, out]` (GPT-2 Conv1D) and transposed on read. */
  transposed: boolean;
}

export interface LayerKindSummary {
  kind: ExtraMatrixKind;
  /** `[out, in]`. */
  shape: [number, number];
  /** The stored tensor; both, joined by ` + `, for a kv_b rebuilt from attn_k_b and attn_v_b. */
  tensor: string;
}

export interface LayerSummary {
  index: number;
  tensors: LayerTensorSummary[];
  /** The seven roles this layer has (a mixture-of-experts layer has no gate/up/down here). */
  roles: LayerRoleSummary[];
  /** Matrix kinds beyond the seven: the router, MLA's q_a/q_b/kv_a/kv_b. */
  kinds?: LayerKindSummary[];
  /** Set on mixture-of-experts layers. */
  experts?: ExpertLayerSummary;
}

export interface ModelSummary extends ModelOverview {
  attention: AttentionGeometry | null;
  hiddenSize: number | null;
  intermediateSize: number | null;
  vocabSize: number | null;
  layers: LayerSummary[];
}

export function summarize(model: ModelHandle): ModelSummary {
  const overview = modelOverview(model);
  // openModel's notes come from the architecture map itself (which tensors it could not place and
  // why), so they replace the overview's generic guess when present.
  const notes = model.notes ? [...model.notes] : overview.notes;
  const layers: LayerSummary[] = model.layers.map((l) => ({
    index: l.index,
    tensors: l.tensors.map((name) => {
      const t = model.tensors.get(name)!;
      return {
        name,
        shape: [...t.shape],
        dtype: t.dtype,
        ...(t.quant ? { storage: t.quant.label } : {}),
        bytes: t.byteLength,
        role: l.tensorRoles?.[name] ?? 'other',
      };
    }),
    roles: Object.values(l.roles).map((r) => ({
      role: r.role,
      shape: [r.shape[0], r.shape[1]] as [number, number],
      tensor: sourceLabel(r.source),
      fused: r.source.rows !== undefined || r.source.rowIndex !== undefined,
      transposed: r.source.transpose,
    })),
    ...layerExtras(l),
  }));
  return {
    ...overview,
    notes,
    attention: model.attention ?? null,
    hiddenSize: model.hiddenSize ?? null,
    intermediateSize: model.intermediateSize ?? null,
    vocabSize: model.vocabSize ?? null,
    layers,
  };
}

/** The extra kinds and the experts of a layer, only when it has them (dense layers stay as they were). */
function layerExtras(l: ModelHandle['layers'][number]): Pick<LayerSummary, 'kinds' | 'experts'> {
  const out: Pick<LayerSummary, 'kinds' | 'experts'> = {};
  const kinds = Object.values(l.extra ?? {})
    .filter((r) => r !== undefined)
    .map((r) => ({ kind: r.role, shape: [r.shape[0], r.shape[1]] as [number, number], tensor: sourceLabel(r.source) }));
  if (kinds.length) out.kinds = kinds;
  const experts = expertLayerSummary(l);
  if (experts) out.experts = experts;
  return out;
}

export interface TensorStats {
  name: string;
  dtype: DType;
  /** How a quantized weight is stored (`GPTQ int4 g128`, `Q4_K`); then `dtype` is the decoded F32. */
  storage?: string;
  shape: number[];
  /** Number of elements. */
  count: number;
  /** Over finite values; null when there are none. */
  min: number | null;
  max: number | null;
  mean: number | null;
  /** Population standard deviation. */
  std: number | null;
  absMean: number | null;
  /** Exact zeros / count. */
  zeroFraction: number;
  nanCount: number;
  infCount: number;
  /** `bins` equal-width bins from min to max (edges has bins + 1 values) over finite values. */
  histogram: { edges: number[]; counts: number[] };
  /** Quantiles, top |w|, 6σ outliers and the |W| image (tensorDetail.ts): only when asked for with `detail`, and when some value is finite. */
  detail?: TensorDetail;
  seconds: number;
}

export const DEFAULT_BINS = 64;

/**
 * Two streamed passes: min/max/sum/zeros/non-finite first, then the histogram and the sum of
 * squared deviations from the mean (more accurate than Σx² − n·mean² when |mean| ≫ std). With
 * `detail`, the second pass also fills tensorDetail's quantiles, outliers and |W| image; its 6σ
 * threshold takes σ from the first pass's Σx² (the exact σ is only known after the second).
 */
export async function tensorStats(
  model: ModelHandle,
  name: string,
  opts: { bins?: number; chunkBytes?: number; detail?: boolean } & JobContext = {},
): Promise<TensorStats> {
  const t0 = performance.now();
  const entry = model.tensors.get(name);
  if (!entry) throw new Error(`${model.path} has no tensor named '${name}'`);
  // C64 and the packed F6 types are listed with the model but have no values to summarise.
  if (!entry.quant && !isDecodable(entry.dtype)) throw new NotDecodableError(entry.dtype, name);
  const bins = opts.bins ?? DEFAULT_BINS;
  if (!Number.isInteger(bins) || bins < 1) throw new Error(`bins must be a positive integer, got ${bins}`);
  const count = elementCount(entry);
  const total = 2 * entry.byteLength;
  const chunkBytes = opts.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  let min = Infinity,
    max = -Infinity,
    sum = 0,
    sqSum = 0,
    absSum = 0,
    zeros = 0,
    nan = 0,
    inf = 0;
  const pass = async (k: number, consume: (v: Float32Array, first: number) => void) => {
    await streamF32(
      entry,
      {
        chunkBytes,
        signal: opts.signal,
        onProgress: (p) => opts.onProgress?.({ done: k * entry.byteLength + p.done, total, message: name }),
      },
      async (values, first) => {
        consume(values, first);
        throwIfCancelled(opts.signal);
        await yieldToEventLoop();
      },
    );
  };
  await pass(0, (v) => {
    let s = 0,
      q = 0,
      a = 0;
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (x === 0) zeros++;
      if (x - x !== 0) {
        // NaN or ±Inf: x − x is NaN for both, 0 for every finite x.
        if (x !== x) nan++;
        else inf++;
        continue;
      }
      if (x < min) min = x;
      if (x > max) max = x;
      s += x;
      q += x * x;
      a += x < 0 ? -x : x;
    }
    sum += s;
    sqSum += q;
    absSum += a;
  });
  const finite = count - nan - inf;
  // A constant tensor has no spread to bin: one bin [min, max] holds every value.
  const nb = finite === 0 ? 0 : max > min ? bins : 1;
  const counts = new Array<number>(nb).fill(0);
  let edges: number[] = [];
  let ss = 0;
  const mean = finite > 0 ? sum / finite : null;
  const scan =
    opts.detail && finite > 0
      ? new TensorDetailScan(entry.shape, count, entry.quant ? 'F32' : entry.dtype, Math.sqrt(Math.max(0, sqSum / finite - mean! * mean!)))
      : undefined;
  if (finite > 0) {
    const width = (max - min) / nb;
    edges = Array.from({ length: nb + 1 }, (_, i) => (i === nb ? max : min + i * width));
    const scale = max > min ? nb / (max - min) : 0;
    const m = mean!;
    await pass(1, (v, first) => {
      scan?.add(v, first);
      let local = 0;
      for (let i = 0; i < v.length; i++) {
        const x = v[i];
        if (x - x !== 0) continue;
        const b = Math.min(nb - 1, Math.floor((x - min) * scale));
        counts[b]++;
        local += (x - m) * (x - m);
      }
      ss += local;
    });
  }
  return {
    name,
    dtype: entry.dtype,
    ...(entry.quant ? { storage: entry.quant.label } : {}),
    shape: [...entry.shape],
    count,
    min: finite > 0 ? min : null,
    max: finite > 0 ? max : null,
    mean,
    std: finite > 0 ? Math.sqrt(ss / finite) : null,
    absMean: finite > 0 ? absSum / finite : null,
    zeroFraction: count > 0 ? zeros / count : 0,
    nanCount: nan,
    infCount: inf,
    histogram: { edges, counts },
    ...(scan ? { detail: scan.result() } : {}),
    seconds: (performance.now() - t0) / 1000,
  };
}
