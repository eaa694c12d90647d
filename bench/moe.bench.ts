/**
 * Mixture-of-experts executor benchmark: what computing every expert costs. A synthetic
 * Mixtral-shaped model (4 layers, hidden 512, 8 query / 2 key-value heads, 8 experts of width 1024,
 * top 2) against the dense Llama model with the same attention whose MLP has the routed experts'
 * active width (2 × 1024), in memory (float32, random weights), 128-token prompts, forward and
 * forward + backward (the activation analysis's pass), median of 5 each, measured alternately in the
 * same run. The MoE model runs all 8 experts and keeps 2, so its MLP does 4× the dense one's work;
 * the ratio printed is the whole pass's. Also a 32-expert top-4 variant (8×).
 *
 *   npm run bench moe      (or: node --expose-gc --import tsx bench/moe.bench.ts)
 */
import { DecoderExecutor } from '../src/analysis/model/executor/decoder';
import { decoderConfigFromJson } from '../src/analysis/model/executor/config';
import { memoryWeightSource, type HostWeight } from '../src/analysis/model/executor/weights';
import { mulberry32, uniform } from '../test/fixtures/prng';

const T = 128;
const BASE = {
  hidden_size: 512,
  num_hidden_layers: 4,
  num_attention_heads: 8,
  num_key_value_heads: 2,
  vocab_size: 4096,
  rms_norm_eps: 1e-5,
  rope_theta: 10000,
  max_position_embeddings: 4096,
  tie_word_embeddings: false,
};

interface BenchConfig {
  model_type: 'mixtral' | 'llama';
  hidden_size: number;
  intermediate_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  num_key_value_heads: number;
  vocab_size: number;
  num_local_experts?: number;
}

function model(config: BenchConfig & Record<string, unknown>): DecoderExecutor {
  const rand = mulberry32(7);
  const w = new Map<string, HostWeight>();
  const put = (name: string, shape: number[]) =>
    w.set(name, {
      shape,
      data: uniform(
        rand,
        shape.reduce((a, b) => a * b, 1),
        2 / Math.sqrt(shape[shape.length - 1]),
      ),
    });
  const d = config.hidden_size,
    H = config.num_attention_heads,
    Hkv = config.num_key_value_heads,
    hd = d / H;
  put('model.embed_tokens.weight', [config.vocab_size, d]);
  put('model.norm.weight', [d]);
  put('lm_head.weight', [config.vocab_size, d]);
  for (let l = 0; l < config.num_hidden_layers; l++) {
    const p = `model.layers.${l}.`;
    put(p + 'input_layernorm.weight', [d]);
    put(p + 'post_attention_layernorm.weight', [d]);
    put(p + 'self_attn.q_proj.weight', [H * hd, d]);
    put(p + 'self_attn.k_proj.weight', [Hkv * hd, d]);
    put(p + 'self_attn.v_proj.weight', [Hkv * hd, d]);
    put(p + 'self_attn.o_proj.weight', [d, H * hd]);
    if (config.model_type === 'mixtral') {
      const f = config.intermediate_size;
      const E = config.num_local_experts!;
      put(p + 'block_sparse_moe.gate.weight', [E, d]);
      for (let e = 0; e < E; e++) {
        const q = `${p}block_sparse_moe.experts.${e}.`;
        put(q + 'w1.weight', [f, d]);
        put(q + 'w3.weight', [f, d]);
        put(q + 'w2.weight', [d, f]);
      }
    } else {
      const f = config.intermediate_size;
      put(p + 'mlp.gate_proj.weight', [f, d]);
      put(p + 'mlp.up_proj.weight', [f, d]);
      put(p + 'mlp.down_proj.weight', [d, f]);
    }
  }
  return new DecoderExecutor(
    decoderConfigFromJson(config, (n) => w.has(n)),
    memoryWeightSource(w),
    { threads: 2 },
  );
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function compare(experts: number, topK: number): Promise<void> {
  const f = 1024;
  const moe = model({ ...BASE, model_type: 'mixtral', intermediate_size: f, num_local_experts: experts, num_experts_per_tok: topK });
  const dense = model({ ...BASE, model_type: 'llama', intermediate_size: topK * f });
  const ids = [Array.from({ length: T }, (_, i) => (i * 37) % BASE.vocab_size)];
  const times = { moe: { fwd: [] as number[], bwd: [] as number[] }, dense: { fwd: [] as number[], bwd: [] as number[] } };
  const time = async (fn: () => Promise<unknown>) => {
    const t0 = performance.now();
    await fn();
    return performance.now() - t0;
  };
  for (let i = 0; i < 6; i++) {
    for (const [name, ex] of [
      ['moe', moe],
      ['dense', dense],
    ] as const) {
      const fwd = await time(() => ex.run(ids, { logits: 'last' }));
      const bwd = await time(() => ex.run(ids, { logits: 'none' }, { objective: 'max-logit', onLayer: () => {} }));
      if (i > 0) {
        // The first round builds the sessions.
        times[name].fwd.push(fwd);
        times[name].bwd.push(bwd);
      }
    }
  }
  const m = (x: number[]) => median(x);
  console.log(`  ${experts} experts, top ${topK} (expert MLPs ${experts / topK}× the routed ones), T = ${T}:`);
  console.log(
    `    forward           MoE ${m(times.moe.fwd).toFixed(0)} ms, dense (active width) ${m(times.dense.fwd).toFixed(0)} ms, ratio ${(m(times.moe.fwd) / m(times.dense.fwd)).toFixed(2)}`,
  );
  console.log(
    `    forward+backward  MoE ${m(times.moe.bwd).toFixed(0)} ms, dense (active width) ${m(times.dense.bwd).toFixed(0)} ms, ratio ${(m(times.moe.bwd) / m(times.dense.bwd)).toFixed(2)}`,
  );
  await moe.release();
  await dense.release();
}

async function main(): Promise<void> {
  await compare(8, 2);
  await compare(32, 4);
  console.log(`  peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
}

void main();
