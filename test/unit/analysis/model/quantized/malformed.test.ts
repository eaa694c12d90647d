// Damaged or unsupported quantized weights: each is listed once under its weight name, marked not
// decodable with a reason that names the tensor at fault (also in the model's notes), and the rest
// of the model opens and reads as usual; damage visible only in the data (a g_idx entry out of
// range) is a ModelFileError naming that tensor when the weight is read; an unknown quant_method is
// a note, never a refusal.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelFileError } from '../../../../../src/analysis/io/modelFileError';
import { readAllF32 } from '../../../../../src/analysis/io/tensorReader';
import { openModel } from '../../../../../src/analysis/model/openModel';
import type { TensorSpec } from '../../../../fixtures/safetensorsWriter';
import { bits, expected, LLAMA_CONFIG, ORACLE, writeCase, type OracleCase } from '../../io/quant/quantFixture';

let root = '';
let n = 0;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'll-quant-bad-'));
});
after(() => rm(root, { recursive: true, force: true }));

const GOOD = ORACLE.cases.awq_int4_g32;
const GOOD_NAME = Object.keys(GOOD.weights)[0];

/** `c`'s tensors (edited), plus a plain F32 tensor that shows the rest of the model still opens. */
async function open(c: OracleCase, edit?: (s: TensorSpec[]) => TensorSpec[], config?: Record<string, unknown>) {
  const dir = join(root, `m${n++}`);
  await writeCase(dir, c, {
    edit,
    extra: [{ name: 'model.norm.weight', dtype: 'F32', shape: [4], values: [1, 2, 3, 4] }],
    ...(config ? { config: { ...LLAMA_CONFIG, quantization_config: config } } : {}),
  });
  return openModel(dir);
}

function reshape(suffix: string, shape: number[], bytes?: (b: Uint8Array) => Uint8Array) {
  return (specs: TensorSpec[]) => specs.map((s) => (s.name.endsWith(suffix) ? { ...s, shape, bytes: bytes ? bytes(s.bytes!) : s.bytes } : s));
}

async function assertNotDecodable(model: Awaited<ReturnType<typeof openModel>>, weight: string, reason: RegExp) {
  const e = model.tensors.get(weight);
  assert.ok(e?.quant, `${weight} is listed`);
  assert.equal(e.quant.decodable, false);
  assert.match(String(e.quant.params.reason), reason);
  assert.ok(
    (model.notes ?? []).some((x) => reason.test(x)),
    `a note says why: ${(model.notes ?? []).join(' | ')}`,
  );
  // The refusal itself says why, not only the notes.
  await assert.rejects(readAllF32(e), (err: Error) => /cannot decode: /.test(err.message) && reason.test(err.message));
  // The rest of the model is untouched.
  assert.deepEqual([...(await readAllF32(model.tensors.get('model.norm.weight')!))], [1, 2, 3, 4]);
}

const G = ORACLE.cases.gptq_int4_g32_actorder_v1;
const GW = 'model.layers.0.mlp.down_proj.weight';

test('GPTQ scales of the wrong shape', async () => {
  // [2, 32] F16 read as [4, 16]: same bytes, wrong shape.
  const model = await open(G, reshape('.scales', [4, 16]));
  await assertNotDecodable(model, GW, /scales 'model\.layers\.0\.mlp\.down_proj\.scales' \[4, 16\] should be \[groups, 32\]/);
});

test('a GPTQ qweight whose packed size disagrees with g_idx', async () => {
  const model = await open(
    G,
    reshape('.qweight', [4, 32], (b) => b.subarray(0, 4 * 4 * 32)),
  );
  await assertNotDecodable(model, GW, /g_idx 'model\.layers\.0\.mlp\.down_proj\.g_idx' I32 \[64\] should be I32 \[32\]/);
});

test('a GPTQ packed tensor without its scales', async () => {
  const model = await open(G, (s) => s.filter((t) => !t.name.endsWith('.scales')));
  await assertNotDecodable(model, GW, /no scales tensor 'model\.layers\.0\.mlp\.down_proj\.scales'/);
});

