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
import { readElementsF32, type ChunkOptions } from '../../io/tensorReader';
import { ModelFileError } from '../../io/modelFileError';
import type { ModelHandle, TensorEntry } from '../types';
import type { MlaConfig } from '../executor/mla';
import { sameShape } from './ggufMoeTensors';

/** The sizes of kv_b_proj that the file's metadata gives: head count, k-nope and value head sizes, kv_lora_rank. */
export interface KvBSizes {
  heads: number;
  nope: number;
  v: number;
  rank: number;
}

const K_B_WHAT = "the keys' up-projection (kv_b_proj's key rows, transposed per head)";
const V_B_WHAT = "the values' up-projection (kv_b_proj's value rows)";

/** The converter's k_b [H, r, nope] and v_b [H, v, r] for these sizes. */
function splitShapes(s: KvBSizes): { kB: number[]; vB: number[] } {
  return { kB: [s.heads, s.rank, s.nope], vB: [s.heads, s.v, s.rank] };
}

function shapeError(path: string, e: TensorEntry, what: string, want: number[]): ModelFileError {
  return new ModelFileError(
    `${path}: tensor "${e.name}" (${what}) has shape [${e.shape.join(', ')}], but the file's metadata implies [${want.join(', ')}]`,
    e.file,
  );
}

/** Throws a ModelFileError naming k_b or v_b when its shape is not what the metadata's sizes imply. */
export function checkKvBSplit(path: string, kB: TensorEntry, vB: TensorEntry, sizes: KvBSizes): void {
  const want = splitShapes(sizes);
  if (!sameShape(kB.shape, want.kB)) throw shapeError(path, kB, K_B_WHAT, want.kB);
  if (!sameShape(vB.shape, want.vB)) throw shapeError(path, vB, V_B_WHAT, want.vB);
}

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
  const want = splitShapes({ heads: H, nope: m.nope, v: m.vHead, rank: m.kvLoraRank });
  return [
    { suffix: 'attn_k_b.weight', what: K_B_WHAT, shape: want.kB },
    { suffix: 'attn_v_b.weight', what: V_B_WHAT, shape: want.vB },
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
      if (!sameShape(e.shape, n.shape)) throw shapeError(model.path, e, n.what, n.shape);
    }
  }
}

/**
 * kv_b_proj [H·(nope + v), r] rebuilt from the converter's k_b [H, r, nope] and v_b [H, v, r] (shapes
 * checked by checkGgufMlaTensors or checkKvBSplit first). The one rebuild: the executor's weights
 * (ggufWeightSource.ts) and the role map's `kv_b` (readRole.ts, RoleSource `mlaKvB`) both read it.
 */
export function rebuiltKvB(kB: TensorEntry, vB: TensorEntry): { shape: number[]; read(opts?: ChunkOptions): Promise<Float32Array> } {
  const size = (e: TensorEntry) => e.shape.reduce((a, b) => a * b, 1);
  const nope = kB.shape[kB.shape.length - 1],
    r = kB.shape[kB.shape.length - 2];
  const v = vB.shape[vB.shape.length - 2];
  const H = size(kB) / (r * nope);
  const rows = nope + v;
  return {
    shape: [H * rows, r],
    read: async (opts = {}) => {
      // Cancellable; no progress, which two reads would report as two runs from zero.
      const k = await readElementsF32(kB, 0, size(kB), { signal: opts.signal }),
        vals = await readElementsF32(vB, 0, size(vB), { signal: opts.signal });
      const out = new Float32Array(H * rows * r);
      for (let h = 0; h < H; h++) {
        for (let i = 0; i < nope; i++) for (let c = 0; c < r; c++) out[(h * rows + i) * r + c] = k[(h * r + c) * nope + i];
        out.set(vals.subarray(h * v * r, (h + 1) * v * r), (h * rows + nope) * r);
      }
      return out;
    },
  };
}
