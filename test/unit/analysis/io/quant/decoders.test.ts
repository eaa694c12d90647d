// GPTQ (2/3/4/8 bits, act-order g_idx, "gptq" and "gptq_v2" zero points), AWQ GEMM,
// compressed-tensors (pack-quantized int4 group/channel with and without zero points and padding,
// FP8 per-channel/per-tensor, int8 with zero points) and bitsandbytes NF4/FP4 (bfloat16, float32
// with a partial last block, nested absmax) and LLM.int8: each checkpoint written from
// test/oracles/quant_pack.py's packing, opened with openModel, and every decoded weight compared
// with the oracle's dequantized matrix bit for bit. Tolerance zero: the formats define the value as
// one rounding of an exact product to the scales' dtype, which both sides compute.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAllF32, readElementsF32, streamF32 } from '../../../../../src/analysis/io/tensorReader';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { bits, expected, ORACLE, writeCase } from './quantFixture';

let root = '';
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'll-quant-'));
});
after(() => rm(root, { recursive: true, force: true }));

const LABELS: Record<string, string> = {
  gptq_int4_g32_actorder_v1: 'GPTQ int4 g32',
  gptq_int8_perchannel_v2: 'GPTQ int8 per-channel',
  gptq_int3_g32_v1: 'GPTQ int3 g32',
  gptq_int2_g16_v1_no_gidx: 'GPTQ int2 g16',
  awq_int4_g32: 'AWQ int4 g32',
  ct_int4_g32_asym_bf16: 'CT int4 g32',
  ct_int4_channel_sym_f16_padded: 'CT int4 per-channel',
  ct_fp8_channel_bf16: 'CT FP8 per-channel',
  ct_fp8_tensor_f32: 'CT FP8 per-tensor',
  ct_int8_channel_asym: 'CT int8 per-channel',
  bnb_nf4_bf16: 'NF4 b64',
  bnb_nf4_f32_partial_block: 'NF4 b64',
  bnb_fp4_nested_f16: 'FP4 b64 dq',
  bnb_int8: 'LLM.int8',
};

for (const [name, label] of Object.entries(LABELS)) {
  test(`${name}: decodes to the oracle's dequantized weight bit for bit`, async () => {
    const c = ORACLE.cases[name];
    const dir = join(root, name);
    await writeCase(dir, c);
    const model = await openModel(dir);
    for (const [wname, w] of Object.entries(c.weights)) {
      const entry = model.tensors.get(wname);
      assert.ok(entry?.quant, `${wname} is one quantized entry`);
      assert.equal(entry.quant.label, label);
      assert.notEqual(entry.quant.decodable, false, String(entry.quant.params.reason));
      assert.deepEqual(entry.shape, w.shape);
      assert.equal(entry.dtype, 'F32');
      // Every stored part is folded into the weight: nothing else of the module is listed.
      for (const part of entry.quant.parts) assert.equal(model.tensors.has(part.name) && part.name !== wname, false, `${part.name} is not listed on its own`);
      const want = expected(c, wname);
      const got = await readAllF32(entry);
      assert.deepEqual(bits(got), bits(want));
      // A range that starts and ends inside rows.
      const first = Math.min(w.shape[1] + 3, want.length - 1);
      const count = Math.min(2 * w.shape[1] + 5, want.length - first);
      assert.deepEqual(bits(await readElementsF32(entry, first, count)), bits(want.subarray(first, first + count)));
      // Streamed in small chunks (several rows each) as statistics read it.
      const streamed = new Float32Array(want.length);
      await streamF32(entry, { chunkBytes: 4 * w.shape[w.shape.length - 1] * 3 }, (v, at) => streamed.set(v, at));
      assert.deepEqual(bits(streamed), bits(want));
    }
  });
}

test('every case of the oracle is covered here or by the Llama-shaped model test', () => {
  assert.deepEqual(Object.keys(ORACLE.cases).sort(), [...Object.keys(LABELS), 'gptq_llama'].sort());
});

test('the same GPTQ weight without a config.json is recognised from its shapes (v1 zero points assumed)', async () => {
  const c = ORACLE.cases.gptq_int4_g32_actorder_v1;
  const dir = join(root, 'gptq-no-config');
  await writeCase(dir, c, { config: null });
  const model = await openModel(dir);
  const [wname] = Object.keys(c.weights);
  const entry = model.tensors.get(wname)!;
  assert.equal(entry.quant?.label, 'GPTQ int4 g32');
  assert.deepEqual(bits(await readAllF32(entry)), bits(expected(c, wname)));
});

test("GPTQ's quantize_config.json beside the weights stands in for quantization_config", async () => {
  const c = ORACLE.cases.gptq_int8_perchannel_v2;
  const dir = join(root, 'gptq-side-file');
  await writeCase(dir, c, { config: { architectures: ['LlamaForCausalLM'], model_type: 'llama' } });
  const { quant_method: _m, ...side } = c.config;
  void _m;
  await import('node:fs/promises').then((fs) => fs.writeFile(join(dir, 'quantize_config.json'), JSON.stringify(side)));
  const model = await openModel(dir);
  const [wname] = Object.keys(c.weights);
  const entry = model.tensors.get(wname)!;
  assert.equal(entry.quant?.label, 'GPTQ int8 per-channel');
  assert.deepEqual(bits(await readAllF32(entry)), bits(expected(c, wname)));
});

test('reading "gptq_v2" zero points as "gptq" changes the values (the convention is honoured, not ignored)', async () => {
  const c = ORACLE.cases.gptq_int8_perchannel_v2;
  const dir = join(root, 'gptq-v2-as-v1');
  await writeCase(dir, c, {
    config: { architectures: ['LlamaForCausalLM'], model_type: 'llama', quantization_config: { ...c.config, checkpoint_format: 'gptq' } },
  });
  const model = await openModel(dir);
  const [wname] = Object.keys(c.weights);
  const got = await readAllF32(model.tensors.get(wname)!);
  const want = expected(c, wname);
  let differ = 0;
  for (let i = 0; i < got.length; i++) if (got[i] !== want[i]) differ++;
  assert.equal(differ, got.length, 'every value moves by one scale step');
});

test('a checkpoint rewritten after a read is refused on the next read, not served from the cache of packed parts', async () => {
  const c = ORACLE.cases.awq_int4_g32;
  const dir = join(root, 'rewritten');
  await writeCase(dir, c);
  const model = await openModel(dir);
  const [wname] = Object.keys(c.weights);
  const entry = model.tensors.get(wname)!;
  assert.deepEqual(bits(await readAllF32(entry)), bits(expected(c, wname)));
  const file = join(dir, 'model.safetensors');
  const { utimes } = await import('node:fs/promises');
  await utimes(file, new Date(), new Date(Date.now() + 5000));
  await assert.rejects(readAllF32(entry), /rewritten/);
});
