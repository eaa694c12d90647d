/**
 * Header-only open of a DeepSeek-V3-shaped sharded checkpoint: 61 layers (the first 3 dense, the
 * rest mixture-of-experts with 256 routed experts and 1 shared expert) plus the multi-token-prediction
 * layer 61, ~92k tensors in 163 shards with the checkpoint's own file names and an index. Every
 * header is real (names, dtypes, shapes, offsets); the data regions are holes (ftruncate), so the
 * ~690 GB folder costs a few MB of disk. Measured: openModel + summarize (what the model editor's
 * `model/open` returns) on the folder and on one shard (which opens the whole model through the
 * index), target < 1 s; the summary's JSON size (what crosses to the editor's webview) and peak RSS.
 *
 * Where each name and shape comes from:
 *  - transformers models/deepseek_v3/configuration_deepseek_v3.py: DeepseekV3Config defaults are
 *    DeepSeek-V3's (hidden 7168, intermediate 18432, moe_intermediate 2048, 61 layers, 128 heads,
 *    256 routed + 1 shared experts, q_lora_rank 1536, kv_lora_rank 512, qk_nope 128, qk_rope 64,
 *    v_head 128, first_k_dense_replace 3, vocab 129280).
 *  - modular_deepseek_v3.py: DeepseekV3Attention (q_a_proj, q_a_layernorm, q_b_proj,
 *    kv_a_proj_with_mqa, kv_a_layernorm, kv_b_proj, o_proj and their shapes), DeepseekV3MoE
 *    (experts, gate = DeepseekV3TopkRouter with weight [E, D] and e_score_correction_bias [E],
 *    shared_experts with intermediate moe_intermediate × n_shared_experts), DeepseekV3DecoderLayer
 *    (dense MLP below first_k_dense_replace), DeepseekV3Model ignoring `model.layers.61.*`. The
 *    checkpoint stores experts one per module (`mlp.experts.<e>.gate_proj.weight`), as
 *    deepseek-ai/DeepSeek-V3 inference/convert.py reads them (`int(name.split(".")[-3])`).
 *  - deepseek-ai/DeepSeek-V3 README_WEIGHTS.md: FP8 e4m3 weights with a float32 `weight_scale_inv`
 *    per 128×128 block; the MTP module is layer 61 with embed_tokens, enorm, hnorm, eh_proj,
 *    shared_head and an ordinary attention + MoE layer. inference/model.py `Linear`: the scale is
 *    [ceil(out/128), ceil(in/128)]; the router (`Gate`), norms, embeddings and head stay in BF16.
 *    `shared_head.norm` / `shared_head.head` as named by the converters that read the checkpoint
 *    (MaxText's and Megatron's DeepSeek converters); eh_proj is written as FP8 with its scale, like
 *    every other projection, and is [D, 2D] (it projects the concatenated enorm/hnorm outputs).
 *  - File names `model-00001-of-000163.safetensors` (five digits, then six) as in the checkpoint.
 *
 *   npm run bench open        (or: node --expose-gc --import tsx bench/open.bench.ts)
 */
import { mkdir, open, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DTYPE_BYTES, type DType } from '../src/analysis/io/dtypes';
import { readSafetensorsHeader } from '../src/analysis/io/safetensors';
import { readShardIndex } from '../src/analysis/io/shardIndex';
import { mapArchitecture } from '../src/analysis/model/architectures/index';
import { modelOverview } from '../src/analysis/model/overview';
import { openModel } from '../src/analysis/model/openModel';
import { summarize } from '../src/analysis/model/summary';
import { headerFor } from '../test/fixtures/safetensorsWriter';

const V3 = {
  hidden: 7168,
  intermediate: 18432,
  moeIntermediate: 2048,
  layers: 61,
  mtpLayers: 1,
  heads: 128,
  routed: 256,
  shared: 1,
  qLora: 1536,
  kvLora: 512,
  qkNope: 128,
  qkRope: 64,
  vHead: 128,
  firstDense: 3,
  vocab: 129280,
};
const SHARDS = 163;
const BLOCK = 128;
const TARGET_MS = 1000;

interface Spec {
  name: string;
  dtype: DType;
  shape: number[];
  byteLength: number;
}

const t = (name: string, dtype: DType, shape: number[]): Spec => ({ name, dtype, shape, byteLength: shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[dtype] });
/** An FP8 projection and its block scale, as DeepSeek-V3 stores every quantized Linear. */
const fp8 = (name: string, out: number, inp: number): Spec[] => [
  t(`${name}.weight`, 'F8_E4M3', [out, inp]),
  t(`${name}.weight_scale_inv`, 'F32', [Math.ceil(out / BLOCK), Math.ceil(inp / BLOCK)]),
];
const mlp = (p: string, inter: number): Spec[] => [
  ...fp8(`${p}.gate_proj`, inter, V3.hidden),
  ...fp8(`${p}.up_proj`, inter, V3.hidden),
  ...fp8(`${p}.down_proj`, V3.hidden, inter),
];

