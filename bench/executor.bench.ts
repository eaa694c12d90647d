/**
 * Executor benchmark: forward and forward+backward time per 128-token prompt of a synthetic model
 * shaped like Llama-3.2-1B (16 layers, hidden 2048, MLP 8192, 32 query / 8 key-value heads,
 * vocabulary 128256, tied embeddings, llama3 RoPE scaling; 1.24 B parameters), streamed layer by
 * layer from a BF16 safetensors file (2.5 GB, written once to .bench-data/ with random weights),
 * on this machine's CPU. PyTorch is compared in the same run when `python3 -c "import torch"` works.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { openModel } from '../src/analysis/model/openModel';
import { executorFor } from '../src/analysis/model/executor/index';

const DIR = join(__dirname, '..', '.bench-data', 'llama-3.2-1b-synthetic');
const CONFIG = {
  architectures: ['LlamaForCausalLM'],
  model_type: 'llama',
  hidden_size: 2048,
  intermediate_size: 8192,
  num_hidden_layers: 16,
  num_attention_heads: 32,
  num_key_value_heads: 8,
  head_dim: 64,
  vocab_size: 128256,
  max_position_embeddings: 131072,
  rms_norm_eps: 1e-5,
  rope_theta: 500000,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  rope_scaling: { rope_type: 'llama3', factor: 32, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 },
};
const T = 128;

function tensorList(): Array<[string, number[]]> {
  const { hidden_size: d, intermediate_size: ff, num_attention_heads: H, num_key_value_heads: Hkv, head_dim: hd, vocab_size: V } = CONFIG;
  const list: Array<[string, number[]]> = [
    ['model.embed_tokens.weight', [V, d]],
    ['model.norm.weight', [d]],
  ];
  for (let l = 0; l < CONFIG.num_hidden_layers; l++) {
    const p = `model.layers.${l}.`;
    list.push(
      [p + 'input_layernorm.weight', [d]],
      [p + 'post_attention_layernorm.weight', [d]],
      [p + 'self_attn.q_proj.weight', [H * hd, d]],
      [p + 'self_attn.k_proj.weight', [Hkv * hd, d]],
      [p + 'self_attn.v_proj.weight', [Hkv * hd, d]],
      [p + 'self_attn.o_proj.weight', [d, H * hd]],
      [p + 'mlp.gate_proj.weight', [ff, d]],
      [p + 'mlp.up_proj.weight', [ff, d]],
      [p + 'mlp.down_proj.weight', [d, ff]],
    );
  }
  return list;
}

/** BF16 bits of N(0, σ) samples (a 4 Mi-value block tiled over every tensor; norms get 1.0). */
function writeModel(): void {
  mkdirSync(DIR, { recursive: true });
  const list = tensorList();
  const header: Record<string, unknown> = { __metadata__: { format: 'pt', note: 'random weights for bench/executor.bench.ts' } };
  let offset = 0;
  for (const [name, shape] of list) {
    const bytes = shape.reduce((a, b) => a * b, 1) * 2;
    header[name] = { dtype: 'BF16', shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + json.length) % 8)) % 8);
  const block = new Uint16Array(1 << 22);
  const f = new Float32Array(1),
    u = new Uint32Array(f.buffer);
  let s = 42;
  for (let i = 0; i < block.length; i++) {
    s = (1664525 * s + 1013904223) % 4294967296;
    const u1 = Math.max(s / 4294967296, 1e-12);
    s = (1664525 * s + 1013904223) % 4294967296;
    f[0] = 0.02 * Math.sqrt(-2 * Math.log(u1)) * Math.cos((2 * Math.PI * s) / 4294967296);
    block[i] = u[0] >>> 16;
  }
  const ones = new Uint16Array(8192).fill(0x3f80);
  const fd = openSync(join(DIR, 'model.safetensors.partial'), 'w');
  const head = new Uint8Array(8);
  new DataView(head.buffer).setBigUint64(0, BigInt(json.length), true);
  writeSync(fd, head);
  writeSync(fd, json);
  for (const [name, shape] of list) {
    let n = shape.reduce((a, b) => a * b, 1);
    const src = shape.length === 1 ? ones : block;
    while (n > 0) {
      const k = Math.min(n, src.length);
      writeSync(fd, new Uint8Array(src.buffer, 0, k * 2));
      n -= k;
    }
    void name;
  }
  closeSync(fd);
  spawnSync('mv', [join(DIR, 'model.safetensors.partial'), join(DIR, 'model.safetensors')]);
  writeFileSync(join(DIR, 'config.json'), JSON.stringify(CONFIG, null, 2));
}

