/**
 * Reading one mixture-of-experts layer's weights for the graph of moeBlock.ts: the router, every
 * expert's gate/up/down stacked into `[E, out, in]`, the shared expert and its gate. A source that
 * reads through the role map (a model on disk) gives each matrix whatever its storage; an in-memory
 * source is read by the per-expert tensor names of transformers v4 checkpoints:
 * Mixtral `block_sparse_moe.gate` and `block_sparse_moe.experts.<e>.w1/w3/w2` (gate/up/down,
 * MixtralBlockSparseTop2MLP); Qwen2-MoE, Qwen3-MoE, OLMoE `mlp.gate` and
 * `mlp.experts.<e>.gate_proj/up_proj/down_proj`, Qwen2-MoE's `mlp.shared_expert.*` and
 * `mlp.shared_expert_gate`; DeepSeek-V2/V3 `mlp.gate`, `mlp.experts.<e>.*_proj`, `mlp.shared_experts.*`
 * and the router's `mlp.gate.e_score_correction_bias` (read by name from either source); gpt-oss's fused `mlp.experts.gate_up_proj` [E, d, 2F] (`x @ W`,
 * gate = even and up = odd columns) and `down_proj` [E, F, d] (GptOssExperts). gpt-oss's biases are
 * read by name from either source: `mlp.router.bias` [E], `mlp.experts.gate_up_proj_bias` [E, 2F]
 * (interleaved like its matrix) and `mlp.experts.down_proj_bias` [E, d].
 */
import type { DecoderConfig } from './config';
import type { MoeSpec } from './moeBlock';
import type { MoeMatrix, WeightSource } from './weights';
import type { ExpertRole } from '../types';

type Arr = Float32Array | Float64Array;

/** The canonical keys of moeBlock.ts's weights (read here, not by name in arch.ts). */
export const MOE_KEYS = new Set([
  'router.weight',
  'router.bias',
  'router.correction_bias',
  'experts.gate',
  'experts.up',
  'experts.down',
  'experts.gate_bias',
  'experts.up_bias',
  'experts.down_bias',
  'shared.gate.weight',
  'shared.up.weight',
  'shared.down.weight',
  'shared_gate.weight',
]);

const MIXTRAL_EXPERT: Record<ExpertRole, string> = { gate: 'w1', up: 'w3', down: 'w2' };

/** Per-expert checkpoint name (inside the layer prefix) of a MoE matrix. */
export function moeTensorName(modelType: string, which: MoeMatrix): string {
  const mixtral = modelType === 'mixtral';
  if (which.kind === 'router') return mixtral ? 'block_sparse_moe.gate.weight' : modelType === 'gpt_oss' ? 'mlp.router.weight' : 'mlp.gate.weight';
  if (which.kind === 'shared_gate') return 'mlp.shared_expert_gate.weight';
  if (which.expert === 'shared')
    return `mlp.${modelType.startsWith('deepseek') || modelType === 'glm4_moe' ? 'shared_experts' : 'shared_expert'}.${which.kind}_proj.weight`;
  return mixtral ? `block_sparse_moe.experts.${which.expert}.${MIXTRAL_EXPERT[which.kind]}.weight` : `mlp.experts.${which.expert}.${which.kind}_proj.weight`;
}

function describe(which: MoeMatrix): string {
  if (which.kind === 'router') return 'the router';
  if (which.kind === 'shared_gate') return 'the shared-expert gate';
  return `${which.kind} of ${which.expert === 'shared' ? 'the shared expert' : `expert ${which.expert}`}`;
}

function newLike(src: Arr, n: number): Arr {
  return src instanceof Float64Array ? new Float64Array(n) : new Float32Array(n);
}

/** gpt-oss's fused expert tensors as stacked [E, out, in] gate, up and down. */
async function gptOssFusedExperts(source: WeightSource, prefix: string, E: number, f: number, d: number): Promise<Record<string, Arr>> {
  const gu = await source.read(prefix + 'mlp.experts.gate_up_proj');
  const dn = await source.read(prefix + 'mlp.experts.down_proj');
  if (gu.length !== E * d * 2 * f || dn.length !== E * f * d)
    throw new Error(`${prefix}mlp.experts: gate_up_proj or down_proj does not hold [${E}, ${d}, ${2 * f}] / [${E}, ${f}, ${d}] values as config.json implies`);
  const gate = newLike(gu, E * f * d),
    up = newLike(gu, E * f * d),
    down = newLike(dn, E * d * f);
  for (let e = 0; e < E; e++) {
    for (let c = 0; c < d; c++) {
      for (let r = 0; r < f; r++) {
        gate[(e * f + r) * d + c] = gu[(e * d + c) * 2 * f + 2 * r];
        up[(e * f + r) * d + c] = gu[(e * d + c) * 2 * f + 2 * r + 1];
        down[(e * d + c) * f + r] = dn[(e * f + r) * d + c];
      }
    }
  }
  return { 'experts.gate': gate, 'experts.up': up, 'experts.down': down };
}

