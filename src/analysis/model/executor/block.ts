/**
 * One decoder layer of any supported family (Llama/Mistral/Qwen2/Qwen3, GPT-2, GPT-NeoX; with a
 * mixture-of-experts MLP from moeBlock.ts Mixtral/Qwen2-MoE/Qwen3-MoE/OLMoE/gpt-oss/DeepSeek, with
 * DeepSeek's latent attention from mla.ts), written
 * against BlockOps. A BlockSpec says what varies; the same graph serves every layer of that spec,
 * the layer's weights being graph inputs under canonical keys ('q.weight', 'mlp_norm.bias', …).
 *
 * Layouts: hidden states x are [B, T, d]. Weights keep their storage layout: `out_in` (nn.Linear,
 * transposed inside the graph) or `in_out` (GPT-2 Conv1D, used as is). RoPE uses HF's rotate_half,
 * done as a product with a fixed signed permutation R (x·R = rotate_half(x)) so no slicing is
 * needed; dims past the rotary part (partial rotary, GPT-NeoX) get cos = 1, sin = 0 and a zero block
 * of R. Grouped-query attention avoids repeating k/v: the H query heads are grouped as
 * [Hkv, r·T, hd] (head h = g·r + j belongs to kv head g, HF's repeat_kv order), so each kv head is
 * one batched matmul; the additive causal (and sliding-window) mask comes pre-tiled to [r·T, T].
 */
import type { BlockOps, LayerWeight } from './ops';
import type { DecoderConfig } from './config';
import { buildMoeMlp, moeSpecKey, moeWeights, type MoeSpec } from './moeBlock';
import { buildMla, mlaWeights } from './mla';

export type { LayerWeight } from './ops';

export interface BlockSpec {
  norm: 'rms' | 'layer';
  mlp: 'swiglu' | 'gelu_tanh' | 'gelu_erf';
  weightLayout: 'out_in' | 'in_out';
  qkvBias: boolean;
  oBias: boolean;
  mlpBias: boolean;
  /** q/k RMSNorm: none, per head (Qwen3) or over the whole projection (OLMoE). */
  qkNorm: 'none' | 'head' | 'full';
  rope: boolean;
  /** GPT-NeoX: x + attn(ln1(x)) + mlp(ln2(x)) instead of the sequential residual. */
  parallelResidual: boolean;
  /** The MLP is a mixture of experts (moeBlock.ts) instead of one dense MLP. */
  moe: MoeSpec | null;
  /** gpt-oss attention sinks: input `sinks` [H]. */
  sinks: boolean;
  /** The layer attends through the sliding-window mask (the executor feeds that mask as `mask`). */
  window: boolean;
  /** DeepSeek-V2/V3 multi-head latent attention (mla.ts, sizes in cfg.mla) instead of q/k/v/o heads. */
  mla: boolean;
}

export function specKey(s: BlockSpec): string {
  return `${s.norm}:${s.mlp}:${s.weightLayout}:${+s.qkvBias}${+s.oBias}${+s.mlpBias}${s.qkNorm}${+s.rope}${+s.parallelResidual}${+s.sinks}${+s.mla}${s.moe ? ':' + moeSpecKey(s.moe) : ''}`;
}

/** Graph weight inputs of a layer, in feed order, with dims in storage layout. */
export function blockWeights(cfg: DecoderConfig, s: BlockSpec): LayerWeight[] {
  const { hiddenSize: d, intermediateSize: ff, numHeads: H, numKvHeads: Hkv, headDim: hd } = cfg;
  const lin = (key: string, out: number, inp: number, bias: boolean): LayerWeight[] => [
    { key: `${key}.weight`, dims: s.weightLayout === 'out_in' ? [out, inp] : [inp, out] },
    ...(bias ? [{ key: `${key}.bias`, dims: [out] }] : []),
  ];
  const norm = (key: string): LayerWeight[] => [{ key: `${key}.weight`, dims: [d] }, ...(s.norm === 'layer' ? [{ key: `${key}.bias`, dims: [d] }] : [])];
  const attention = s.mla
    ? mlaWeights(d, H, cfg.mla!)
    : [
        ...lin('q', H * hd, d, s.qkvBias),
        ...lin('k', Hkv * hd, d, s.qkvBias),
        ...lin('v', Hkv * hd, d, s.qkvBias),
        ...lin('o', d, H * hd, s.oBias),
        ...(s.sinks ? [{ key: 'sinks', dims: [H] }] : []),
        ...(s.qkNorm !== 'none'
          ? [
              { key: 'q_norm.weight', dims: [s.qkNorm === 'full' ? H * hd : hd] },
              { key: 'k_norm.weight', dims: [s.qkNorm === 'full' ? Hkv * hd : hd] },
            ]
          : []),
      ];
  return [
    ...norm('attn_norm'),
    ...attention,
    ...norm('mlp_norm'),
    ...(s.moe
      ? moeWeights(d, s.moe)
      : [...(s.mlp === 'swiglu' ? lin('gate', ff, d, s.mlpBias) : []), ...lin('up', ff, d, s.mlpBias), ...lin('down', d, ff, s.mlpBias)]),
  ];
}

