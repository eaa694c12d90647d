// A Llama-layout model folder with seeded random F32 weights, written directly (config.json +
// model.safetensors), for cases that need a model big enough to keep an analysis busy for a while.
import { mkdirSync, openSync, closeSync, writeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface RandomLlama {
  layers: number;
  hidden: number;
  intermediate: number;
  heads: number;
  kvHeads: number;
  vocab: number;
  seed?: number;
}

export function writeRandomLlama(dir: string, spec: RandomLlama): { file: string; bytes: number } {
  mkdirSync(dir, { recursive: true });
  const hd = spec.hidden / spec.heads;
  const tensors: [string, number[]][] = [['model.embed_tokens.weight', [spec.vocab, spec.hidden]]];
  for (let l = 0; l < spec.layers; l++) {
    const p = `model.layers.${l}`;
    tensors.push(
      [`${p}.input_layernorm.weight`, [spec.hidden]],
      [`${p}.self_attn.q_proj.weight`, [spec.heads * hd, spec.hidden]],
      [`${p}.self_attn.k_proj.weight`, [spec.kvHeads * hd, spec.hidden]],
      [`${p}.self_attn.v_proj.weight`, [spec.kvHeads * hd, spec.hidden]],
      [`${p}.self_attn.o_proj.weight`, [spec.hidden, spec.heads * hd]],
      [`${p}.post_attention_layernorm.weight`, [spec.hidden]],
      [`${p}.mlp.gate_proj.weight`, [spec.intermediate, spec.hidden]],
      [`${p}.mlp.up_proj.weight`, [spec.intermediate, spec.hidden]],
      [`${p}.mlp.down_proj.weight`, [spec.hidden, spec.intermediate]],
    );
  }
  tensors.push(['model.norm.weight', [spec.hidden]]);

  const header: Record<string, unknown> = { __metadata__: { format: 'pt', source: 'layer-lens e2e random model' } };
  let offset = 0;
  for (const [name, shape] of tensors) {
    const bytes = shape.reduce((a, b) => a * b, 1) * 4;
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8); // data 8-byte aligned
  const file = join(dir, 'model.safetensors');
  const fd = openSync(file, 'w');
  try {
    const len = new Uint8Array(8);
    new DataView(len.buffer).setBigUint64(0, BigInt(json.length), true);
    writeSync(fd, len);
    writeSync(fd, json);
    // xorshift32 → uniform(−a, a) with a = 1/√fan_in: cheap, deterministic, the right scale.
    let state = (spec.seed ?? 1) >>> 0 || 1;
    for (const [, shape] of tensors) {
      const n = shape.reduce((a, b) => a * b, 1);
      const scale = shape.length === 1 ? 0 : 1 / Math.sqrt(shape[shape.length - 1]);
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        out[i] = shape.length === 1 ? 1 : ((state >>> 0) / 4294967296 - 0.5) * 2 * scale;
      }
      writeSync(fd, new Uint8Array(out.buffer));
    }
  } finally {
    closeSync(fd);
  }
  writeFileSync(join(dir, 'config.json'), JSON.stringify({
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    hidden_size: spec.hidden,
    intermediate_size: spec.intermediate,
    num_hidden_layers: spec.layers,
    num_attention_heads: spec.heads,
    num_key_value_heads: spec.kvHeads,
    vocab_size: spec.vocab,
    max_position_embeddings: 256,
    rms_norm_eps: 1e-5,
    rope_theta: 10000,
    hidden_act: 'silu',
    tie_word_embeddings: true,
    torch_dtype: 'float32',
  }, null, 2));
  return { file, bytes: 8 + json.length + offset };
}