function layerTensors(l: number): Spec[] {
  const { hidden: D, heads: H, qLora, kvLora, qkNope, qkRope, vHead } = V3;
  const p = `model.layers.${l}`;
  const out: Spec[] = [
    t(`${p}.input_layernorm.weight`, 'BF16', [D]),
    ...fp8(`${p}.self_attn.q_a_proj`, qLora, D),
    t(`${p}.self_attn.q_a_layernorm.weight`, 'BF16', [qLora]),
    ...fp8(`${p}.self_attn.q_b_proj`, H * (qkNope + qkRope), qLora),
    ...fp8(`${p}.self_attn.kv_a_proj_with_mqa`, kvLora + qkRope, D),
    t(`${p}.self_attn.kv_a_layernorm.weight`, 'BF16', [kvLora]),
    ...fp8(`${p}.self_attn.kv_b_proj`, H * (qkNope + vHead), kvLora),
    ...fp8(`${p}.self_attn.o_proj`, D, H * vHead),
    t(`${p}.post_attention_layernorm.weight`, 'BF16', [D]),
  ];
  if (l < V3.firstDense) return [...out, ...mlp(`${p}.mlp`, V3.intermediate)];
  out.push(t(`${p}.mlp.gate.weight`, 'BF16', [V3.routed, D]), t(`${p}.mlp.gate.e_score_correction_bias`, 'F32', [V3.routed]));
  for (let e = 0; e < V3.routed; e++) out.push(...mlp(`${p}.mlp.experts.${e}`, V3.moeIntermediate));
  out.push(...mlp(`${p}.mlp.shared_experts`, V3.moeIntermediate * V3.shared));
  if (l >= V3.layers) {
    // The multi-token-prediction module (README_WEIGHTS.md).
    out.push(
      t(`${p}.embed_tokens.weight`, 'BF16', [V3.vocab, D]),
      t(`${p}.enorm.weight`, 'BF16', [D]),
      t(`${p}.hnorm.weight`, 'BF16', [D]),
      ...fp8(`${p}.eh_proj`, D, 2 * D),
      t(`${p}.shared_head.norm.weight`, 'BF16', [D]),
      t(`${p}.shared_head.head.weight`, 'BF16', [V3.vocab, D]),
    );
  }
  return out;
}

function allTensors(): Spec[] {
  const out = [t('model.embed_tokens.weight', 'BF16', [V3.vocab, V3.hidden])];
  for (let l = 0; l < V3.layers + V3.mtpLayers; l++) out.push(...layerTensors(l));
  out.push(t('model.norm.weight', 'BF16', [V3.hidden]), t('lm_head.weight', 'BF16', [V3.vocab, V3.hidden]));
  return out;
}

