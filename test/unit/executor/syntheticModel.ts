/**
 * Tiny Llama-family models whose weights come from the same 32-bit LCG as
 * test/oracles/llama_forward.py (`lcg_tensor`, `synthetic_weights`), so the executor can be checked
 * against the oracle's logits without committing weights.
 */
import { memoryWeightSource, type HostWeight, type WeightSource } from '../../../src/analysis/model/executor/weights';
import { decoderConfigFromJson, type DecoderConfig } from '../../../src/analysis/model/executor/config';

/** state ← (1664525·state + 1013904223) mod 2^32; value = (state/2^32 − 0.5)·scale, rounded to float32. */
export function lcgTensor(seed: number, n: number, scale: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed % 4294967296;
  for (let i = 0; i < n; i++) {
    s = (1664525 * s + 1013904223) % 4294967296; // product < 2^53: exact in doubles
    out[i] = (s / 4294967296 - 0.5) * scale;
  }
  return out;
}

export function syntheticSpecs(cfg: Record<string, any>): Array<{ name: string; shape: number[]; scale: number | 'norm' }> {
  const d = cfg.hidden_size, ff = cfg.intermediate_size, V = cfg.vocab_size;
  const H = cfg.num_attention_heads, Hkv = cfg.num_key_value_heads;
  const hd = cfg.head_dim ?? d / H;
  const specs: Array<{ name: string; shape: number[]; scale: number | 'norm' }> = [{ name: 'model.embed_tokens.weight', shape: [V, d], scale: 1 }];
  for (let l = 0; l < cfg.num_hidden_layers; l++) {
    const p = `model.layers.${l}.`;
    specs.push(
      { name: p + 'input_layernorm.weight', shape: [d], scale: 'norm' },
      { name: p + 'self_attn.q_proj.weight', shape: [H * hd, d], scale: 2 / Math.sqrt(d) },
      { name: p + 'self_attn.k_proj.weight', shape: [Hkv * hd, d], scale: 2 / Math.sqrt(d) },
      { name: p + 'self_attn.v_proj.weight', shape: [Hkv * hd, d], scale: 2 / Math.sqrt(d) },
      { name: p + 'self_attn.o_proj.weight', shape: [d, H * hd], scale: 2 / Math.sqrt(H * hd) },
    );
    if (cfg.attention_bias) {
      specs.push(
        { name: p + 'self_attn.q_proj.bias', shape: [H * hd], scale: 0.2 },
        { name: p + 'self_attn.k_proj.bias', shape: [Hkv * hd], scale: 0.2 },
        { name: p + 'self_attn.v_proj.bias', shape: [Hkv * hd], scale: 0.2 },
      );
      if (cfg.model_type !== 'qwen2') specs.push({ name: p + 'self_attn.o_proj.bias', shape: [d], scale: 0.2 });
    }
    if (cfg.model_type === 'qwen3') {
      specs.push({ name: p + 'self_attn.q_norm.weight', shape: [hd], scale: 'norm' }, { name: p + 'self_attn.k_norm.weight', shape: [hd], scale: 'norm' });
    }
    specs.push(
      { name: p + 'post_attention_layernorm.weight', shape: [d], scale: 'norm' },
      { name: p + 'mlp.gate_proj.weight', shape: [ff, d], scale: 2 / Math.sqrt(d) },
      { name: p + 'mlp.up_proj.weight', shape: [ff, d], scale: 2 / Math.sqrt(d) },
      { name: p + 'mlp.down_proj.weight', shape: [d, ff], scale: 2 / Math.sqrt(ff) },
    );
  }
  specs.push({ name: 'model.norm.weight', shape: [d], scale: 'norm' });
  if (!cfg.tie_word_embeddings) specs.push({ name: 'lm_head.weight', shape: [V, d], scale: 2 / Math.sqrt(d) });
  return specs;
}

export function syntheticWeights(cfg: Record<string, any>): Map<string, HostWeight> {
  const w = new Map<string, HostWeight>();
  syntheticSpecs(cfg).forEach(({ name, shape, scale }, i) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = scale === 'norm' ? lcgTensor(1000 + i, n, 0.5).map((v) => 1 + v) : lcgTensor(1000 + i, n, scale);
    w.set(name, { shape, data });
  });
  return w;
}

export function syntheticModel(cfg: Record<string, any>): { cfg: DecoderConfig; source: WeightSource; weights: Map<string, HostWeight> } {
  const weights = syntheticWeights(cfg);
  return { cfg: decoderConfigFromJson(cfg, (n) => weights.has(n)), source: memoryWeightSource(weights), weights };
}
