/**
 * A small gpt-oss model whose experts are exactly representable in MXFP4, in the three forms a user
 * meets: the Hugging Face checkpoint with the experts as gpt-oss ships them (`*_blocks` U8 +
 * `*_scales` U8, config.json with `quantization_config.quant_method: mxfp4`), the same model in
 * float32 safetensors (`gate_up_proj` [E, d, 2F], `down_proj` [E, F, d], transformers' dequantized
 * layout), and the GGUF file convert_hf_to_gguf.py's GptOssModel writes from the checkpoint (experts
 * repacked into ggml MXFP4 blocks, test/fixtures/ggufMxfp4.ts).
 *
 * The experts are drawn as E8M0 exponents and E2M1 codes; their float values are computed here
 * from the formats' bit layouts (OCP Microscaling Formats v1.0: E2M1 is sign · 2^(exp − 1) ·
 * (1 + m/2), or m/2 when exp = 0; E8M0 is 2^(e − 127)), not by any decoder under test. A few groups
 * get exponents 0 and 1, whose scales are float32 subnormals, and code 8 (−0) appears among the codes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lcgTensor } from '../../../../fixtures/syntheticModel';
import { mulberry32 } from '../../../../fixtures/prng';
import { writeSafetensors, type TensorSpec } from '../../../../fixtures/safetensorsWriter';
import { writeGgufLlama, type GgufLlamaOptions, type HfLlama } from '../../../../fixtures/ggufLlama';
import { hfMxfp4Group, type HfMxfp4 } from '../../../../fixtures/ggufMxfp4';

const D = 32,
  HEADS = 4,
  KV = 2,
  HD = 8,
  LAYERS = 2,
  VOCAB = 32,
  E = 4,
  K = 2,
  F = 32,
  WINDOW = 3;

export const GPT_OSS_MXFP4_DIMS = { D, E, F, K, LAYERS, VOCAB };

/** E2M1 code → value, from the bit layout: sign bit 3, exponent bits 2–1 (bias 1), mantissa bit 0. */
export function e2m1(code: number): number {
  const sign = code & 8 ? -1 : 1;
  const exp = (code >> 1) & 3,
    man = code & 1;
  return sign * (exp === 0 ? man / 2 : 2 ** (exp - 1) * (1 + man / 2));
}

/** One expert matrix `[rows, cols]` as codes and exponents, and the values they stand for. */
interface Mxfp4Matrix {
  codes: Uint8Array;
  exps: Uint8Array;
  values: Float32Array;
}

/** Every expert's gate, up and down `[out, in]` of one layer. */
export interface LayerExperts {
  gate: Mxfp4Matrix[];
  up: Mxfp4Matrix[];
  down: Mxfp4Matrix[];
}

export interface GptOssMxfp4Case {
  config: Record<string, unknown>;
  /** Every tensor other than the experts' matrices (norms, attention, router, biases, embeddings). */
  dense: Map<string, { shape: number[]; data: Float32Array }>;
  layers: LayerExperts[];
}

function drawMatrix(rand: () => number, rows: number, cols: number, tiny: boolean): Mxfp4Matrix {
  const groups = cols / 32;
  const codes = new Uint8Array(rows * cols).map(() => Math.floor(rand() * 16));
  // Scales 2^-5…2^-3 keep the pre-activations of order one; with `tiny`, group 0 of rows 0 and 1 take
  // exponents 0 and 1 (scales 2^-127 and 2^-126, the E8M0 values whose ggml decoding is special-cased).
  const exps = new Uint8Array(rows * groups).map(() => 122 + Math.floor(rand() * 3));
  if (tiny) {
    exps[0] = 0;
    exps[groups] = 1;
  }
  const values = new Float32Array(rows * cols);
  for (let i = 0; i < values.length; i++) values[i] = e2m1(codes[i]) * 2 ** (exps[Math.floor(i / 32)] - 127);
  return { codes, exps, values };
}

/** The model's config.json (GptOssConfig keys as the executor and the oracle read them). */
function hfConfig(): Record<string, unknown> {
  return {
    model_type: 'gpt_oss',
    architectures: ['GptOssForCausalLM'],
    hidden_size: D,
    num_hidden_layers: LAYERS,
    num_attention_heads: HEADS,
    num_key_value_heads: KV,
    head_dim: HD,
    vocab_size: VOCAB,
    rms_norm_eps: 1e-5,
    rope_theta: 150000,
    max_position_embeddings: 128,
    tie_word_embeddings: false,
    hidden_act: 'silu',
    intermediate_size: F,
    num_local_experts: E,
    num_experts_per_tok: K,
    sliding_window: WINDOW,
    attention_bias: true,
    layer_types: Array.from({ length: LAYERS }, (_, i) => (i % 2 === 0 ? 'sliding_attention' : 'full_attention')),
  };
}