/** The signed permutation R with x·R = rotate_half(x) on the first `rotDim` of `headDim` dims. */
export function rotateHalfMatrix(headDim: number, rotDim: number): number[] {
  const R = new Array<number>(headDim * headDim).fill(0);
  const half = rotDim / 2;
  for (let k = 0; k < half; k++) R[(k + half) * headDim + k] = -1; // out[k] = −x[k + half]
  for (let k = half; k < rotDim; k++) R[(k - half) * headDim + k] = 1; // out[k] = x[k − half]
  return R;
}

/** RMSNorm (Llama) or LayerNorm (GPT-2, NeoX) over the last axis. */
export function normalize<V>(g: BlockOps<V>, x: V, w: V, b: V | undefined, kind: 'rms' | 'layer', eps: number): V {
  const epsC = g.constant([eps], []);
  if (kind === 'rms') return g.mul(g.div(x, g.sqrt(g.add(g.meanLastAxis(g.mul(x, x)), epsC))), w);
  const c = g.sub(x, g.meanLastAxis(x));
  const y = g.mul(g.div(c, g.sqrt(g.add(g.meanLastAxis(g.mul(c, c)), epsC))), w);
  return b === undefined ? y : g.add(y, b);
}

export interface BlockValues<V> {
  hidden: V;
  postAttentionNorm: V;
  mlpActivation: V;
}

/**
 * gpt-oss's softmax with a sink (modular_gpt_oss.py eager_attention_forward): each row of head h
 * gets the extra logit sinks[h], softmaxed with the row and then dropped, so the row's
 * probabilities sum to less than 1: p = exp(s − m) / (Σ exp(s − m) + exp(sinks[h] − m)). Rows are
 * grouped [B, Hkv, r·T, ·] (head g·r + j, row j·T + t), so the row maxima are viewed as
 * [B, Hkv, r, T] to meet the sinks as [Hkv, r, 1].
 */
function softmaxWithSinks<V>(g: BlockOps<V>, scores: V, sinks: V, Hkv: number, r: number): V {
  const m = g.maxLastAxis(scores); // [B, Hkv, r·T, 1]
  const e = g.exp(g.sub(scores, m));
  const sinkTerm = g.exp(g.sub(g.reshape(sinks, [Hkv, r, 1]), g.reshape(m, [0, Hkv, r, -1]))); // [B, Hkv, r, T]
  return g.div(e, g.add(g.reshape(g.sumAxis(e, -1), [0, 0, -1, 1]), g.reshape(sinkTerm, [0, Hkv, -1, 1])));
}

function swigluOrGelu<V>(g: BlockOps<V>, s: BlockSpec, post: V, linear: (v: V, name: string) => V): V {
  if (s.mlp === 'swiglu') {
    const gate = linear(post, 'gate');
    return g.mul(g.mul(gate, g.sigmoid(gate)), linear(post, 'up'));
  }
  const u = linear(post, 'up');
  const half = g.constant([0.5], []),
    one = g.constant([1], []);
  const inner =
    s.mlp === 'gelu_tanh'
      ? g.tanh(g.mul(g.constant([Math.sqrt(2 / Math.PI)], []), g.add(u, g.mul(g.constant([0.044715], []), g.mul(u, g.mul(u, u))))))
      : g.erf(g.mul(u, g.constant([Math.SQRT1_2], [])));
  return g.mul(g.mul(half, u), g.add(one, inner));
}

/**
 * Emits the layer. Graph inputs: `x` [B,T,d], (`cos`, `sin` [T,hd] with RoPE), `mask` [r·T, T],
 * then blockWeights(). Outputs: `y` (next hidden state), `post_attn_norm` (the MLP's input norm:
 * HF's post_attention_layernorm), `mlp_act` (the down projection's input; with experts, every
 * expert's [B, E, T, f]) and, with experts, `moe_mask` (the top-k selection [B, T, E]).
 */
