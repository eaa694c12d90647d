/**
 * The sample model's architecture and initialisation, and one training step through Layer Lens's
 * own executor (forward + backward of the LM loss on onnxruntime).
 */
import { DecoderExecutor } from '../../src/analysis/model/executor/decoder';
import { decoderConfigFromJson } from '../../src/analysis/model/executor/config';
import { memoryWeightSource } from '../../src/analysis/model/executor/weights';
import { checkpointKey } from '../../src/analysis/model/executor/arch';
import { getEngine } from '../../src/analysis/engine/engine';
import { BYTE_VOCAB_SIZE, BOS_ID, EOS_ID } from './byteTokenizer';
import { gaussian } from './rng';

export type Params = Map<string, { shape: number[]; data: Float32Array }>;

export const SAMPLE_CONFIG = {
  architectures: ['LlamaForCausalLM'],
  model_type: 'llama',
  hidden_size: 128,
  intermediate_size: 344,
  num_hidden_layers: 4,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  head_dim: 32,
  vocab_size: BYTE_VOCAB_SIZE,
  max_position_embeddings: 256,
  rms_norm_eps: 1e-5,
  rope_theta: 10000.0,
  hidden_act: 'silu',
  tie_word_embeddings: true,
  attention_bias: false,
  mlp_bias: false,
  bos_token_id: BOS_ID,
  eos_token_id: EOS_ID,
  torch_dtype: 'float32',
};

/** GPT-2-style init: N(0, 0.02) matrices, residual projections (o, down) scaled by 1/√(2L), unit norm gains. */
export function initParams(rand: () => number): Params {
  const c = SAMPLE_CONFIG;
  const d = c.hidden_size,
    ff = c.intermediate_size,
    hd = c.head_dim;
  const p: Params = new Map();
  const normal = (shape: number[], std: number) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = gaussian(rand) * std;
    return { shape, data };
  };
  const ones = (n: number) => ({ shape: [n], data: new Float32Array(n).fill(1) });
  const resid = 0.02 / Math.sqrt(2 * c.num_hidden_layers);
  p.set('model.embed_tokens.weight', normal([c.vocab_size, d], 0.02));
  for (let l = 0; l < c.num_hidden_layers; l++) {
    const pre = `model.layers.${l}.`;
    p.set(pre + 'input_layernorm.weight', ones(d));
    p.set(pre + 'self_attn.q_proj.weight', normal([c.num_attention_heads * hd, d], 0.02));
    p.set(pre + 'self_attn.k_proj.weight', normal([c.num_key_value_heads * hd, d], 0.02));
    p.set(pre + 'self_attn.v_proj.weight', normal([c.num_key_value_heads * hd, d], 0.02));
    p.set(pre + 'self_attn.o_proj.weight', normal([d, c.num_attention_heads * hd], resid));
    p.set(pre + 'post_attention_layernorm.weight', ones(d));
    p.set(pre + 'mlp.gate_proj.weight', normal([ff, d], 0.02));
    p.set(pre + 'mlp.up_proj.weight', normal([ff, d], 0.02));
    p.set(pre + 'mlp.down_proj.weight', normal([d, ff], resid));
  }
  p.set('model.norm.weight', ones(d));
  return p;
}

/**
 * The executor that trains the sample model. Pinned to the CPU provider with 2 threads: a GPU or
 * another thread count sums in another order, and the weights would differ from the committed ones.
 */
export async function makeExecutor(params: Params): Promise<DecoderExecutor> {
  const cfg = decoderConfigFromJson(SAMPLE_CONFIG, (n) => params.has(n));
  const engine = await getEngine({ providers: ['cpu'], threads: 2 });
  // Weights live in memory here, so there is nothing to prefetch.
  return new DecoderExecutor(cfg, memoryWeightSource(params), { prefetch: false, engine });
}

/** Mean LM loss of a batch and the gradient of every parameter (float64 accumulators). */
export async function lossAndGrads(ex: DecoderExecutor, params: Params, batch: number[][]): Promise<{ loss: number; grads: Map<string, Float64Array> }> {
  const grads = new Map<string, Float64Array>();
  const d = ex.cfg.hiddenSize;
  const embedGrad = new Float64Array(ex.cfg.vocabSize * d);
  grads.set(ex.cfg.names.embed, embedGrad);
  const r = await ex.run(
    batch,
    { logits: 'none' },
    {
      objective: 'lm-loss',
      onLayer: ({ layer, grads: g }) => {
        for (const [k, v] of Object.entries(g)) grads.set(ex.cfg.names.layer(layer) + checkpointKey(ex.cfg, k)!, Float64Array.from(v));
      },
      onFinalNormGrad: (g) => void grads.set(ex.cfg.names.finalNorm, Float64Array.from(g)),
      onLmHeadGrad: (r0, _r1, g) => {
        // Tied embeddings: the output projection's gradient lands on the embedding matrix.
        for (let i = 0; i < g.length; i++) embedGrad[r0 * d + i] += g[i];
      },
    },
  );
  const T = batch[0].length;
  batch.forEach((seq, b) =>
    seq.forEach((id, t) => {
      const o = (b * T + t) * d;
      for (let j = 0; j < d; j++) embedGrad[id * d + j] += r.inputGrad![o + j];
    }),
  );
  for (const name of params.keys()) if (!grads.has(name)) throw new Error(`training produced no gradient for ${name}`);
  return { loss: r.objectiveValue!, grads };
}