export function gptOssMxfp4Case(seed = 1): GptOssMxfp4Case {
  const dense = new Map<string, { shape: number[]; data: Float32Array }>();
  let s = seed * 1000;
  const put = (name: string, shape: number[], scale: number, norm = false) => {
    const data = lcgTensor(
      ++s * 7919,
      shape.reduce((a, b) => a * b, 1),
      scale,
    );
    dense.set(name, { shape, data: norm ? data.map((v) => 1 + v) : data });
  };
  put('model.embed_tokens.weight', [VOCAB, D], 2);
  put('model.norm.weight', [D], 0.4, true);
  put('lm_head.weight', [VOCAB, D], 0.5);
  const rand = mulberry32(seed);
  const layers: LayerExperts[] = [];
  for (let l = 0; l < LAYERS; l++) {
    const p = `model.layers.${l}.`;
    put(p + 'input_layernorm.weight', [D], 0.4, true);
    put(p + 'post_attention_layernorm.weight', [D], 0.4, true);
    put(p + 'self_attn.q_proj.weight', [HEADS * HD, D], 0.5);
    put(p + 'self_attn.k_proj.weight', [KV * HD, D], 0.5);
    put(p + 'self_attn.v_proj.weight', [KV * HD, D], 0.5);
    put(p + 'self_attn.o_proj.weight', [D, HEADS * HD], 0.5);
    put(p + 'self_attn.q_proj.bias', [HEADS * HD], 0.2);
    put(p + 'self_attn.k_proj.bias', [KV * HD], 0.2);
    put(p + 'self_attn.v_proj.bias', [KV * HD], 0.2);
    put(p + 'self_attn.o_proj.bias', [D], 0.2);
    put(p + 'self_attn.sinks', [HEADS], 1);
    put(p + 'mlp.router.weight', [E, D], 1.5);
    put(p + 'mlp.router.bias', [E], 0.5);
    put(p + 'mlp.experts.gate_up_proj_bias', [E, 2 * F], 0.5);
    put(p + 'mlp.experts.down_proj_bias', [E, D], 0.5);
    const draw = (rows: number, cols: number) => Array.from({ length: E }, (_, e) => drawMatrix(rand, rows, cols, e === 0));
    layers.push({ gate: draw(F, D), up: draw(F, D), down: draw(D, F) });
  }
  return { config: hfConfig(), dense, layers };
}

/** Rows `[out, in]` of gate and up interleaved (gate row r at 2r, up row r at 2r + 1), as GptOssExperts' gate_up. */
function interleaved(gate: Mxfp4Matrix, up: Mxfp4Matrix, cols: number): Mxfp4Matrix {
  const rows = gate.values.length / cols,
    groups = cols / 32;
  const codes = new Uint8Array(2 * rows * cols),
    exps = new Uint8Array(2 * rows * groups),
    values = new Float32Array(2 * rows * cols);
  for (let r = 0; r < rows; r++)
    for (const [m, at] of [
      [gate, 2 * r],
      [up, 2 * r + 1],
    ] as const) {
      codes.set(m.codes.subarray(r * cols, (r + 1) * cols), at * cols);
      exps.set(m.exps.subarray(r * groups, (r + 1) * groups), at * groups);
      values.set(m.values.subarray(r * cols, (r + 1) * cols), at * cols);
    }
  return { codes, exps, values };
}

/** Experts `[out, in]` each as gpt-oss's `*_blocks` [E, out, in/32, 16] and `*_scales` [E, out, in/32]. */
function hfBlocks(ms: Mxfp4Matrix[], rows: number, cols: number): HfMxfp4 {
  const groups = cols / 32;
  const blocks = new Uint8Array(ms.length * rows * groups * 16),
    scales = new Uint8Array(ms.length * rows * groups);
  ms.forEach((m, e) => {
    scales.set(m.exps, e * rows * groups);
    for (let g = 0; g < rows * groups; g++) blocks.set(hfMxfp4Group(m.codes.subarray(32 * g, 32 * g + 32)), 16 * (e * rows * groups + g));
  });
  return { experts: ms.length, rows, groups, blocks, scales };
}