test('a g_idx entry out of range is a ModelFileError naming g_idx when the weight is read', async () => {
  const model = await open(G, (specs) =>
    specs.map((s) => {
      if (!s.name.endsWith('.g_idx')) return s;
      const b = new Uint8Array(s.bytes!);
      new DataView(b.buffer).setInt32(4 * 5, 7, true);
      return { ...s, bytes: b };
    }),
  );
  const e = model.tensors.get(GW)!;
  await assert.rejects(
    readAllF32(e),
    (err: Error) => err instanceof ModelFileError && /'model\.layers\.0\.mlp\.down_proj\.g_idx'.*input column 5 in group 7.*only 2 groups/.test(err.message),
  );
});

test('an unknown quant_method is a note; the tensors are listed as stored', async () => {
  const model = await open(G, undefined, { quant_method: 'hqq', nbits: 4 });
  assert.ok(
    (model.notes ?? []).some((x) => /quant_method is 'hqq'.*not decode.*qweight/.test(x)),
    (model.notes ?? []).join(' | '),
  );
  assert.equal(model.tensors.get('model.layers.0.mlp.down_proj.qweight')?.dtype, 'I32');
  assert.equal(model.tensors.get(GW), undefined);
});

test('packed tensors that cannot be paired (no config, no scales) are named in a note', async () => {
  const dir = join(root, 'unpaired');
  await writeCase(dir, G, { config: null, edit: (s) => s.filter((t) => !t.name.endsWith('.scales')) });
  const model = await openModel(dir);
  assert.ok(
    (model.notes ?? []).some((x) => /2 packed quantized tensors \(such as 'model\.layers\.0\.mlp\.down_proj\.qweight'\)/.test(x)),
    (model.notes ?? []).join(' | '),
  );
});

test("AWQ's GEMV layout is listed as not decodable, by name", async () => {
  const model = await open(GOOD, undefined, { ...GOOD.config, version: 'gemv' });
  await assertNotDecodable(model, GOOD_NAME, /'model\.layers\.0\.self_attn\.q_proj\.weight' is stored in AutoAWQ's 'gemv' layout/);
});

test('AWQ zero points of the wrong shape', async () => {
  const model = await open(
    GOOD,
    reshape('.qzeros', [1, 4], (b) => b.subarray(0, 16)),
  );
  await assertNotDecodable(model, GOOD_NAME, /zero points 'model\.layers\.0\.self_attn\.q_proj\.qzeros' I32 \[1, 4\] should be I32 \[2, 2\]/);
});

test('GPTQ in a kernel-specific checkpoint_format is not decodable, by name', async () => {
  const model = await open(G, undefined, { ...G.config, checkpoint_format: 'marlin' });
  await assertNotDecodable(model, GW, /'marlin' checkpoint format/);
});

test('compressed-tensors scale that fits no strategy', async () => {
  const c = ORACLE.cases.ct_fp8_channel_bf16;
  const model = await open(
    c,
    reshape('.weight_scale', [3, 1], (b) => b.subarray(0, 6)),
  );
  await assertNotDecodable(
    model,
    'model.layers.0.self_attn.o_proj.weight',
    /scale 'model\.layers\.0\.self_attn\.o_proj\.weight_scale' \[3, 1\] fits no strategy/,
  );
});

test('bitsandbytes absmax of the wrong length', async () => {
  const c = ORACLE.cases.bnb_nf4_bf16;
  const model = await open(
    c,
    reshape('.absmax', [5], (b) => b.subarray(0, 20)),
  );
  await assertNotDecodable(model, 'model.layers.0.mlp.up_proj.weight', /'model\.layers\.0\.mlp\.up_proj\.weight\.absmax' should hold 6 F32 scales/);
});

test('a healthy weight beside a damaged one still decodes', async () => {
  const both: OracleCase = { config: G.config, tensors: { ...G.tensors }, weights: G.weights };
  // A second GPTQ module whose scales are missing.
  for (const [k, v] of Object.entries(G.tensors)) if (!k.endsWith('.scales')) both.tensors[k.replace('down_proj', 'up_proj')] = v;
  const model = await open(both);
  assert.equal(model.tensors.get('model.layers.0.mlp.up_proj.weight')?.quant?.decodable, false);
  assert.deepEqual(bits(await readAllF32(model.tensors.get(GW)!)), bits(expected(G, GW)));
});
