/**
 * DeepSeek's multi-head latent attention in a `deepseek2` GGUF file: its tensors checked against
 * the metadata before a forward pass, and `kv_b_proj` rebuilt where the converter split it.
 *
 * llama.cpp src/models/deepseek2.cpp `load_arch_tensors` (ggml ne, reversed here to the PyTorch
 * shapes of the file): `attn_q_a` {n_embd, q_lora_rank}, `attn_q_a_norm` {q_lora_rank}, `attn_q_b`
 * {q_lora_rank, n_head·k_mla} (or one `attn_q` {n_embd, n_head·k_mla} without q_lora_rank),
 * `attn_kv_a_mqa` {n_embd, kv_lora_rank + rope}, `attn_kv_a_norm` {kv_lora_rank}, `attn_output`
 * {n_head·v_mla, n_embd}, and either `attn_kv_b` {kv_lora_rank, n_head·(nope + v_mla)} (files
 * converted before llama.cpp's MLA change) or `attn_k_b` {nope, kv_lora_rank, n_head} and
 * `attn_v_b` {kv_lora_rank, v_mla, n_head}.
 *
 * The split comes from convert_hf_to_gguf.py `DeepseekV2Model.modify_tensors`: kv_b_proj
 * [H·(nope + v), r] viewed as [H, nope + v, r] and cut along dim 1 into k_b [H, nope, r] and
 * v_b [H, v, r]; k_b transposed per head to [H, r, nope] ("MLA with the absorption optimization").
 * Undone here: kv_b row h·(nope + v) + i is k_b[h][·][i] for i < nope, and v_b[h][i − nope] after.
 */
import { readElementsF32 } from '../../io/tensorReader';
import { ModelFileError } from '../../io/modelFileError';
import type { ModelHandle, TensorEntry } from '../types';
import type { MlaConfig } from '../executor/mla';
import { sameShape } from './ggufMoeTensors';

interface Needed {
  suffix: string;
  what: string;
  shape: number[];
}

/** The split or unsplit kv_b of a layer: which the file holds decides which are required. */
function kvTensors(model: ModelHandle, l: number, m: MlaConfig, H: number): Needed[] {
  const split = model.tensors.has(`blk.${l}.attn_k_b.weight`) || model.tensors.has(`blk.${l}.attn_v_b.weight`);
  if (!split && model.tensors.has(`blk.${l}.attn_kv_b.weight`))
    return [{ suffix: 'attn_kv_b.weight', what: 'the key/value up-projection kv_b_proj', shape: [H * (m.nope + m.vHead), m.kvLoraRank] }];
  return [
    { suffix: 'attn_k_b.weight', what: "the keys' up-projection (kv_b_proj's key rows, transposed per head)", shape: [H, m.kvLoraRank, m.nope] },
    { suffix: 'attn_v_b.weight', what: "the values' up-projection (kv_b_proj's value rows)", shape: [H, m.vHead, m.kvLoraRank] },
  ];
}

function neededTensors(model: ModelHandle, l: number, m: MlaConfig, H: number, d: number): Needed[] {
  const qk = m.nope + m.rope;
  return [
    ...(m.qLoraRank === null
      ? [{ suffix: 'attn_q.weight', what: 'the query projection q_proj', shape: [H * qk, d] }]
      : [
          { suffix: 'attn_q_a.weight', what: "the query's down-projection q_a_proj", shape: [m.qLoraRank, d] },
          { suffix: 'attn_q_a_norm.weight', what: "the query's latent norm q_a_layernorm", shape: [m.qLoraRank] },
          { suffix: 'attn_q_b.weight', what: "the query's up-projection q_b_proj", shape: [H * qk, m.qLoraRank] },
        ]),
    { suffix: 'attn_kv_a_mqa.weight', what: 'the key/value down-projection kv_a_proj_with_mqa', shape: [m.kvLoraRank + m.rope, d] },
    { suffix: 'attn_kv_a_norm.weight', what: 'the key/value latent norm kv_a_layernorm', shape: [m.kvLoraRank] },
    ...kvTensors(model, l, m, H),
    { suffix: 'attn_output.weight', what: 'the output projection o_proj', shape: [d, H * m.vHead] },
  ];
}

/** Throws a ModelFileError naming the first latent-attention tensor that is missing or misshapen. */
export function checkGgufMlaTensors(model: ModelHandle, m: MlaConfig, H: number, d: number, layers: number): void {
  for (let l = 0; l < layers; l++) {
    for (const n of neededTensors(model, l, m, H, d)) {
      const name = `blk.${l}.${n.suffix}`;
      const e = model.tensors.get(name);
      if (!e)
        throw new ModelFileError(
          `${model.path}: layer ${l} has no tensor "${name}" (${n.what}), which the multi-head latent attention of a GGUF deepseek2 model needs`,
          model.path,
        );
      if (!sameShape(e.shape, n.shape))
        throw new ModelFileError(
          `${model.path}: tensor "${name}" (${n.what}) has shape [${e.shape.join(', ')}], but the file's metadata implies [${n.shape.join(', ')}]`,
          e.file,
        );
    }
  }
}

/** kv_b_proj [H·(nope + v), r] rebuilt from the converter's k_b [H, r, nope] and v_b [H, v, r] (shapes checked above). */
export function rebuiltKvB(kB: TensorEntry, vB: TensorEntry): { shape: number[]; read(): Promise<Float32Array> } {
  const size = (e: TensorEntry) => e.shape.reduce((a, b) => a * b, 1);
  const nope = kB.shape[kB.shape.length - 1],
    r = kB.shape[kB.shape.length - 2];
  const v = vB.shape[vB.shape.length - 2];
  const H = size(kB) / (r * nope);
  const rows = nope + v;
  return {
    shape: [H * rows, r],
    read: async () => {
      const k = await readElementsF32(kB, 0, size(kB)),
        vals = await readElementsF32(vB, 0, size(vB));
      const out = new Float32Array(H * rows * r);
      for (let h = 0; h < H; h++) {
        for (let i = 0; i < nope; i++) for (let c = 0; c < r; c++) out[(h * rows + i) * r + c] = k[(h * r + c) * nope + i];
        out.set(vals.subarray(h * v * r, (h + 1) * v * r), (h * rows + nope) * r);
      }
      return out;
    },
  };
}