/** Experts `[out, in]` each as transformers' dequantized `x @ W` tensor [E, in, out]. */
function transposedStack(ms: Float32Array[], rows: number, cols: number): Float32Array {
  const out = new Float32Array(ms.length * rows * cols);
  ms.forEach((m, e) => {
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[e * rows * cols + c * rows + r] = m[r * cols + c];
  });
  return out;
}

/** Each layer's experts as gpt-oss's MXFP4 tensors, by name without the `_blocks` / `_scales` suffix. */
export function mxfp4Experts(c: GptOssMxfp4Case): Map<string, HfMxfp4> {
  const out = new Map<string, HfMxfp4>();
  c.layers.forEach((x, l) => {
    const p = `model.layers.${l}.mlp.experts.`;
    out.set(
      p + 'gate_up_proj',
      hfBlocks(
        x.gate.map((g, e) => interleaved(g, x.up[e], D)),
        2 * F,
        D,
      ),
    );
    out.set(p + 'down_proj', hfBlocks(x.down, D, F));
  });
  return out;
}

function f32Specs(weights: Map<string, { shape: number[]; data: Float32Array }>): TensorSpec[] {
  return [...weights].map(([name, w]) => ({ name, dtype: 'F32' as const, shape: w.shape, values: w.data }));
}

/** The case's tensors with each layer's experts as transformers dequantizes them: gate_up_proj [E, d, 2F], down_proj [E, F, d]. */
function withFloatExperts(c: GptOssMxfp4Case): Map<string, { shape: number[]; data: Float32Array }> {
  const weights = new Map(c.dense);
  c.layers.forEach((x, l) => {
    const p = `model.layers.${l}.mlp.experts.`;
    const gu = x.gate.map((g, e) => interleaved(g, x.up[e], D).values);
    weights.set(p + 'gate_up_proj', { shape: [E, D, 2 * F], data: transposedStack(gu, 2 * F, D) });
    weights.set(p + 'down_proj', {
      shape: [E, F, D],
      data: transposedStack(
        x.down.map((m) => m.values),
        D,
        F,
      ),
    });
  });
  return weights;
}

/** The checkpoint as gpt-oss ships it: experts as MXFP4 `*_blocks` / `*_scales` (U8), the rest float32. */
export async function writeMxfp4Safetensors(dir: string, c: GptOssMxfp4Case): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const quantization_config = {
    quant_method: 'mxfp4',
    modules_to_not_convert: ['model.layers.*.self_attn', 'model.layers.*.mlp.router', 'model.embed_tokens', 'lm_head'],
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...c.config, quantization_config }));
  const experts: TensorSpec[] = [...mxfp4Experts(c)].flatMap(([name, q]) => [
    { name: `${name}_blocks`, dtype: 'U8' as const, shape: [q.experts, q.rows, q.groups, 16], bytes: q.blocks },
    { name: `${name}_scales`, dtype: 'U8' as const, shape: [q.experts, q.rows, q.groups], bytes: q.scales },
  ]);
  await writeSafetensors(join(dir, 'model.safetensors'), [...f32Specs(c.dense), ...experts]);
  return dir;
}

/** The same model in float32, the experts as transformers dequantizes them. */
export async function writeF32Safetensors(dir: string, c: GptOssMxfp4Case): Promise<string> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(c.config));
  await writeSafetensors(join(dir, 'model.safetensors'), f32Specs(withFloatExperts(c)));
  return dir;
}

/** The GGUF file GptOssModel writes from the MXFP4 checkpoint (`mxfp4: false`: from the float32 one). */
export function writeGgufGptOss(path: string, c: GptOssMxfp4Case, opts: GgufLlamaOptions & { mxfp4?: boolean } = {}): string {
  const { mxfp4 = true, ...rest } = opts;
  const weights = mxfp4 ? c.dense : withFloatExperts(c);
  const hf: HfLlama = {
    arch: 'gpt-oss',
    headDim: HD,
    hidden: D,
    intermediate: F,
    layers: LAYERS,
    heads: HEADS,
    kvHeads: KV,
    vocab: VOCAB,
    context: 128,
    eps: 1e-5,
    theta: 150000,
    expertsUsed: K,
    expertFeedForward: F,
    slidingWindow: WINDOW,
    weights,
    ...(mxfp4 ? { mxfp4: mxfp4Experts(c) } : {}),
  };
  writeGgufLlama(path, hf, { experts: E, ...rest });
  return path;
}
