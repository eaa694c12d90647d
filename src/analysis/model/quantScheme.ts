/**
 * How a checkpoint is quantized, in one summary for the model editor's overview and `layer-lens
 * inspect`: the method and its main parameters from config.json's `quantization_config`, and what
 * the weights themselves say: how many are stored quantized and their storage labels. Covers the
 * weights decoded through quantized storage (GPTQ, AWQ, compressed-tensors, bitsandbytes, GGUF) and
 * the two the architecture maps decode in place: FP8 with block scales (`weight_scale_inv`,
 * architectures/blockScale.ts) and gpt-oss's MXFP4 experts (`_blocks` + `_scales`,
 * architectures/gptOss.ts). Header-only: no weights are read.
 */
import type { ModelHandle, TensorEntry } from './types';

export interface QuantScheme {
  /** `gptq`, `awq`, `compressed-tensors`, `bitsandbytes`, `fp8`, `mxfp4`, `gguf`, or the config's own quant_method. */
  method: string;
  bits?: number;
  groupSize?: number;
  /** Block of one scale: `[rows, cols]` for FP8 block scales, `[n]` for bitsandbytes' blockwise absmax. */
  blockSize?: number[];
  /** The checkpoint format or layout (`gptq`, `gptq_v2`, `gemm`, `pack-quantized`, `nf4`…). */
  format?: string;
  /** Weights stored quantized. */
  tensors: number;
  /** Their storage labels (`GPTQ int4 g128`, `FP8 block 128×128`), each once, most frequent first. */
  labels: string[];
  /** Quantized weights Layer Lens lists but cannot decode (their reasons are in the model's notes). */
  notDecodable?: number;
}

const METHOD_OF_SCHEME: Record<string, string> = {
  gptq: 'gptq',
  awq: 'awq',
  'ct-packed': 'compressed-tensors',
  'ct-scaled': 'compressed-tensors',
  bnb4bit: 'bitsandbytes',
  ggml: 'gguf',
};

function record(x: unknown): Record<string, unknown> | undefined {
  return x && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, unknown>) : undefined;
}

function num(q: Record<string, unknown> | undefined, ...keys: string[]): number | undefined {
  for (const k of keys) if (typeof q?.[k] === 'number' && Number.isFinite(q[k])) return q[k] as number;
  return undefined;
}

function str(q: Record<string, unknown> | undefined, ...keys: string[]): string | undefined {
  for (const k of keys) if (typeof q?.[k] === 'string') return q[k] as string;
  return undefined;
}

/** The weight arguments of compressed-tensors' first config group (num_bits, group_size, strategy). */
function ctWeights(q: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  const groups = record(q?.config_groups);
  for (const g of Object.values(groups ?? {})) {
    const w = record(record(g)?.weights);
    if (w) return w;
  }
  return undefined;
}

function isFp8(t: TensorEntry): boolean {
  return t.dtype === 'F8_E4M3' || t.dtype === 'F8_E5M2';
}

export function quantScheme(model: Pick<ModelHandle, 'config' | 'tensors'>): QuantScheme | undefined {
  const q = record(model.config?.quantization_config) ?? record(model.config?.compression_config);
  const labels = new Map<string, number>();
  const methods = new Map<string, number>();
  let tensors = 0;
  let notDecodable = 0;
  let bnbBlock: number | undefined;
  const count = (label: string, method: string) => {
    tensors++;
    labels.set(label, (labels.get(label) ?? 0) + 1);
    methods.set(method, (methods.get(method) ?? 0) + 1);
  };
  const block = (() => {
    const b = q?.weight_block_size;
    return Array.isArray(b) && b.length === 2 && b.every((x) => typeof x === 'number') ? (b as number[]) : undefined;
  })();
  for (const t of model.tensors.values()) {
    const s = t.quant;
    if (s) {
      const method = METHOD_OF_SCHEME[s.scheme];
      // LoRA factors are a stored update, not a quantization.
      if (!method) continue;
      count(s.label, method);
      if (s.decodable === false) notDecodable++;
      if (s.scheme === 'bnb4bit' && typeof s.params.blocksize === 'number') bnbBlock = s.params.blocksize;
      continue;
    }
    if (isFp8(t) && t.name.endsWith('weight') && model.tensors.has(`${t.name}_scale_inv`))
      count(block ? `FP8 block ${block[0]}×${block[1]}` : 'FP8 block', 'fp8');
    else if (t.name.endsWith('_blocks') && t.dtype === 'U8' && model.tensors.has(`${t.name.slice(0, -'_blocks'.length)}_scales`)) count('MXFP4', 'mxfp4');
  }
  const configured = str(q, 'quant_method')?.toLowerCase();
  if (!tensors && !configured) return undefined;
  const found = [...methods.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  const method = configured ?? found ?? 'unknown';
  const ct = method === 'compressed-tensors' ? ctWeights(q) : undefined;
  const groupSize = num(q, 'group_size', 'q_group_size') ?? num(ct, 'group_size');
  const bnbType = str(q, 'bnb_4bit_quant_type');
  const out: QuantScheme = {
    method,
    tensors,
    labels: [...labels.entries()].sort((a, b) => b[1] - a[1]).map(([l]) => l),
  };
  const bits = num(q, 'bits', 'w_bit') ?? num(ct, 'num_bits') ?? (bnbType || method === 'mxfp4' ? 4 : method === 'fp8' ? 8 : undefined);
  if (bits !== undefined) out.bits = bits;
  if (groupSize !== undefined) out.groupSize = groupSize;
  const blockSize = block ?? (bnbBlock !== undefined ? [bnbBlock] : undefined);
  if (blockSize) out.blockSize = blockSize;
  const format = str(q, 'checkpoint_format', 'version', 'format') ?? bnbType;
  if (format) out.format = format;
  if (notDecodable) out.notDecodable = notDecodable;
  return out;
}

const METHOD_NAMES: Record<string, string> = {
  gptq: 'GPTQ',
  awq: 'AWQ',
  'compressed-tensors': 'compressed-tensors',
  bitsandbytes: 'bitsandbytes',
  fp8: 'FP8',
  mxfp4: 'MXFP4',
  gguf: 'GGUF',
};

/** The scheme as `[key, value]` lines, in the order both front ends show them. */
export function quantSchemeFacts(s: QuantScheme): [string, string][] {
  const out: [string, string][] = [['method', METHOD_NAMES[s.method] ?? s.method]];
  if (s.bits !== undefined) out.push(['bits', String(s.bits)]);
  if (s.groupSize !== undefined) out.push(['group size', s.groupSize === -1 ? 'per channel (−1)' : String(s.groupSize)]);
  if (s.blockSize) out.push(['block', s.blockSize.join('×')]);
  if (s.format) out.push(['format', s.format]);
  out.push(['weights', `${s.tensors} stored quantized${s.labels.length ? ` (${s.labels.join(', ')})` : ''}`]);
  if (s.notDecodable) out.push(['not decodable', `${s.notDecodable} (see the notes)`]);
  return out;
}
