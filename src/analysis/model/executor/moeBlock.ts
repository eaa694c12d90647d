/**
 * The mixture-of-experts MLP of a decoder layer, written against BlockOps (see moeConfig.ts for the
 * transformers blocks it follows: MixtralSparseMoeBlock, Qwen2MoeSparseMoeBlock,
 * Qwen3MoeSparseMoeBlock, OlmoeSparseMoeBlock):
 *
 *   p = softmax(x·Wᵣᵀ)                          router probabilities [B, T, E]
 *   m = top-k mask of p                          (torch.topk of the probabilities; constant for the gradient)
 *   w = p·m, divided by Σ_e w when normTopK      routing weights, exactly 0 off the top k
 *   y = Σ_e w_e · down_e(silu(gate_e x) · up_e x)  (+ sigmoid(x·gᵀ) · shared(x))
 *
 * DeepSeek-V3 (DeepseekV3MoE): s = σ(x·Wᵣᵀ); the choice s + correction bias, outside the best
 * groups set to 0 (groupTopKMask), picks the top k; w = s·m (/ (Σ + 1e-20) when normTopK) · scale.
 *
 * DeepSeek-V2 (DeepseekV2Moe): p = softmax(x·Wᵣᵀ); with groups, the choice is p outside the groups
 * with the largest single p set to 0; w = p·m · scale.
 *
 * gpt-oss (GptOssTopKRouter, GptOssExperts): l = x·Wᵣᵀ + b, m = top-k mask of l, w = softmax of l
 * over the k selected (the others pushed to −10⁹, so their weight is exactly 0), and each expert
 * (clamp(up, −7, 7) + 1) · g · σ(1.702 g) with g = min(gate, 7), gate/up/down with biases; the
 * clamps are written with relu (min(a, c) = a − relu(a − c)), which has torch.clamp's gradient
 * away from the limit.
 *
 * Every expert runs on every token (gate and up as one product with all experts' rows, down as one
 * batched product over the stacked [E, d, f] weights) and the mask zeroes the unselected ones: the same output and the same gradients as
 * the sparse per-expert loop of transformers (an unselected expert gets weight 0, so no gradient,
 * and the gradient reaches the router only through the selected weights), at E / k times the compute.
 */
import type { BlockOps, LayerWeight } from './ops';
import { GPT_OSS_GLU, type MoeConfig } from './moeConfig';

/** A routed layer's MoE configuration (the per-layer choice left out). */
export type MoeSpec = Omit<MoeConfig, 'moeLayers'>;

export function moeSpecKey(m: MoeSpec): string {
  return `moe${m.numExperts}/${m.topK}/${+m.normTopK}/${m.expertSize}/${m.sharedSize}/${+m.sharedGate}/${m.routing}/${+m.routerBias}/${m.expertAct}/${m.groups}/${m.topkGroup}/${m.scale}`;
}

/** Graph weight inputs of the MoE MLP (all `[out, in]`, experts stacked on a leading axis). */
export function moeWeights(d: number, m: MoeSpec): LayerWeight[] {
  const { numExperts: E, expertSize: f, sharedSize: fs } = m;
  return [
    { key: 'router.weight', dims: [E, d] },
    ...(m.routerBias ? [{ key: 'router.bias', dims: [E] }] : []),
    ...(m.routing === 'sigmoid_grouped' ? [{ key: 'router.correction_bias', dims: [E] }] : []),
    { key: 'experts.gate', dims: [E, f, d] },
    { key: 'experts.up', dims: [E, f, d] },
    { key: 'experts.down', dims: [E, d, f] },
    ...(m.expertAct === 'gpt_oss'
      ? [
          { key: 'experts.gate_bias', dims: [E, 1, f] },
          { key: 'experts.up_bias', dims: [E, 1, f] },
          { key: 'experts.down_bias', dims: [E, 1, d] },
        ]
      : []),
    ...(fs > 0
      ? [
          { key: 'shared.gate.weight', dims: [fs, d] },
          { key: 'shared.up.weight', dims: [fs, d] },
          { key: 'shared.down.weight', dims: [d, fs] },
        ]
      : []),
    ...(m.sharedGate ? [{ key: 'shared_gate.weight', dims: [1, d] }] : []),
  ];
}

export interface MoeValues<V> {
  out: V;
  /** silu(gate_e x)·up_e x of every expert, [B, E, T, f]. */
  act: V;
  /** The top-k selection, 1/0, [B, T, E]. */
  mask: V;
}