function torchAvailable(): boolean {
  return spawnSync('python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
}

async function main(): Promise<void> {
  if (!existsSync(join(DIR, 'model.safetensors'))) {
    const t0 = performance.now();
    writeModel();
    console.log(`wrote ${DIR} (BF16, random) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  const model = await openModel(DIR);
  const ex = executorFor(model);
  const ids = [Array.from({ length: T }, (_, i) => (i * 7919) % CONFIG.vocab_size)];
  const params = ex.layerBytes() / 4;
  const flopsForward = 2 * T * params * CONFIG.num_hidden_layers; // matmuls of the layers; attention and head excluded
  const time = async (f: () => Promise<unknown>) => {
    const t0 = performance.now();
    await f();
    return (performance.now() - t0) / 1000;
  };
  console.log(
    `model: ${CONFIG.num_hidden_layers} layers × ${(params / 1e6).toFixed(1)} M parameters + ${((CONFIG.vocab_size * CONFIG.hidden_size) / 1e6).toFixed(1)} M embedding, BF16 on disk; prompt ${T} tokens`,
  );
  const warm = await time(() => ex.run(ids, { logits: 'last' }, { objective: 'max-logit', onLayer: () => {} }));
  console.log(`warm-up forward+backward (compiles the graphs): ${warm.toFixed(2)} s`);
  const fwd: number[] = [],
    fb: number[] = [];
  for (let i = 0; i < 2; i++) {
    fwd.push(await time(() => ex.run(ids, { logits: 'last' })));
    fb.push(await time(() => ex.run(ids, { logits: 'last' }, { objective: 'max-logit', onLayer: () => {} })));
  }
  const best = (xs: number[]) => Math.min(...xs);
  console.log(
    `forward:          ${best(fwd).toFixed(2)} s per prompt (best of ${fwd.length}; ${fwd.map((x) => x.toFixed(2)).join(', ')}) = ${(T / best(fwd)).toFixed(0)} tokens/s, ${(flopsForward / best(fwd) / 1e9).toFixed(0)} GFLOP/s in layer matmuls`,
  );
  console.log(
    `forward+backward: ${best(fb).toFixed(2)} s per prompt (best of ${fb.length}; ${fb.map((x) => x.toFixed(2)).join(', ')}); backward/forward = ${(best(fb) / best(fwd) - 1).toFixed(2)}`,
  );
  console.log(`engine: ${(await ex.sessions().engineInUse())?.info.provider ?? 'cpu'}, ${(await ex.sessions().engineInUse())?.info.threads ?? '?'} threads`);
  if (torchAvailable()) {
    const threads = (await ex.sessions().engineInUse())?.info.threads ?? 2;
    const r = spawnSync('python3', [join(__dirname, 'executor_torch.py'), String(threads)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`the PyTorch reference failed: ${r.stderr}`);
    const t = JSON.parse(r.stdout.trim().split('\n').pop()!) as { forward: number; forward_backward: number; torch: string };
    console.log(`PyTorch ${t.torch} (${threads} threads, float32): forward ${t.forward.toFixed(2)} s, forward+backward ${t.forward_backward.toFixed(2)} s`);
    console.log(`ratio Layer Lens / PyTorch: forward ${(best(fwd) / t.forward).toFixed(2)}×, forward+backward ${(best(fb) / t.forward_backward).toFixed(2)}×`);
  } else {
    console.log('PyTorch: not installed here (python3 -c "import torch" fails), so there is no PyTorch comparison in this run.');
  }
  await ex.release();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