/** Writes the folder: 163 shards of about equal bytes in layer order, the index and config.json. */
export async function writeSparseDeepseekV3(dir: string): Promise<{ tensors: Spec[]; files: string[] }> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const tensors = allTensors();
  const total = tensors.reduce((a, s) => a + s.byteLength, 0);
  const groups: Spec[][] = [[]];
  let acc = 0;
  for (const s of tensors) {
    if (acc >= (total / SHARDS) * groups.length && groups.length < SHARDS) groups.push([]);
    groups[groups.length - 1].push(s);
    acc += s.byteLength;
  }
  const weightMap: Record<string, string> = {};
  const files: string[] = [];
  for (let i = 0; i < groups.length; i++) {
    const name = `model-${String(i + 1).padStart(5, '0')}-of-${String(groups.length).padStart(6, '0')}.safetensors`;
    const { json, dataBytes } = headerFor(groups[i]);
    const fh = await open(join(dir, name), 'w');
    try {
      const len = new Uint8Array(8);
      new DataView(len.buffer).setBigUint64(0, BigInt(json.byteLength), true);
      await fh.write(len, 0, 8, 0);
      await fh.write(json, 0, json.byteLength, 8);
      await fh.truncate(8 + json.byteLength + dataBytes);
    } finally {
      await fh.close();
    }
    for (const s of groups[i]) weightMap[s.name] = name;
    files.push(join(dir, name));
  }
  await writeFile(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: total }, weight_map: weightMap }, null, 2));
  await writeFile(
    join(dir, 'config.json'),
    JSON.stringify(
      {
        architectures: ['DeepseekV3ForCausalLM'],
        model_type: 'deepseek_v3',
        hidden_size: V3.hidden,
        intermediate_size: V3.intermediate,
        moe_intermediate_size: V3.moeIntermediate,
        num_hidden_layers: V3.layers,
        num_nextn_predict_layers: V3.mtpLayers,
        num_attention_heads: V3.heads,
        num_key_value_heads: V3.heads,
        n_routed_experts: V3.routed,
        n_shared_experts: V3.shared,
        num_experts_per_tok: 8,
        n_group: 8,
        topk_group: 4,
        first_k_dense_replace: V3.firstDense,
        q_lora_rank: V3.qLora,
        kv_lora_rank: V3.kvLora,
        qk_nope_head_dim: V3.qkNope,
        qk_rope_head_dim: V3.qkRope,
        v_head_dim: V3.vHead,
        vocab_size: V3.vocab,
        hidden_act: 'silu',
        rms_norm_eps: 1e-6,
        tie_word_embeddings: false,
        torch_dtype: 'bfloat16',
        quantization_config: { activation_scheme: 'dynamic', fmt: 'e4m3', quant_method: 'fp8', weight_block_size: [BLOCK, BLOCK] },
      },
      null,
      2,
    ),
  );
  return { tensors, files };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main(): Promise<void> {
  const dir = join(__dirname, '..', '.bench-data', 'deepseek-v3-sparse');
  let t0 = performance.now();
  const { tensors, files } = await writeSparseDeepseekV3(dir);
  const params = tensors.filter((s) => !s.name.endsWith('_scale_inv')).reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0);
  const bytes = tensors.reduce((a, s) => a + s.byteLength, 0);
  console.log(
    `DeepSeek-V3-shaped folder: ${tensors.length} tensors, ${(params / 1e9).toFixed(1)} B parameters (the model card: 671 B + 14 B MTP), ${(bytes / 1e9).toFixed(0)} GB in ${files.length} sparse shards, written in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  const rss0 = process.memoryUsage().rss;
  let rssMax = rss0;
  const sampler = setInterval(() => (rssMax = Math.max(rssMax, process.memoryUsage().rss)), 5);
  const runs: Record<string, number[]> = { folder: [], shard: [] };
  let summaryJson = 0;
  let layers = 0;
  let architecture = '';
  for (let i = 0; i < 7; i++) {
    for (const [what, path] of [
      ['folder', dir],
      ['shard', files[80]],
    ] as const) {
      t0 = performance.now();
      const model = await openModel(path);
      const summary = summarize(model);
      runs[what].push(performance.now() - t0);
      if (i === 0 && what === 'folder') {
        summaryJson = JSON.stringify(summary).length;
        layers = model.layers.length;
        architecture = `${model.architecture} (${model.architectureLabel})`;
        if (model.tensors.size !== tensors.length || model.files.length !== files.length) throw new Error('the folder did not open whole');
      }
      (globalThis as { gc?: () => void }).gc?.();
    }
  }
  clearInterval(sampler);
  // Where the time goes: the files (index + headers), the role map, the overview, the rest of the summary.
  const parts: Record<string, number[]> = { files: [], map: [], overview: [], summary: [] };
  for (let i = 0; i < 5; i++) {
    let t = performance.now();
    const index = await readShardIndex(dir);
    await Promise.all(index.shards.map((f) => readSafetensorsHeader(f)));
    parts.files.push(performance.now() - t);
    const model = await openModel(dir);
    t = performance.now();
    mapArchitecture({ config: model.config, tensors: model.tensors });
    parts.map.push(performance.now() - t);
    t = performance.now();
    modelOverview(model);
    parts.overview.push(performance.now() - t);
    t = performance.now();
    summarize(model);
    parts.summary.push(performance.now() - t);
    (globalThis as { gc?: () => void }).gc?.();
  }
  const peak = Math.max(rssMax, process.resourceUsage().maxRSS * 1024);
  const mb = (x: number) => (x / 2 ** 20).toFixed(0);
  console.log(`  mapped as ${architecture}, ${layers} layers; the summary is ${(summaryJson / 1e6).toFixed(1)} MB of JSON`);
  for (const what of ['folder', 'shard'] as const) {
    const first = runs[what][0];
    const med = median(runs[what].slice(1));
    console.log(
      `open ${what === 'folder' ? 'the folder          ' : 'shard 81 of 163 alone'} (openModel + summarize): first ${first.toFixed(0)} ms, median ${med.toFixed(0)} ms of ${runs[what].length - 1}; ratio to the 1 s target ${(med / TARGET_MS).toFixed(2)} (${med < TARGET_MS ? 'met' : 'MISSED'})`,
    );
  }
  console.log(
    `  medians: index + 163 headers ${median(parts.files).toFixed(0)} ms, role map ${median(parts.map).toFixed(0)} ms, overview ${median(parts.overview).toFixed(0)} ms, summarize (overview included) ${median(parts.summary).toFixed(0)} ms`,
  );
  console.log(`  peak RSS ${mb(peak)} MiB (${mb(rss0)} MiB before opening)`);
  await rm(dir, { recursive: true, force: true });
}

if (require.main === module) {
  void main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