/** The MoE MLP of `post` [B, T, d] with the weights of moeWeights() in `W`. */
export function buildMoeMlp<V>(g: BlockOps<V>, m: MoeSpec, W: Record<string, V>, post: V, d: number): MoeValues<V> {
  let logits = g.matmul(post, g.transpose(W['router.weight'], [1, 0])); // [B, T, E]
  if (m.routerBias) logits = g.add(logits, W['router.bias']);
  let mask: V, w: V;
  if (m.routing === 'sigmoid_grouped') {
    const scores = g.sigmoid(logits);
    let choice = g.add(scores, W['router.correction_bias']);
    if (m.groups > 1) choice = g.mul(choice, g.groupTopKMask(choice, m.groups, m.topkGroup, 2));
    mask = g.topKMask(choice, m.topK);
    w = g.mul(scores, mask);
    if (m.normTopK) w = g.div(w, g.add(g.reshape(g.sumAxis(w, -1), [0, 0, 1]), g.constant([1e-20], [])));
    if (m.scale !== 1) w = g.mul(w, g.constant([m.scale], []));
  } else if (m.routing === 'softmax_grouped') {
    const probs = g.softmaxLastAxis(logits);
    const choice = m.groups > 1 ? g.mul(probs, g.groupTopKMask(probs, m.groups, m.topkGroup, 1)) : probs;
    mask = g.topKMask(choice, m.topK);
    w = g.mul(probs, mask);
    if (m.scale !== 1) w = g.mul(w, g.constant([m.scale], []));
  } else if (m.routing === 'topk_softmax') {
    mask = g.topKMask(logits, m.topK);
    w = g.softmaxLastAxis(g.add(logits, g.mul(g.sub(mask, g.constant([1], [])), g.constant([1e9], []))));
  } else {
    const probs = g.softmaxLastAxis(logits);
    mask = g.topKMask(probs, m.topK);
    w = g.mul(probs, mask);
    if (m.normTopK) w = g.div(w, g.reshape(g.sumAxis(w, -1), [0, 0, 1]));
  }
  const { numExperts: E, expertSize: f } = m;
  // gate and up of every expert as one product with the experts' rows side by side ([E·f, d]), then
  // viewed per expert: [B, T, E·f] → [B, E, T, f].
  const proj = (key: string) => {
    const rows = g.reshape(W[`experts.${key}`], [E * f, d]);
    const flat = g.linear ? g.linear(post, rows, undefined, true) : g.matmul(post, g.transpose(rows, [1, 0])); // [B, T, E·f]
    const bias = W[`experts.${key}_bias`];
    const withBias = bias === undefined ? flat : g.add(flat, g.reshape(bias, [E * f]));
    return g.transpose(g.reshape(withBias, [0, 0, E, f]), [0, 2, 1, 3]); // [B, E, T, f]
  };
  const biased = (v: V, key: string) => (W[key] === undefined ? v : g.add(v, W[key])); // bias [E, 1, d]
  const gate = proj('gate');
  let act: V;
  if (m.expertAct === 'gpt_oss') {
    const L = g.constant([GPT_OSS_GLU.limit], []);
    const gc = g.sub(gate, g.relu(g.sub(gate, L)));
    const up = proj('up');
    const uc = g.add(g.sub(up, g.relu(g.sub(up, L))), g.relu(g.sub(g.constant([-GPT_OSS_GLU.limit], []), up)));
    act = g.mul(g.add(uc, g.constant([1], [])), g.mul(gc, g.sigmoid(g.mul(gc, g.constant([GPT_OSS_GLU.alpha], [])))));
  } else {
    act = g.mul(g.mul(gate, g.sigmoid(gate)), proj('up'));
  }
  const each = biased(g.matmul(act, g.transpose(W['experts.down'], [0, 2, 1])), 'experts.down_bias'); // [B, E, T, d]
  const weight = g.reshape(g.transpose(w, [0, 2, 1]), [0, 0, 0, 1]); // [B, E, T, 1]
  let out = g.sumAxis(g.mul(each, weight), 1); // [B, T, d]
  if (m.sharedSize > 0) {
    const lin = (v: V, key: string) => (g.linear ? g.linear(v, W[key], undefined, true) : g.matmul(v, g.transpose(W[key], [1, 0])));
    const sg = lin(post, 'shared.gate.weight');
    let shared = lin(g.mul(g.mul(sg, g.sigmoid(sg)), lin(post, 'shared.up.weight')), 'shared.down.weight');
    if (m.sharedGate) shared = g.mul(g.sigmoid(lin(post, 'shared_gate.weight')), shared);
    out = g.add(out, shared);
  }
  return { out, act, mask };
}