export function buildBlock<V>(g: BlockOps<V>, cfg: DecoderConfig, s: BlockSpec): BlockValues<V> {
  const { numHeads: H, numKvHeads: Hkv, headDim: hd, normEps: eps } = cfg;
  const x = g.input('x', ['B', 'T', cfg.hiddenSize]);
  const cos = s.rope ? g.input('cos', ['T', hd]) : undefined;
  const sin = s.rope ? g.input('sin', ['T', hd]) : undefined;
  const mask = g.input('mask', ['RT', 'T']);
  const W: Record<string, V> = {};
  for (const { key, dims } of blockWeights(cfg, s)) W[key] = g.input(key, dims);

  const linear = (v: V, name: string) => {
    const w = W[`${name}.weight`];
    if (g.linear) return g.linear(v, w, W[`${name}.bias`], s.weightLayout === 'out_in');
    const y = g.matmul(v, s.weightLayout === 'out_in' ? g.transpose(w, [1, 0]) : w);
    return W[`${name}.bias`] !== undefined ? g.add(y, W[`${name}.bias`]) : y;
  };
  const norm = (v: V, name: string) => normalize(g, v, W[`${name}.weight`], W[`${name}.bias`], s.norm, eps);
  const heads = (v: V, n: number) => g.transpose(g.reshape(v, [0, 0, n, hd]), [0, 2, 1, 3]); // [B,n,T,hd]
  const rotDim = 2 * Math.floor((hd * cfg.partialRotaryFactor) / 2);
  const R = s.rope ? g.constant(rotateHalfMatrix(hd, rotDim), [hd, hd]) : undefined;
  const rope = (v: V) => (s.rope ? g.add(g.mul(v, cos!), g.mul(g.matmul(v, R!), sin!)) : v);

  const headAttention = (input: V): V => {
    const full = (t: V, key: string) => (s.qkNorm === 'full' ? normalize(g, t, W[key], undefined, 'rms', eps) : t);
    let q = heads(full(linear(input, 'q'), 'q_norm.weight'), H);
    let k = heads(full(linear(input, 'k'), 'k_norm.weight'), Hkv);
    const v = heads(linear(input, 'v'), Hkv);
    if (s.qkNorm === 'head') {
      q = normalize(g, q, W['q_norm.weight'], undefined, 'rms', eps);
      k = normalize(g, k, W['k_norm.weight'], undefined, 'rms', eps);
    }
    q = g.mul(rope(q), g.constant([1 / Math.sqrt(hd)], []));
    k = rope(k);
    const qGrouped = g.reshape(q, [0, Hkv, -1, hd]); // [B, Hkv, r·T, hd]
    const scores = g.add(g.matmul(qGrouped, g.transpose(k, [0, 1, 3, 2])), mask); // [B, Hkv, r·T, T]
    const attn = g.matmul(s.sinks ? softmaxWithSinks(g, scores, W.sinks, Hkv, H / Hkv) : g.softmaxLastAxis(scores), v); // [B, Hkv, r·T, hd]
    const merged = g.reshape(g.transpose(g.reshape(attn, [0, H, -1, hd]), [0, 2, 1, 3]), [0, 0, H * hd]);
    return linear(merged, 'o');
  };
  const h = norm(x, 'attn_norm');
  const attnOut = s.mla ? buildMla(g, cfg.mla!, H, W, h, rope, mask) : headAttention(h);
  const x1 = s.parallelResidual ? x : g.add(x, attnOut);

  const post = norm(x1, 'mlp_norm');
  let act: V, mlpOut: V;
  if (s.moe) {
    const moe = buildMoeMlp(g, s.moe, W, post, cfg.hiddenSize);
    act = moe.act;
    mlpOut = moe.out;
    g.output('moe_mask', moe.mask);
  } else {
    act = swigluOrGelu(g, s, post, linear);
    mlpOut = linear(act, 'down');
  }
  const y = s.parallelResidual ? g.add(g.add(x, attnOut), mlpOut) : g.add(x1, mlpOut);
  g.output('y', y);
  g.output('post_attn_norm', post);
  g.output('mlp_act', act);
  return { hidden: y, postAttentionNorm: post, mlpActivation: act };
}

/**
 * The final norm and the output projection for one vocabulary chunk: `x` [B,T,d], `norm` [d]
 * (+ `norm_bias` for LayerNorm), `head` [Vc, d] → `logits` [B,T,Vc] and `final_norm` [B,T,d].
 */
export function buildHead<V>(g: BlockOps<V>, cfg: DecoderConfig, normKind: 'rms' | 'layer'): { logits: V } {
  const x = g.input('x', ['B', 'T', cfg.hiddenSize]);
  const w = g.input('norm', [cfg.hiddenSize]);
  const b = normKind === 'layer' ? g.input('norm_bias', [cfg.hiddenSize]) : undefined;
  const head = g.input('head', ['V', cfg.hiddenSize]);
  const n = normalize(g, x, w, b, normKind, cfg.normEps);
  const logits = g.matmul(n, g.transpose(head, [1, 0]));
  g.output('logits', logits);
  g.output('final_norm', n);
  return { logits };
}