/** gpt-oss's biases: router [E]; gate and up (even and odd of gate_up_proj_bias) [E, 1, F]; down [E, 1, d]. */
async function gptOssBiases(source: WeightSource, prefix: string, E: number, f: number, d: number): Promise<Record<string, Arr>> {
  const read = async (name: string, n: number) => {
    const v = await source.read(prefix + name);
    if (v.length !== n) throw new Error(`${prefix}${name} holds ${v.length} values, but config.json implies ${n}`);
    return v;
  };
  const gu = await read('mlp.experts.gate_up_proj_bias', E * 2 * f);
  const gate = newLike(gu, E * f),
    up = newLike(gu, E * f);
  for (let i = 0; i < E * f; i++) {
    gate[i] = gu[2 * i];
    up[i] = gu[2 * i + 1];
  }
  return {
    'router.bias': await read('mlp.router.bias', E),
    'experts.gate_bias': gate,
    'experts.up_bias': up,
    'experts.down_bias': await read('mlp.experts.down_proj_bias', E * d),
  };
}

export async function readMoeWeights(cfg: DecoderConfig, m: MoeSpec, source: WeightSource, layer: number): Promise<Record<string, Arr>> {
  const d = cfg.hiddenSize;
  const read = async (which: MoeMatrix, rows: number, cols: number): Promise<Arr> => {
    const w = source.moeMatrix ? await source.moeMatrix(layer, which) : await source.read(cfg.names.layer(layer) + moeTensorName(cfg.modelType, which));
    if (w.length !== rows * cols)
      throw new Error(`layer ${layer}: ${describe(which)} holds ${w.length} values, but config.json implies [${rows}, ${cols}] (${rows * cols})`);
    return w;
  };
  const stacked = async (kind: ExpertRole, rows: number, cols: number): Promise<Arr> => {
    const parts: Arr[] = [];
    for (let e = 0; e < m.numExperts; e++) parts.push(await read({ kind, expert: e }, rows, cols));
    const out = parts.some((p) => p instanceof Float64Array) ? new Float64Array(m.numExperts * rows * cols) : new Float32Array(m.numExperts * rows * cols);
    parts.forEach((p, e) => out.set(p, e * rows * cols));
    return out;
  };
  const f = m.expertSize,
    fs = m.sharedSize;
  const prefix = cfg.names.layer(layer);
  const fused = !source.moeMatrix && cfg.modelType === 'gpt_oss';
  const out: Record<string, Arr> = {
    'router.weight': await read({ kind: 'router' }, m.numExperts, d),
    ...(fused
      ? await gptOssFusedExperts(source, prefix, m.numExperts, f, d)
      : { 'experts.gate': await stacked('gate', f, d), 'experts.up': await stacked('up', f, d), 'experts.down': await stacked('down', d, f) }),
    ...(m.expertAct === 'gpt_oss' ? await gptOssBiases(source, prefix, m.numExperts, f, d) : {}),
  };
  if (m.routing === 'sigmoid_grouped') {
    const bias = await source.read(prefix + 'mlp.gate.e_score_correction_bias');
    if (bias.length !== m.numExperts)
      throw new Error(`${prefix}mlp.gate.e_score_correction_bias holds ${bias.length} values, not one per expert (${m.numExperts})`);
    out['router.correction_bias'] = bias;
  }
  if (fs > 0) {
    out['shared.gate.weight'] = await read({ kind: 'gate', expert: 'shared' }, fs, d);
    out['shared.up.weight'] = await read({ kind: 'up', expert: 'shared' }, fs, d);
    out['shared.down.weight'] = await read({ kind: 'down', expert: 'shared' }, d, fs);
  }
  if (m.sharedGate) out['shared_gate.weight'] = await read({ kind: 'shared_gate' }, 1, d);
  return out;
}
